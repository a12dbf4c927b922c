package db

import (
	"fmt"
	"testing"
	"time"
)

// The fast path reads stored times exactly as time.Parse does, and leaves
// every other shape to it.
func TestParseStoredTimeMatchesTimeParse(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"2025-01-01T00:00:00.000000Z", "2024-02-29T23:59:59.999999Z", "1999-12-31T12:34:56.000001Z",
		FormatTime(time.Date(2026, 12, 6, 8, 40, 1, 123456000, time.UTC)),
	} {
		want, err := time.Parse(TimeLayout, s)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := parseStoredTime(s)
		if !ok || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%s: %v %v, want %v", s, got, ok, want)
		}
		if !ParseTime(s).Equal(want) {
			t.Errorf("ParseTime(%s) = %v", s, ParseTime(s))
		}
	}
	for _, s := range []string{"", "2025-02-30T00:00:00.000000Z", "2025-13-01T00:00:00.000000Z", "2025-01-01T24:00:00.000000Z",
		"2025-01-01T00:00:00Z", "2025-01-01T00:00:00.000000+07:00", "2025-01-01 00:00:00.000000Z", "2025-01-0aT00:00:00.000000Z"} {
		if _, ok := parseStoredTime(s); ok {
			t.Errorf("%q parsed by the fast path", s)
		}
	}
	if got := ParseTime("2025-01-01T07:00:00+07:00"); !got.Equal(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("RFC 3339 fallback: %v", got)
	}
}

// Every day of years 0 to 9999 is read as time.Parse reads it (the fast
// path's own day arithmetic), and no day past a month's end is taken.
func TestParseStoredTimeEveryDay(t *testing.T) {
	t.Parallel()
	for _, year := range []int{0, 1, 4, 99, 100, 400, 1600, 1700, 1900, 1969, 1970, 1971, 2000, 2024, 2025, 2100, 2400, 9999} {
		for day := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC); day.Year() == year; day = day.AddDate(0, 0, 1) {
			s := day.Add(13*time.Hour + 59*time.Minute + 58*time.Second + 7*time.Microsecond).Format(TimeLayout)
			want, err := time.Parse(TimeLayout, s)
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := parseStoredTime(s); !ok || got != want {
				t.Fatalf("%s: %v %v, want %v", s, got, ok, want)
			}
		}
		for m := time.January; m <= time.December; m++ {
			past := fmt.Sprintf("%04d-%02d-%02dT00:00:00.000000Z", year, int(m), daysIn(m, year)+1)
			if _, err := time.Parse(TimeLayout, past); err == nil {
				t.Fatalf("%s parsed by time.Parse: daysIn(%v, %d) is wrong", past, m, year)
			}
			if _, ok := parseStoredTime(past); ok {
				t.Fatalf("%s parsed by the fast path", past)
			}
		}
	}
}

func BenchmarkParseTime(b *testing.B) {
	s := "2025-03-20T07:15:00.123456Z"
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		ParseTime(s)
	}
}
