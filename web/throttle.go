package web

import (
	"sync"
	"time"
)

// Throttle counts failed logins per username and per client IP in a
// sliding window. After Limit failures within Window for either key,
// further tries are refused until the oldest counted failure leaves the
// window. It is in memory: a restart forgets, which is acceptable for
// slowing down guessing on one server.
type Throttle struct {
	Limit  int
	Window time.Duration

	mu        sync.Mutex
	fails     map[string][]time.Time
	lastSweep time.Time
}

// NewThrottle returns a throttle allowing limit failures per window.
func NewThrottle(limit int, window time.Duration) *Throttle {
	return &Throttle{Limit: limit, Window: window, fails: map[string][]time.Time{}}
}

func keys(username, ip string) []string {
	return []string{"u:" + username, "ip:" + ip}
}

// recent returns the failures of key still inside the window (caller holds mu).
func (t *Throttle) recent(key string, now time.Time) []time.Time {
	list := t.fails[key]
	i := 0
	for i < len(list) && !list[i].After(now.Add(-t.Window)) {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(t.fails, key)
		return nil
	}
	t.fails[key] = list
	return list
}

// Blocked reports whether a login for username from ip must be refused
// now, and until when.
func (t *Throttle) Blocked(username, ip string, now time.Time) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var until time.Time
	for _, k := range keys(username, ip) {
		list := t.recent(k, now)
		if len(list) >= t.Limit {
			if u := list[len(list)-t.Limit].Add(t.Window); u.After(until) {
				until = u
			}
		}
	}
	return until, !until.IsZero()
}

// Failed records a failed login.
func (t *Throttle) Failed(username, ip string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys(username, ip) {
		list := append(t.recent(k, now), now)
		if len(list) > t.Limit {
			list = list[len(list)-t.Limit:] // older entries cannot matter any more
		}
		t.fails[k] = list
	}
	if now.Sub(t.lastSweep) > t.Window {
		// Forget keys nobody has failed on for a window, so memory stays
		// bounded by recent activity.
		for k := range t.fails {
			t.recent(k, now)
		}
		t.lastSweep = now
	}
}

// Succeeded forgets the username's failures (not the IP's: a successful
// login on one account must not reset guessing on others).
func (t *Throttle) Succeeded(username string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fails, "u:"+username)
}
