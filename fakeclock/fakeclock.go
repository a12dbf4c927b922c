// Package fakeclock is the clock tests move by hand, shared by the
// application, its domain service and the Omise simulator so that "a year
// later" holds for all of them at once.
package fakeclock

import (
	"sync"
	"time"
)

// Clock is safe for concurrent use. A fixed clock stands still until Set
// or Advance moves it; a running clock follows the wall clock plus an
// offset, for tests whose simulator or timers keep real time.
type Clock struct {
	mu      sync.Mutex
	at      time.Time // zero: running
	offset  time.Duration
	running bool
}

// At returns a fixed clock reading t.
func At(t time.Time) *Clock { return &Clock{at: t} }

// Running returns a clock that follows the wall clock until advanced.
func Running() *Clock { return &Clock{running: true} }

// Now is the clock's time; pass the method value wherever a func() time.Time
// is wanted.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		return time.Now().Add(c.offset)
	}
	return c.at.Add(c.offset)
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// Set makes the clock read t now (a running clock goes on from there).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		c.offset = time.Until(t)
		return
	}
	c.at, c.offset = t, 0
}
