package payments

import (
	"cmp"
	"context"
	"errors"
	"sync"
	"time"

	"instore/db"
	"instore/omise"
)

// Syncer is the background loop that makes missed webhooks harmless: every
// Interval it re-reads each non-final charge, imports charges and refunds
// Omise has that we lack, retries events that could not be processed, and
// runs the Extra steps (the till's unknown-outcome resolution and timeout
// expiry). It backs off when Omise answers 429 or 5xx. Of several instances
// on one database only the one leading the "syncer" job passes (see
// db.JobLock); the others ask again every Interval and take over when the
// leader is gone.
type Syncer struct {
	Svc      *Service
	Interval time.Duration
	// MaxInFlight caps concurrent Omise calls (Omise advises few workers).
	MaxInFlight int
	// Extra steps run after the built-in ones on every pass.
	Extra []func(context.Context) error
	// FirstImportWindow is how far back the first pass imports (default 7 days).
	FirstImportWindow time.Duration

	mu       sync.Mutex
	lastPass time.Time
	leading  bool
	// leadCheck overrides defaultLeadCheck (tests).
	leadCheck time.Duration
	// resume and back are where the list walks stand (sync_lookback.go);
	// only this process's passes use them, so they need not be stored.
	resume map[string]listCursor
	back   map[string]lookBack
}

// SyncerJob is the name of the syncer's job lock.
const SyncerJob = "syncer"

// defaultLeadCheck is how often a pass checks that this instance still
// leads.
const defaultLeadCheck = 5 * time.Second

// errBackoff marks a pass that met 429 or 5xx.
var errBackoff = errors.New("payments: omise asked us to slow down")

// Run loops until ctx is cancelled, then returns once the current pass ends
// and gives up the lead.
func (y *Syncer) Run(ctx context.Context) {
	interval := y.Interval
	if interval <= 0 {
		interval = 15 * time.Second
	}
	lead := y.Svc.DB.Leader(SyncerJob)
	defer lead.Release()
	wait := time.Duration(0)
	failures := 0
	lagTicker := time.NewTicker(time.Second)
	defer lagTicker.Stop()
	for {
		timer := time.NewTimer(wait)
	sleep:
		for {
			select {
			case <-ctx.Done():
				timer.Stop()
				return
			case <-lagTicker.C:
				y.reportLag(ctx)
			case <-timer.C:
				break sleep
			}
		}
		leading, err := lead.Hold(ctx)
		if ctx.Err() != nil {
			return
		}
		y.setLeading(leading, err)
		if !leading {
			failures = 0
			wait = interval
			continue
		}
		passCtx, stopWatch := lead.Watch(ctx, cmp.Or(y.leadCheck, defaultLeadCheck))
		err = y.Pass(passCtx)
		lost := passCtx.Err() != nil
		stopWatch()
		if ctx.Err() != nil {
			return
		}
		if lost {
			// The session holding the lead was cut mid-pass: another
			// instance may be passing now.
			y.Svc.log().Warn("syncer: lost the lead during a pass; stopped it")
			y.setLeading(false, nil)
			wait = interval
			continue
		}
		// The other instances read this for their lag metric; a failed
		// write only makes them report a little more lag. SQLite has no
		// other instance, and a write there would only cost a commit and
		// empty the list pages' caches.
		if y.Svc.DB.Postgres() {
			if werr := y.Svc.DB.SetWatermark(ctx, db.SyncLastPass, time.Now()); werr != nil && ctx.Err() == nil {
				y.Svc.log().Warn("syncer: recording the pass", "err", werr)
			}
		}
		switch {
		case errors.Is(err, errBackoff):
			failures++
			wait = backoff(interval, failures)
			y.Svc.log().Warn("syncer backing off", "wait", wait, "err", err)
		case err != nil:
			failures = 0
			wait = interval
			y.Svc.log().Error("syncer pass failed", "err", err)
		default:
			failures = 0
			wait = interval
		}
		if y.Svc.Metrics != nil {
			result := "ok"
			if err != nil {
				result = "error"
			}
			y.Svc.Metrics.SyncPassed(result)
		}
	}
}

// setLeading records whether this instance leads the syncer and logs when
// that changes.
func (y *Syncer) setLeading(leading bool, err error) {
	y.mu.Lock()
	was := y.leading
	y.leading = leading
	y.mu.Unlock()
	switch {
	case err != nil:
		y.Svc.log().Warn("syncer: cannot ask for the lead; not syncing", "err", err)
	case leading && !was:
		y.Svc.log().Info("syncer: this instance leads")
	case !leading && was:
		y.Svc.log().Info("syncer: another instance leads")
	}
}

func backoff(base time.Duration, failures int) time.Duration {
	d := base
	for i := 0; i < failures && d < 5*time.Minute; i++ {
		d *= 2
	}
	if d > 5*time.Minute {
		d = 5 * time.Minute
	}
	return d
}

// reportLag sets the lag metric: how long ago the last pass finished, on
// whichever instance. The leader knows its own; an instance that does not
// lead reads the leader's record, so it neither claims to be behind while
// another instance syncs nor hides that the syncing has stopped.
func (y *Syncer) reportLag(ctx context.Context) {
	if y.Svc.Metrics == nil {
		return
	}
	y.mu.Lock()
	last, leading := y.lastPass, y.leading
	y.mu.Unlock()
	if !leading {
		shared, err := y.Svc.DB.Watermark(ctx, db.SyncLastPass)
		if err != nil {
			return
		}
		last = shared
	}
	if !last.IsZero() {
		y.Svc.Metrics.SyncBehind(time.Since(last))
	}
}

// Pass runs every step once. Steps run even when an earlier one failed; the
// returned error wraps errBackoff if Omise rate-limited or failed.
func (y *Syncer) Pass(ctx context.Context) error {
	steps := []func(context.Context) error{y.syncNonFinal, y.importCharges, y.importRefunds, y.retryEvents}
	steps = append(steps, y.Extra...)
	var errs []error
	for _, step := range steps {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := step(ctx); err != nil {
			errs = append(errs, classify(err))
		}
	}
	y.mu.Lock()
	y.lastPass = time.Now()
	y.mu.Unlock()
	if y.Svc.Metrics != nil {
		y.Svc.Metrics.SyncBehind(0)
	}
	return errors.Join(errs...)
}

func classify(err error) error {
	if omise.IsRateLimited(err) || errors.Is(err, ErrOmiseUnavailable) || omise.IsUncertain(err) {
		return errors.Join(errBackoff, err)
	}
	return err
}

func (y *Syncer) limit() int {
	if y.MaxInFlight <= 0 {
		return 4
	}
	return y.MaxInFlight
}

// syncNonFinal re-reads every pending charge, at most MaxInFlight at a time.
func (y *Syncer) syncNonFinal(ctx context.Context) error {
	ids, err := y.Svc.DB.ListChargeIDsByStatus(ctx, string(omise.StatusPending), 10000)
	if err != nil {
		return err
	}
	return forEachLimited(ctx, ids, y.limit(), func(ctx context.Context, id string) error {
		_, err := y.Svc.SyncCharge(ctx, id)
		return err
	})
}

// forEachLimited runs fn for every id with at most n in flight and returns
// the first error after all have finished.
func forEachLimited(ctx context.Context, ids []string, n int, fn func(context.Context, string) error) error {
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(id string) {
			defer func() { <-sem; wg.Done() }()
			if err := fn(ctx, id); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}(id)
	}
	wg.Wait()
	return first
}

// importOverlap re-reads a little before a watermark: objects created in
// the same second as the last one seen must not slip through.
const importOverlap = 2 * time.Minute

// importPages bounds the list pages one pass reads forward of a watermark;
// a longer backlog (the first import, an outage) goes on next pass from
// where this one stopped, so a pass's Omise calls stay few.
const importPages = 10

// walkSince pages through one of Omise's lists from the stored watermark
// (or FirstImportWindow back on the first pass), calls each for every page
// and moves the watermark to the newest creation time seen.
func walkSince[T any](ctx context.Context, y *Syncer, key string,
	list func(context.Context, omise.ListParams) (*omise.List[T], error),
	created func(*T) time.Time, each func([]T) error) error {
	mark, err := y.Svc.DB.Watermark(ctx, key)
	if err != nil {
		return err
	}
	at := listCursor{from: mark.Add(-importOverlap)}
	if mark.IsZero() {
		w := y.FirstImportWindow
		if w <= 0 {
			w = 7 * 24 * time.Hour
		}
		at.from = y.Svc.now().Add(-w)
	}
	if r, ok := y.takeResume(key); ok {
		at = r
	}
	newest := mark
	done, err := readPages(ctx, list, created, each, &at, importPages, &newest)
	if err == nil && !done {
		y.setResume(key, at)
	}
	// Every page up to newest was applied, so even a pass cut short by an
	// error or the page bound keeps its progress.
	if newest.After(mark) {
		if werr := y.Svc.DB.SetWatermark(ctx, key, newest); werr != nil && err == nil {
			err = werr
		}
	}
	return err
}

// importCharges lists Omise charges created since the watermark and applies
// each, importing those made outside this app; the look-back re-reads the
// hours behind the watermark for charges Omise listed late.
func (y *Syncer) importCharges(ctx context.Context) error {
	created := func(c *omise.Charge) time.Time { return c.CreatedAt }
	if err := walkSince(ctx, y, db.ChargeWatermark, y.Svc.Omise.ListCharges, created, y.applyListed(ctx)); err != nil {
		return err
	}
	return lookBackSince(ctx, y, db.ChargeWatermark, y.Svc.Omise.ListCharges, created, y.applyListed(ctx))
}

// applyListed applies the charges of a list page that are new to us or
// changed. The overlap and the look-back re-read many charges we already
// hold as they are: skipping them costs one read per page, not a write
// per charge; a pending one is re-read by syncNonFinal anyway.
func (y *Syncer) applyListed(ctx context.Context) func([]omise.Charge) error {
	return func(page []omise.Charge) error {
		ids := make([]string, len(page))
		for i := range page {
			ids[i] = page[i].ID
		}
		held, err := y.Svc.DB.ChargeStates(ctx, ids)
		if err != nil {
			return err
		}
		for i := range page {
			oc := &page[i]
			if st, ok := held[oc.ID]; ok && st.Status == string(oc.Status) && st.RefundedAmount == oc.RefundedAmount {
				continue
			}
			if _, err := y.Svc.ApplyCharge(ctx, oc); err != nil {
				return err
			}
		}
		return nil
	}
}

// importRefunds lists refunds made since its watermark (also those made in
// Omise's dashboard, whose charges we would otherwise not re-read) and
// re-reads the charges of those we lack.
func (y *Syncer) importRefunds(ctx context.Context) error {
	created := func(r *omise.Refund) time.Time { return r.CreatedAt }
	each := func(page []omise.Refund) error {
		seen := map[string]bool{}
		var ids []string
		for _, r := range page {
			if seen[r.Charge] {
				continue
			}
			known, err := y.Svc.DB.RefundExists(ctx, r.ID)
			if err != nil {
				return err
			}
			if !known {
				seen[r.Charge] = true
				ids = append(ids, r.Charge)
			}
		}
		return forEachLimited(ctx, ids, y.limit(), func(ctx context.Context, id string) error {
			_, err := y.Svc.SyncCharge(ctx, id)
			return err
		})
	}
	if err := walkSince(ctx, y, db.RefundWatermark, y.Svc.Omise.ListRefunds, created, each); err != nil {
		return err
	}
	return lookBackSince(ctx, y, db.RefundWatermark, y.Svc.Omise.ListRefunds, created, each)
}

// retryEvents processes stored events that Omise could not be asked about.
func (y *Syncer) retryEvents(ctx context.Context) error {
	evs, err := y.Svc.DB.ListUnfinishedEvents(ctx, 200)
	if err != nil {
		return err
	}
	ids := make([]string, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	return forEachLimited(ctx, ids, y.limit(), func(ctx context.Context, id string) error {
		_, err := y.Svc.ProcessEvent(ctx, id)
		return err
	})
}
