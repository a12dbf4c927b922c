package payments

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"instore/db"
	"instore/omise"
)

// MaxReconcileDays caps one reconciliation's range: a run lists every Omise
// charge of the range, 100 per call.
const MaxReconcileDays = 93

// reconcilePage is the Omise list page size (Omise's maximum).
const reconcilePage = 100

// Reconciler runs reconciliations in the background, one goroutine per run,
// all under the server's lifetime context so shutdown stops them.
//
// Several instances may share the database: each run is worked on by the
// instance that started it, holding the run's job lock
// (db.ReconcileRunLock) throughout, and a run left "running" by an
// instance that stopped is found by its free lock and marked failed
// (RecoverOrphans, at start and by Run). A lock rather than a heartbeat
// column: the server frees it the moment the owner's session ends, with no
// clocks to compare and no writes while the run works.
type Reconciler struct {
	svc  *Service
	base context.Context
	wg   sync.WaitGroup

	// mu covers recording a run and noting it in live, so that recovery
	// never takes a run this instance has just started for an orphan.
	mu   sync.Mutex
	live map[int64]bool // runs this instance works on
}

const (
	// ReconcileRecoveryJob is the name of the orphan recovery's job lock.
	ReconcileRecoveryJob = "reconcile-recovery"
	// reconcileRecoverEvery is how often the leader looks for orphans.
	reconcileRecoverEvery = time.Minute
	// runLockCheck is how often a working run checks it still holds its
	// lock; one that lost it stops, since another instance may take it
	// for an orphan.
	runLockCheck = 10 * time.Second
	// runLockTries bounds how long a start waits for a run's lock that a
	// recovery holds for a moment (tries 50 ms apart).
	runLockTries = 20
	// orphanReason is the error recorded on a run whose instance stopped.
	orphanReason = "interrupted: the instance running it stopped"
)

// errReconcileBusy: the run's lock is held but no run of the range is
// recorded (a start or a recovery of it elsewhere is under way).
var errReconcileBusy = errors.New("payments: a reconciliation of this range is starting elsewhere")

// NewReconciler returns a Reconciler whose runs stop when base is done.
// Runs left "running" by a process that stopped are marked failed.
func NewReconciler(base context.Context, s *Service) *Reconciler {
	r := &Reconciler{svc: s, base: base, live: map[int64]bool{}}
	if _, err := r.RecoverOrphans(base); err != nil {
		s.log().Error("abandon stale reconcile runs", "err", err)
	}
	return r
}

// Run looks for orphaned runs every minute while this instance leads the
// recovery job, until ctx is cancelled.
func (r *Reconciler) Run(ctx context.Context) {
	lead := r.svc.DB.Leader(ReconcileRecoveryJob)
	defer lead.Release()
	t := time.NewTicker(reconcileRecoverEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !lead.Held(ctx) {
			continue
		}
		if _, err := r.RecoverOrphans(ctx); err != nil && ctx.Err() == nil {
			r.svc.log().Warn("reconcile: looking for orphaned runs", "err", err)
		}
	}
}

// RecoverOrphans marks failed every running run that no instance works on
// (on SQLite, which one process serves: every one this process did not
// start) and returns how many it marked.
func (r *Reconciler) RecoverOrphans(ctx context.Context) (int, error) {
	s := r.svc
	r.mu.Lock()
	runs, err := s.DB.ListRunningReconcileRuns(ctx)
	runs = slices.DeleteFunc(runs, func(run *db.ReconcileRun) bool { return r.live[run.ID] })
	r.mu.Unlock()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, run := range runs {
		lock := s.DB.Leader(db.ReconcileRunLock(run))
		free, err := lock.Hold(ctx)
		if err == nil && free {
			var marked bool
			marked, err = s.DB.InterruptReconcileRun(ctx, run.ID, s.now(), orphanReason)
			if marked {
				n++
				s.log().Warn("reconcile run interrupted: the instance running it stopped", "run", run.ID)
			}
		}
		lock.Release()
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// StartIn validates a Bangkok date range and starts a run over it: of one
// store; else, when storeID is "", of a set of stores (a group's, as they
// are now), or of every store when stores is nil (the caller decides who
// may). If a run of the same range and stores is running, that run is
// returned with db.ErrReconcileRunning. Range errors are ErrBadDay,
// ErrRangeOrder, ErrRangeTooLong and ErrRangeInFuture.
func (r *Reconciler) StartIn(ctx context.Context, a Actor, storeID string, stores []string, fromDay, toDay string) (*db.ReconcileRun, error) {
	s := r.svc
	if storeID != "" {
		stores = nil
	}
	days, err := DaysInRange(fromDay, toDay, MaxReconcileDays)
	if err != nil {
		return nil, err
	}
	if days[0] > BusinessDay(s.now()) {
		return nil, ErrRangeInFuture
	}
	run := &db.ReconcileRun{FromDay: fromDay, ToDay: toDay, StoreID: storeID, Stores: stores, UserID: a.UserID, Username: a.Username,
		StartedAt: s.now(), DaysTotal: len(days)}
	lock := s.DB.Leader(db.ReconcileRunLock(run))
	if cur, err := r.holdRunLock(ctx, lock, run); err != nil {
		lock.Release()
		return cur, err
	}
	r.mu.Lock()
	id, err := s.DB.CreateReconcileRun(ctx, run)
	if err == nil {
		r.live[id] = true
	}
	r.mu.Unlock()
	if errors.Is(err, db.ErrReconcileRunning) {
		lock.Release()
		cur, gerr := s.DB.GetReconcileRun(ctx, id)
		if gerr != nil {
			return nil, gerr
		}
		return cur, err
	}
	if err != nil {
		lock.Release()
		return nil, err
	}
	s.audit(ctx, a, "reconcile.start", "run:"+strconv.FormatInt(id, 10), "ok", nil, nil, fromDay+".."+toDay+" "+runStoresText(run))
	// The goroutine owns its own copy: the caller may read the returned
	// run while the work updates its counters.
	work := *run
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.work(lock, &work, days)
	}()
	return run, nil
}

// holdRunLock takes the lock of run's range. Held elsewhere, it is most
// likely by the instance working on a run of that range, returned with
// db.ErrReconcileRunning; else a recovery holds it for a moment, or a start
// elsewhere has not recorded its run yet, and holdRunLock asks again.
func (r *Reconciler) holdRunLock(ctx context.Context, lock *db.JobLock, run *db.ReconcileRun) (*db.ReconcileRun, error) {
	for try := 0; ; try++ {
		held, err := lock.Hold(ctx)
		if err != nil {
			return nil, err
		}
		if held {
			return nil, nil
		}
		cur, err := r.svc.DB.RunningReconcileRun(ctx, run)
		if err == nil {
			return cur, db.ErrReconcileRunning
		}
		if !errors.Is(err, db.ErrNotFound) {
			return nil, err
		}
		if try == runLockTries {
			return nil, errReconcileBusy
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// work runs one reconciliation holding its lock, and stops it (failed,
// "interrupted") when the lock is lost.
func (r *Reconciler) work(lock *db.JobLock, run *db.ReconcileRun, days []string) {
	ctx, stop := lock.Watch(r.base, runLockCheck)
	r.svc.Reconcile(ctx, run, days)
	if ctx.Err() != nil && r.base.Err() == nil {
		r.svc.log().Error("reconcile run stopped: its lock was lost", "run", run.ID)
	}
	stop()
	r.mu.Lock()
	delete(r.live, run.ID)
	r.mu.Unlock()
	lock.Release()
}

// Wait blocks until every started run has finished.
func (r *Reconciler) Wait() { r.wg.Wait() }

// Reconcile compares our charges with Omise's, day by day, recording each
// difference and the progress in run. It always finishes the run (done or
// failed), also when ctx ends.
func (s *Service) Reconcile(ctx context.Context, run *db.ReconcileRun, days []string) {
	err := s.reconcileDays(ctx, run, days)
	finished := s.now()
	run.FinishedAt, run.Status = &finished, db.ReconcileDone
	if err != nil {
		run.Status = db.ReconcileFailed
		run.Error = safeReconcileError(err)
		s.log().Error("reconcile run failed", "run", run.ID, "err", err)
	}
	// The run's own context may be over (shutdown); record the end anyway.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.DB.FinishReconcileRun(fctx, run); err != nil {
		s.log().Error("reconcile run: record finish", "run", run.ID, "err", err)
	}
}

// safeReconcileError is what the page may show of a failure: an Omise error
// code or a generic phrase, never internal text.
func safeReconcileError(err error) string {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "interrupted"
	case omise.ErrorCode(err) != "":
		return "omise: " + omise.ErrorCode(err)
	default:
		return "error"
	}
}

func (s *Service) reconcileDays(ctx context.Context, run *db.ReconcileRun, days []string) error {
	for _, day := range days {
		if err := s.reconcileDay(ctx, run, day); err != nil {
			return fmt.Errorf("day %s: %w", day, err)
		}
		run.DaysDone++
		if err := s.DB.UpdateReconcileProgress(ctx, run); err != nil {
			return err
		}
	}
	return nil
}

// reconcileDay lists Omise's charges created in the UTC bounds of day, page
// by page, compares each with ours, then looks for our charges of that day
// Omise did not list and the refunds made that day of older charges
// (reconcileDayRefunds), and records both sides' totals per store. A charge
// belongs to the store of our copy, or of Omise's when we have none; a run
// of one store looks at that store's charges only.
func (s *Service) reconcileDay(ctx context.Context, run *db.ReconcileRun, day string) error {
	from, to, err := DayBounds(day)
	if err != nil {
		return err
	}
	seen := make(map[string]struct{})
	sums := daySums{}
	for offset := 0; ; {
		page, err := s.Omise.ListCharges(ctx, omise.ListParams{
			From: from, To: to, Offset: offset, Limit: reconcilePage, Order: omise.OrderChronological,
		})
		if err != nil {
			return err
		}
		var charges []*omise.Charge
		for i := range page.Data {
			oc := &page.Data[i]
			// Omise's "to" is inclusive: a charge at the next midnight is the next day's.
			if BusinessDay(oc.CreatedAt) != day {
				continue
			}
			if _, dup := seen[oc.ID]; dup {
				continue
			}
			seen[oc.ID] = struct{}{}
			charges = append(charges, oc)
		}
		items, n, err := s.compareOmisePage(ctx, run, charges, sums)
		if err != nil {
			return err
		}
		if err := s.recordItems(ctx, run, day, items); err != nil {
			return err
		}
		run.OmiseSeen += n
		if err := s.DB.UpdateReconcileProgress(ctx, run); err != nil {
			return err
		}
		offset += len(page.Data)
		if len(page.Data) < reconcilePage || (page.Total > 0 && offset >= page.Total) {
			break
		}
	}
	var missing []db.ReconcileItem
	err = s.DB.IterateChargesOnDayIn(ctx, day, run.StoreID, runLimit(run), func(c *db.Charge) error {
		run.LocalSeen++
		sums.add(c.StoreID, c, false)
		if _, ok := seen[c.ID]; !ok {
			missing = append(missing, s.item(c.ID, db.DiffMissingAtOmise, satang(c.Amount), "", c.Status, c.StoreID, c.TerminalID))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := s.recordItems(ctx, run, day, missing); err != nil {
		return err
	}
	refunds, err := s.reconcileDayRefunds(ctx, run, day, seen)
	if err != nil {
		return err
	}
	if err := s.recordItems(ctx, run, day, refunds); err != nil {
		return err
	}
	return s.DB.AddReconcileDays(ctx, run.ID, sums.list(day))
}

func (s *Service) recordItems(ctx context.Context, run *db.ReconcileRun, day string, items []db.ReconcileItem) error {
	for i := range items {
		items[i].BkkDay = day
	}
	if err := s.DB.AddReconcileItems(ctx, run.ID, items); err != nil {
		return err
	}
	run.Differences += len(items)
	return nil
}

// runLimit is the stores a run covers as a query limit: nil for a run of
// one store (its StoreID limits it) or of every store.
func runLimit(run *db.ReconcileRun) []string {
	if run.StoreID != "" || len(run.Stores) == 0 {
		return nil
	}
	return run.Stores
}

// runCovers reports whether store's charges belong to run.
func runCovers(run *db.ReconcileRun, store string) bool {
	switch {
	case run.StoreID != "":
		return store == run.StoreID
	case len(run.Stores) > 0:
		return slices.Contains(run.Stores, store)
	}
	return true
}

// runStoresText names a run's stores for its audit row.
func runStoresText(run *db.ReconcileRun) string {
	switch {
	case run.StoreID != "":
		return run.StoreID
	case len(run.Stores) > 0:
		return "stores " + db.JoinStores(run.Stores)
	}
	return "all stores"
}

// RunVisible reports whether u may see run: every store it covers must be
// in u's scope (a run of every store only to users who see every store).
func RunVisible(u *db.User, run *db.ReconcileRun) bool {
	switch {
	case run.StoreID != "":
		return CanAccessStore(u, run.StoreID)
	case len(run.Stores) > 0:
		for _, st := range run.Stores {
			if !CanAccessStore(u, st) {
				return false
			}
		}
		return true
	}
	return ScopeOf(u).AllStores
}

// compareOmisePage compares one page of Omise charges with our rows, adds
// Omise's side of each to sums, and reports how many were of the run's
// stores.
func (s *Service) compareOmisePage(ctx context.Context, run *db.ReconcileRun, charges []*omise.Charge, sums daySums) ([]db.ReconcileItem, int, error) {
	ids := make([]string, len(charges))
	for i, oc := range charges {
		ids[i] = oc.ID
	}
	ours, err := s.DB.ChargesByIDs(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	ourRefunds, err := s.DB.RefundIDsByCharges(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	var items []db.ReconcileItem
	n := 0
	for _, oc := range charges {
		theirs := fromOmise(oc)
		c := ours[oc.ID]
		store := theirs.StoreID
		if c != nil {
			store = c.StoreID
		}
		if !runCovers(run, store) {
			continue
		}
		n++
		sums.add(store, theirs, true)
		if c == nil {
			items = append(items, s.item(oc.ID, db.DiffMissingHere, "", satang(oc.Amount), string(oc.Status), theirs.StoreID, theirs.TerminalID))
			continue
		}
		add := func(kind, a, b string) {
			if a != b {
				items = append(items, s.item(c.ID, kind, a, b, "", c.StoreID, c.TerminalID))
			}
		}
		add(db.DiffStatus, c.Status, theirs.Status)
		add(db.DiffAmount, satang(c.Amount), satang(theirs.Amount))
		// Fees matter where money moved; an unknown fee is "" so that a fee
		// one side reported and the other did not is a difference too.
		if (MoneyMoved(c) || MoneyMoved(theirs)) && !(c.FeeUnknown && theirs.FeeUnknown) {
			add(db.DiffFee, feeText(c, c.Fee), feeText(theirs, theirs.Fee))
			add(db.DiffFeeVat, feeText(c, c.FeeVat), feeText(theirs, theirs.FeeVat))
			add(db.DiffNet, feeText(c, c.Net), feeText(theirs, theirs.Net))
		}
		add(db.DiffRefunded, satang(c.RefundedAmount), satang(theirs.RefundedAmount))
		refundItems, err := s.compareRefunds(ctx, c, oc, ourRefunds[c.ID])
		if err != nil {
			return nil, 0, err
		}
		items = append(items, refundItems...)
	}
	return items, n, nil
}

// feeText is a fee, VAT or net amount of c for a reconcile item; "" when
// Omise did not report the fee.
func feeText(c *db.Charge, v int64) string {
	if c.FeeUnknown {
		return ""
	}
	return satang(v)
}

// compareRefunds matches Omise's refunds of a charge with ours by id. The
// list embedded in the charge is used when it is complete; otherwise the
// charge's refunds are listed page by page.
func (s *Service) compareRefunds(ctx context.Context, c *db.Charge, oc *omise.Charge, ourIDs []string) ([]db.ReconcileItem, error) {
	var theirs []omise.Refund
	switch {
	case oc.Refunds != nil && oc.Refunds.Total <= len(oc.Refunds.Data):
		theirs = oc.Refunds.Data
	case oc.Refunds == nil && oc.RefundedAmount == 0 && len(ourIDs) == 0:
		return nil, nil
	default:
		for offset := 0; ; {
			page, err := s.Omise.ListChargeRefunds(ctx, oc.ID, omise.ListParams{Offset: offset, Limit: reconcilePage, Order: omise.OrderChronological})
			if err != nil {
				return nil, err
			}
			theirs = append(theirs, page.Data...)
			offset += len(page.Data)
			if len(page.Data) < reconcilePage || (page.Total > 0 && offset >= page.Total) {
				break
			}
		}
	}
	ours := make(map[string]bool, len(ourIDs))
	for _, id := range ourIDs {
		ours[id] = true
	}
	var items []db.ReconcileItem
	at := make(map[string]bool, len(theirs))
	for _, r := range theirs {
		at[r.ID] = true
		if !ours[r.ID] {
			items = append(items, s.item(c.ID, db.DiffRefundMissingHere, "", satang(r.Amount), r.ID, c.StoreID, c.TerminalID))
		}
	}
	for _, id := range ourIDs {
		if !at[id] {
			items = append(items, s.item(c.ID, db.DiffRefundMissingAtOmise, "", "", id, c.StoreID, c.TerminalID))
		}
	}
	return items, nil
}

func (s *Service) item(chargeID, kind, ours, theirs, detail, storeID, terminalID string) db.ReconcileItem {
	return db.ReconcileItem{ChargeID: chargeID, Kind: kind, Ours: ours, Theirs: theirs, Detail: detail,
		StoreID: storeID, TerminalID: terminalID, CreatedAt: s.now()}
}

// satang renders an amount for a reconcile item: integer satang as text,
// formatted for people by the view.
func satang(v int64) string { return strconv.FormatInt(v, 10) }

// Re-sync results recorded on reconcile items.
const (
	ResyncFixed     = "fixed"     // Omise's view was stored
	ResyncUnchanged = "unchanged" // Omise said what we had
	ResyncRefused   = "refused"   // Omise reported a change our state rules refuse
	ResyncNotFound  = "not_found" // Omise does not know the charge
	ResyncError     = "error"     // Omise could not be asked; try again
)

// maxResyncPerCall bounds one "re-sync these" click so a request does not
// run for minutes; a second click continues with what is left.
const maxResyncPerCall = 200

// ResyncSummary counts what re-syncing a run's charges did, by result.
type ResyncSummary struct {
	Counts map[string]int
	Left   int // charges not attempted yet (over the per-call limit)
}

// ResyncRun re-reads from Omise every charge a finished run found a
// difference on (except those already fixed or found unchanged) and applies
// it, auditing each charge. A non-empty storeID limits it to that store's
// charges (a run covers the whole Omise account; a store's finance user
// re-syncs only their own).
func (s *Service) ResyncRun(ctx context.Context, a Actor, runID int64, storeID string) (*ResyncSummary, error) {
	scope := ChargeScope{AllStores: true}
	if storeID != "" {
		scope = ChargeScope{Stores: []string{storeID}}
	}
	return s.ResyncRunIn(ctx, a, runID, scope)
}

// ResyncRunIn is ResyncRun limited to the charges of a scope's stores.
func (s *Service) ResyncRunIn(ctx context.Context, a Actor, runID int64, scope ChargeScope) (*ResyncSummary, error) {
	run, err := s.DB.GetReconcileRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	if run.Status == db.ReconcileRunning {
		return nil, db.ErrReconcileRunning
	}
	items, err := s.DB.ListReconcileItems(ctx, runID)
	if err != nil {
		return nil, err
	}
	var ids []string
	todo := map[string]bool{}
	for _, it := range items {
		if it.ResyncResult == ResyncFixed || it.ResyncResult == ResyncUnchanged || todo[it.ChargeID] ||
			!scope.Has(it.StoreID) {
			continue
		}
		todo[it.ChargeID] = true
		ids = append(ids, it.ChargeID)
	}
	sum := &ResyncSummary{Counts: map[string]int{}}
	if len(ids) > maxResyncPerCall {
		sum.Left = len(ids) - maxResyncPerCall
		ids = ids[:maxResyncPerCall]
	}
	target := "run:" + strconv.FormatInt(runID, 10)
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		result := s.resyncOne(ctx, a, target, id)
		sum.Counts[result]++
		if err := s.DB.SetReconcileResync(ctx, runID, id, result, s.now()); err != nil {
			return sum, err
		}
	}
	if err := s.DB.MarkReconcileResynced(ctx, runID, a.Username, s.now()); err != nil {
		return sum, err
	}
	return sum, nil
}

func (s *Service) resyncOne(ctx context.Context, a Actor, target, id string) string {
	before, err := s.DB.GetCharge(ctx, id)
	if err != nil {
		before = nil
	}
	applied, err := s.SyncCharge(ctx, id)
	var result string
	var after *db.Charge
	switch {
	case err != nil && omise.ErrorCode(err) == "not_found":
		result = ResyncNotFound
	case err != nil:
		result = ResyncError
		s.log().Warn("reconcile re-sync failed", "charge", id, "err", err)
	case applied.Anomaly != "":
		result, after = ResyncRefused, applied.Charge
	case applied.Changed:
		result, after = ResyncFixed, applied.Charge
	default:
		result, after = ResyncUnchanged, applied.Charge
	}
	s.audit(ctx, a, "reconcile.resync", id, result, before, after, target)
	return result
}
