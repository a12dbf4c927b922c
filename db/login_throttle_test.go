package db

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestCapText(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		max  int
		want string
	}{
		{"admin", 64, "admin"},
		{strings.Repeat("a", 64), 64, strings.Repeat("a", 64)},
		{strings.Repeat("a", 65), 64, strings.Repeat("a", 64) + "…[cut]"},
		{strings.Repeat("ก", 70), 64, strings.Repeat("ก", 64) + "…[cut]"},
		{"ab\xffcd", 3, "ab\uFFFD…[cut]"},
	}
	for _, c := range cases {
		if got := CapText(c.in, c.max); got != c.want {
			t.Errorf("CapText(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}

func TestLoginThrottleCountersAreBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openTestDB(t)
	now := time.Now().UTC().Truncate(time.Microsecond) // as stored
	const window, maxRows = 15 * time.Minute, 10
	fail := func(user, ip string, at time.Time) {
		t.Helper()
		err := d.RecordLoginFailure(ctx, []LoginThrottle{{Key: LoginUserKey(user, ip), UserHash: LoginUserHash(user), IP: ip}, {Key: LoginAddressKey(ip), IP: ip}}, at, window, maxRows)
		if err != nil {
			t.Fatal(err)
		}
	}
	counter := func(key string) *LoginThrottle {
		t.Helper()
		got, err := d.GetLoginThrottles(ctx, key)
		if err != nil || len(got) > 1 {
			t.Fatal(got, err)
		}
		if len(got) == 0 {
			return nil
		}
		return got[0]
	}
	big := strings.Repeat("x", 450<<10)
	for i := 0; i < 3; i++ {
		fail(big, "192.0.2.1", now.Add(time.Duration(i)*time.Minute))
	}
	c := counter(LoginUserKey(big, "192.0.2.1"))
	if c == nil || c.Failures != 3 || len(c.Key) != 64 || !c.ExpiresAt.Equal(now.Add(window)) {
		t.Fatalf("counter %+v", c)
	}
	// A failure after the window starts a new one.
	fail(big, "192.0.2.1", now.Add(window+time.Second))
	if c := counter(LoginUserKey(big, "192.0.2.1")); c.Failures != 1 || !c.WindowStart.Equal(now.Add(window+time.Second)) {
		t.Fatalf("after the window: %+v", c)
	}
	// Many addresses: never more than maxRows counters, the oldest go.
	for i := 0; i < 20; i++ {
		fail(fmt.Sprint("u", i), fmt.Sprint("198.51.100.", i), now.Add(time.Duration(i)*time.Second))
	}
	var n int
	if err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_throttle`).Scan(&n); err != nil || n != maxRows {
		t.Fatalf("%d counters, want %d (%v)", n, maxRows, err)
	}
	if counter(LoginAddressKey("198.51.100.19")) == nil {
		t.Fatal("newest counter evicted")
	}
	if swept, err := d.SweepLoginThrottle(ctx, now.Add(time.Hour)); err != nil || swept != maxRows {
		t.Fatalf("swept %d, %v", swept, err)
	}
}
