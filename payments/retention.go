package payments

import (
	"context"
	"time"
)

// pruneBatch bounds each pruning statement, so the single writer is never
// held long and tills' writes slip in between batches.
const pruneBatch = 500

// Housekeeping is the background job that keeps stored data bounded:
// every Interval it runs the Extra steps (the login throttle's sweep),
// and once an hour it empties webhook bodies older than EventBodies,
// deletes rejected events (never Omise's) older than that, and deletes
// every event record older than the refund window or EventBodies,
// whichever is longer, since a redelivery or a refund question about it
// can no longer come.
type Housekeeping struct {
	Svc         *Service
	EventBodies time.Duration // INSTORE_EVENT_RETENTION
	Interval    time.Duration // default one minute
	Extra       []func(ctx context.Context, now time.Time) error

	lastEvents time.Time
}

// eventPruneEvery is how often the event tables are pruned.
const eventPruneEvery = time.Hour

// Run loops until ctx is cancelled.
func (k *Housekeeping) Run(ctx context.Context) {
	every := k.Interval
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		k.Pass(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Pass runs one round; failures are logged and retried next round.
func (k *Housekeeping) Pass(ctx context.Context) {
	now := k.Svc.now()
	for _, step := range k.Extra {
		if err := step(ctx, now); err != nil && ctx.Err() == nil {
			k.Svc.log().WarnContext(ctx, "housekeeping step failed", "err", err)
		}
	}
	if now.Sub(k.lastEvents) < eventPruneEvery {
		return
	}
	if err := k.PruneEvents(ctx, now); err != nil {
		if ctx.Err() == nil {
			k.Svc.log().WarnContext(ctx, "pruning webhook events failed", "err", err)
		}
		return
	}
	k.lastEvents = now
}

// PruneEvents applies the retention rules above as of now.
func (k *Housekeeping) PruneEvents(ctx context.Context, now time.Time) error {
	bodies := k.EventBodies
	if bodies <= 0 {
		bodies = 90 * 24 * time.Hour
	}
	records := max(bodies, RefundWindow)
	var emptied, deleted int64
	for {
		n, err := k.Svc.DB.PruneEventBodies(ctx, now.Add(-bodies), pruneBatch)
		emptied += n
		if err != nil {
			return err
		}
		if n < pruneBatch {
			break
		}
	}
	for {
		n, err := k.Svc.DB.PruneEventRecords(ctx, now.Add(-bodies), now.Add(-records), pruneBatch)
		deleted += n
		if err != nil {
			return err
		}
		if n < pruneBatch {
			break
		}
	}
	if emptied+deleted > 0 {
		k.Svc.log().InfoContext(ctx, "webhook events pruned", "bodies_emptied", emptied, "records_deleted", deleted)
	}
	return nil
}
