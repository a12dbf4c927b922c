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
//
// Of several instances on one database only the one leading the
// "housekeeping" job prunes (see db.JobLock). The Extra steps run on
// every instance: the login throttle's sweep also ends the instance's own
// tallies of refused tries (for its summary log lines), and the rows it
// deletes are expired counters, which any instance may delete.
type Housekeeping struct {
	Svc         *Service
	EventBodies time.Duration // INSTORE_EVENT_RETENTION
	Interval    time.Duration // default one minute
	Extra       []func(ctx context.Context, now time.Time) error

	lastEvents time.Time
}

// HousekeepingJob is the name of the pruning's job lock.
const HousekeepingJob = "housekeeping"

// eventPruneEvery is how often the event tables are pruned.
const eventPruneEvery = time.Hour

// Run loops until ctx is cancelled, then gives up the lead.
func (k *Housekeeping) Run(ctx context.Context) {
	every := k.Interval
	if every <= 0 {
		every = time.Minute
	}
	lead := k.Svc.DB.Leader(HousekeepingJob)
	defer lead.Release()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		k.extra(ctx)
		if lead.Held(ctx) {
			k.prune(ctx)
		} else {
			// Whoever leads next prunes at once: it cannot know when the
			// last leader did.
			k.lastEvents = time.Time{}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (k *Housekeeping) extra(ctx context.Context) {
	now := k.Svc.now()
	for _, step := range k.Extra {
		if err := step(ctx, now); err != nil && ctx.Err() == nil {
			k.Svc.log().WarnContext(ctx, "housekeeping step failed", "err", err)
		}
	}
}

// prune prunes the event tables when the last pruning here is an hour old.
func (k *Housekeeping) prune(ctx context.Context) {
	now := k.Svc.now()
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
