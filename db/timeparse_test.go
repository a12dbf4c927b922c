package db

import (
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

func BenchmarkParseTime(b *testing.B) {
	s := "2025-03-20T07:15:00.123456Z"
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		ParseTime(s)
	}
}
