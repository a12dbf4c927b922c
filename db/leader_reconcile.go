package db

import (
	"context"
	"time"
)

// A reconcile run is worked on by the instance that started it, which
// holds the job lock of the run's range and stores (ReconcileRunLock) from
// before the run is recorded until it has finished. A run still "running"
// whose lock nobody holds was therefore left by an instance that stopped,
// and another instance marks it failed (payments.Reconciler). The lock is
// named by what makes a run unique among running ones, not by its id, so
// it can be taken before the row exists: no instance ever sees a run
// running and not yet locked.

// ReconcileRunLock names the job lock of the running run of r's range and
// stores.
func ReconcileRunLock(r *ReconcileRun) string {
	return "reconcile-run " + r.FromDay + " " + r.ToDay + " " + r.StoreID + " " + JoinStores(r.Stores)
}

// ListRunningReconcileRuns returns every run still marked running.
func (d *DB) ListRunningReconcileRuns(ctx context.Context) ([]*ReconcileRun, error) {
	return d.listRuns(ctx, `SELECT `+runColumns+` FROM reconcile_runs WHERE status = 'running' ORDER BY id`)
}

// RunningReconcileRun returns the running run of r's range and stores, or
// ErrNotFound.
func (d *DB) RunningReconcileRun(ctx context.Context, r *ReconcileRun) (*ReconcileRun, error) {
	row := d.R.QueryRowContext(ctx, `SELECT `+runColumns+` FROM reconcile_runs WHERE from_day = ? AND to_day = ?
		AND store_id = ? AND stores = ? AND status = 'running'`, r.FromDay, r.ToDay, r.StoreID, JoinStores(r.Stores))
	return scanRun(row)
}

// InterruptReconcileRun marks run id failed with reason, if it is still
// running; it reports whether it was.
func (d *DB) InterruptReconcileRun(ctx context.Context, id int64, at time.Time, reason string) (bool, error) {
	res, err := d.exec(ctx, `UPDATE reconcile_runs SET status = 'failed', finished_at = ?, error = ?
		WHERE id = ? AND status = 'running'`, FormatTime(at), reason, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
