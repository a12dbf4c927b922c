package db

import "time"

// parseStoredTime parses s when it has exactly TimeLayout's shape
// (2006-01-02T15:04:05.000000Z), without time.Parse's layout walk: every
// listed charge has several timestamps, and parsing them was a tenth of
// the charge list API's CPU. ok is false for any other shape (the caller
// falls back to time.Parse).
func parseStoredTime(s string) (t time.Time, ok bool) {
	if len(s) != 27 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' || s[26] != 'Z' {
		return time.Time{}, false
	}
	num := func(from, to int) (int, bool) {
		n := 0
		for i := from; i < to; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 7)
	day, ok3 := num(8, 10)
	hour, ok4 := num(11, 13)
	min, ok5 := num(14, 16)
	sec, ok6 := num(17, 19)
	micro, ok7 := num(20, 26)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) || month < 1 || month > 12 || day < 1 ||
		day > daysIn(time.Month(month), year) || hour > 23 || min > 59 || sec > 59 {
		return time.Time{}, false
	}
	secs := daysSinceEpoch(year, month, day)*86400 + int64(hour*3600+min*60+sec)
	return time.Unix(secs, int64(micro)*1000).UTC(), true
}

// daysIn is how many days month m of year has (proleptic Gregorian).
func daysIn(m time.Month, year int) int {
	if m == time.February {
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	}
	return int(monthDays[m])
}

var monthDays = [13]uint8{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// daysSinceEpoch counts the days from 1970-01-01 to the date (valid, year
// 0 to 9999), with the usual civil-from-days arithmetic on 400-year eras
// counted from March, so a leap day falls at the end of its year: cheaper
// than time.Date's normalisation, which was most of a stored time's parse.
func daysSinceEpoch(year, month, day int) int64 {
	y := year
	if month <= 2 {
		y--
	}
	era := y / 400
	if y < 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400                             // 0…399
	doy := (153*((month+9)%12)+2)/5 + day - 1      // 0…365, from March 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy         // 0…146096
	return int64(era)*146097 + int64(doe) - 719468 // 719468: 0000-03-01 to 1970-01-01
}
