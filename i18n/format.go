package i18n

import (
	"context"
	"strconv"
	"time"
	_ "time/tzdata" // Asia/Bangkok must load on machines without a zoneinfo database

	"instore/money"
)

// Bangkok is Asia/Bangkok, where every business day and shown time lives.
var Bangkok = loadBangkok()

func loadBangkok() *time.Location {
	loc, err := time.LoadLocation("Asia/Bangkok")
	if err != nil {
		// Bangkok has had no daylight saving since 1920: a fixed zone is exact.
		return time.FixedZone("ICT", 7*60*60)
	}
	return loc
}

// Money renders satang as "฿4,000.00" (the same in both languages).
func Money(satang int64) string { return money.FormatTHB(satang) }

var thaiMonths = [...]string{"ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."}

// Date renders the Bangkok calendar day of t: "25 พ.ย. 2569" in Thai
// (Buddhist era), "25 Nov 2026" in English. The zero time renders as "—".
func Date(ctx context.Context, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	t = t.In(Bangkok)
	if Lang(ctx) == EN {
		return t.Format("2 Jan 2006")
	}
	return strconv.Itoa(t.Day()) + " " + thaiMonths[t.Month()-1] + " " + strconv.Itoa(t.Year()+543)
}

// Day renders a business day kept as "2006-01-02" (reports, the
// Z-report, reconciliation) for reading, as Date does: "6 ธ.ค. 2569" in
// Thai, "6 Dec 2026" in English. Text that is not such a day is returned
// as it is. Inputs, URLs and CSVs keep the ISO form.
func Day(ctx context.Context, day string) string {
	t, err := time.ParseInLocation("2006-01-02", day, Bangkok)
	if err != nil {
		return day
	}
	return Date(ctx, t)
}

var thaiMonthNames = [...]string{"มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
	"กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม"}

// Month renders a month kept as "2006-01" for reading: "ธันวาคม 2569" in
// Thai (Buddhist era), "December 2026" in English; other text as it is.
func Month(ctx context.Context, month string) string {
	t, err := time.ParseInLocation("2006-01", month, Bangkok)
	if err != nil {
		return month
	}
	if Lang(ctx) == EN {
		return t.Format("January 2006")
	}
	return thaiMonthNames[t.Month()-1] + " " + strconv.Itoa(t.Year()+543)
}

// DateTime renders t in Bangkok to the minute: "25 พ.ย. 2569 18:30" or
// "25 Nov 2026 18:30". The zero time renders as "—".
func DateTime(ctx context.Context, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return Date(ctx, t) + " " + t.In(Bangkok).Format("15:04")
}

// DateTimeSec is DateTime with seconds, for logs: "25 พ.ย. 2569 18:30:05".
func DateTimeSec(ctx context.Context, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return Date(ctx, t) + " " + t.In(Bangkok).Format("15:04:05")
}

// Clock renders the Bangkok time of day of t with seconds: "18:30:05".
func Clock(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(Bangkok).Format("15:04:05")
}
