package config

import (
	"strings"
	"testing"
	"time"
)

func TestEventRetention(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"", 90 * 24 * time.Hour, false},
		{"30d", 30 * 24 * time.Hour, false},
		{"400d", 400 * 24 * time.Hour, false},
		{"720h", 720 * time.Hour, false},
		{"0d", 0, true},
		{"-5d", 0, true},
		{"10m", 0, true},
		{"soon", 0, true},
	}
	for _, c := range cases {
		cfg, err := Parse(func(k string) string {
			if k == "INSTORE_EVENT_RETENTION" {
				return c.in
			}
			return ""
		})
		if c.err {
			if err == nil || !strings.Contains(err.Error(), "INSTORE_EVENT_RETENTION") {
				t.Errorf("%q: err %v, want one naming the variable", c.in, err)
			}
			continue
		}
		if err != nil || cfg.EventRetention != c.want {
			t.Errorf("%q: %v %v, want %v", c.in, cfg.EventRetention, err, c.want)
		}
	}
}
