package reqctx

import (
	"context"
	"sync/atomic"
	"time"
)

// A request's Omise clock adds up the time its Omise calls took, so the
// request's own cost (ours: rules, database, rendering, queueing for the
// writer) can be measured apart from Omise's.

type omiseClockKey struct{}

type omiseClock struct{ ns atomic.Int64 }

// WithOmiseClock returns ctx carrying a fresh Omise clock.
func WithOmiseClock(ctx context.Context) context.Context {
	return context.WithValue(ctx, omiseClockKey{}, &omiseClock{})
}

// AddOmiseTime adds d to ctx's Omise clock; a no-op without one.
func AddOmiseTime(ctx context.Context, d time.Duration) {
	if c, ok := ctx.Value(omiseClockKey{}).(*omiseClock); ok {
		c.ns.Add(int64(d))
	}
}

// OmiseTime is what ctx's Omise clock holds, and whether it has one.
func OmiseTime(ctx context.Context) (time.Duration, bool) {
	c, ok := ctx.Value(omiseClockKey{}).(*omiseClock)
	if !ok {
		return 0, false
	}
	return time.Duration(c.ns.Load()), true
}
