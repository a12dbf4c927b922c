package i18n

import (
	"context"
	"testing"
)

func TestDayAndMonthForReading(t *testing.T) {
	th, en := WithLang(context.Background(), TH), WithLang(context.Background(), EN)
	for _, c := range []struct{ got, want string }{
		{Day(th, "2026-12-06"), "6 ธ.ค. 2569"},
		{Day(en, "2026-12-06"), "6 Dec 2026"},
		{Day(th, "not a day"), "not a day"},
		{Month(th, "2026-01"), "มกราคม 2569"},
		{Month(en, "2026-01"), "January 2026"},
		{Month(en, ""), ""},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
