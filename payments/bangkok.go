package payments

import (
	"time"
	_ "time/tzdata" // Asia/Bangkok must resolve on machines without zoneinfo
)

// Bangkok is the merchant's time zone: business days run 00:00–24:00 here.
var Bangkok = mustLoad("Asia/Bangkok")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// BusinessDay is the Bangkok calendar day t falls on, as YYYY-MM-DD.
func BusinessDay(t time.Time) string {
	return t.In(Bangkok).Format("2006-01-02")
}

// DayBounds returns the UTC instants [start, end) of a Bangkok business day.
func DayBounds(day string) (time.Time, time.Time, error) {
	start, err := time.ParseInLocation("2006-01-02", day, Bangkok)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	return start.UTC(), start.AddDate(0, 0, 1).UTC(), nil
}
