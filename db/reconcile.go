package db

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// Reconcile run states.
const (
	ReconcileRunning = "running"
	ReconcileDone    = "done"
	ReconcileFailed  = "failed"
)

// Kinds of difference a reconciliation records.
const (
	DiffMissingHere          = "missing_here"            // Omise has the charge, we do not
	DiffMissingAtOmise       = "missing_at_omise"        // we have the charge, Omise did not list it
	DiffStatus               = "status"                  // statuses differ
	DiffAmount               = "amount"                  // amounts differ
	DiffFee                  = "fee"                     // fees differ
	DiffFeeVat               = "fee_vat"                 // VAT on the fee differs
	DiffNet                  = "net"                     // nets differ
	DiffRefunded             = "refunded"                // refunded amounts differ
	DiffRefundMissingHere    = "refund_missing_here"     // a refund Omise has and we never saw
	DiffRefundMissingAtOmise = "refund_missing_at_omise" // a refund we have that Omise does not list
)

// ErrReconcileRunning means a run over the same range is still working.
var ErrReconcileRunning = errors.New("db: a reconciliation of this range is running")

// ReconcileRun is one comparison with Omise over a Bangkok date range, of
// one store, of a group's stores (StoreID "", Stores as the group had them
// when the run started) or (StoreID "" and no Stores) of every store.
type ReconcileRun struct {
	ID          int64
	FromDay     string
	ToDay       string
	StoreID     string
	Stores      []string
	Status      string
	UserID      int64
	Username    string
	StartedAt   time.Time
	FinishedAt  *time.Time
	DaysTotal   int
	DaysDone    int
	OmiseSeen   int
	LocalSeen   int
	Differences int
	Error       string
	ResyncedAt  *time.Time
	ResyncedBy  string
}

// ReconcileItem is one difference found by a run.
type ReconcileItem struct {
	ID         int64
	RunID      int64
	ChargeID   string
	Kind       string
	Ours       string
	Theirs     string
	Detail     string
	StoreID    string
	TerminalID string
	BkkDay     string // the Bangkok day of the charge
	// SourceType is the method (Omise source type) of our copy of the
	// charge, read with the item; "" when we hold no copy.
	SourceType   string
	CreatedAt    time.Time
	ResyncResult string
	ResyncedAt   *time.Time
}

const runColumns = `id, from_day, to_day, status, COALESCE(user_id, 0), username, started_at, finished_at, days_total,
days_done, omise_seen, local_seen, differences, error, resynced_at, resynced_by, store_id, stores`

func scanRun(r rowScanner) (*ReconcileRun, error) {
	var x ReconcileRun
	var started, stores string
	var finished, resynced sql.NullString
	err := r.Scan(&x.ID, &x.FromDay, &x.ToDay, &x.Status, &x.UserID, &x.Username, &started, &finished, &x.DaysTotal,
		&x.DaysDone, &x.OmiseSeen, &x.LocalSeen, &x.Differences, &x.Error, &resynced, &x.ResyncedBy, &x.StoreID, &stores)
	x.Stores = splitStores(stores)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	x.StartedAt, x.FinishedAt, x.ResyncedAt = ParseTime(started), ParseTimeNull(finished), ParseTimeNull(resynced)
	return &x, nil
}

// CreateReconcileRun records a new running run and sets r.ID. When a run of
// the same range and store is already running it returns that run's id
// with ErrReconcileRunning.
func (d *DB) CreateReconcileRun(ctx context.Context, r *ReconcileRun) (int64, error) {
	var id int64
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		// One running run per range and stores (a unique index as well):
		// the range's lock makes a second start wait and then find the
		// first, answered with its id rather than the index's error.
		if err := d.lockNameTx(ctx, tx, "reconcile", r.FromDay+" "+r.ToDay+" "+r.StoreID+" "+JoinStores(r.Stores)); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `SELECT id FROM reconcile_runs WHERE from_day = ? AND to_day = ? AND store_id = ?
			AND stores = ? AND status = 'running'`, r.FromDay, r.ToDay, r.StoreID, JoinStores(r.Stores)).Scan(&id)
		if err == nil {
			return ErrReconcileRunning
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		// RETURNING rather than LastInsertId, which pgx does not offer.
		return tx.QueryRowContext(ctx, `INSERT INTO reconcile_runs (from_day, to_day, store_id, stores, status, user_id, username,
			started_at, days_total) VALUES (?, ?, ?, ?, 'running', NULLIF(?, 0), ?, ?, ?) RETURNING id`, r.FromDay, r.ToDay, r.StoreID,
			JoinStores(r.Stores), r.UserID, r.Username, FormatTime(r.StartedAt), r.DaysTotal).Scan(&id)
	})
	if err != nil && !errors.Is(err, ErrReconcileRunning) {
		return 0, err
	}
	r.ID, r.Status = id, ReconcileRunning
	return id, err
}

// UpdateReconcileProgress stores how far a running run got.
func (d *DB) UpdateReconcileProgress(ctx context.Context, r *ReconcileRun) error {
	_, err := d.exec(ctx, `UPDATE reconcile_runs SET days_done = ?, omise_seen = ?, local_seen = ?, differences = ?
		WHERE id = ?`, r.DaysDone, r.OmiseSeen, r.LocalSeen, r.Differences, r.ID)
	return err
}

// FinishReconcileRun marks a run done or failed with its final counts.
func (d *DB) FinishReconcileRun(ctx context.Context, r *ReconcileRun) error {
	_, err := d.exec(ctx, `UPDATE reconcile_runs SET status = ?, finished_at = ?, days_done = ?, omise_seen = ?,
		local_seen = ?, differences = ?, error = ? WHERE id = ?`, r.Status, FormatTimePtr(r.FinishedAt), r.DaysDone,
		r.OmiseSeen, r.LocalSeen, r.Differences, r.Error, r.ID)
	return err
}

// GetReconcileRun reads one run (from the writer, so progress just written is seen).
func (d *DB) GetReconcileRun(ctx context.Context, id int64) (*ReconcileRun, error) {
	return scanRun(d.W.QueryRowContext(ctx, `SELECT `+runColumns+` FROM reconcile_runs WHERE id = ?`, id))
}

// AllStores asks ListReconcileRuns for the runs of every store (admins).
const AllStores = "*"

// ListReconcileRuns returns the newest runs of one store first, or with
// storeID AllStores every run. A store's list holds only runs of that
// store: a run over every store carries other stores' counts.
func (d *DB) ListReconcileRuns(ctx context.Context, storeID string, limit int) ([]*ReconcileRun, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	q, args := `SELECT `+runColumns+` FROM reconcile_runs ORDER BY started_at DESC, id DESC LIMIT ?`, []any{limit}
	if storeID != AllStores {
		q, args = `SELECT `+runColumns+` FROM reconcile_runs WHERE store_id = ? ORDER BY started_at DESC, id DESC LIMIT ?`,
			[]any{storeID, limit}
	}
	return d.listRuns(ctx, q, args...)
}

// ListReconcileRunsIn returns the newest runs that may concern a scope's
// stores (nil: every run): runs of one of the stores and runs of groups;
// whether a group run lies inside the scope is for the caller to decide
// (payments.RunVisible).
func (d *DB) ListReconcileRunsIn(ctx context.Context, stores []string, limit int) ([]*ReconcileRun, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	if stores == nil {
		return d.ListReconcileRuns(ctx, AllStores, limit)
	}
	c, args := storesIn("store_id", stores)
	return d.listRuns(ctx, `SELECT `+runColumns+` FROM reconcile_runs WHERE `+c+` OR (store_id = '' AND stores <> '')
		ORDER BY started_at DESC, id DESC LIMIT ?`, append(args, limit)...)
}

func (d *DB) listRuns(ctx context.Context, q string, args ...any) ([]*ReconcileRun, error) {
	rows, err := d.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*ReconcileRun
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// AddReconcileItems stores differences of a run in one transaction.
func (d *DB) AddReconcileItems(ctx context.Context, runID int64, items []ReconcileItem) error {
	if len(items) == 0 {
		return nil
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO reconcile_items (run_id, charge_id, kind, ours, theirs, detail,
			store_id, terminal_id, bkk_day, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i := range items {
			it := &items[i]
			if _, err := stmt.ExecContext(ctx, runID, it.ChargeID, it.Kind, it.Ours, it.Theirs, it.Detail,
				it.StoreID, it.TerminalID, it.BkkDay, FormatTime(it.CreatedAt)); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListReconcileItems returns a run's differences in the order found.
func (d *DB) ListReconcileItems(ctx context.Context, runID int64) ([]*ReconcileItem, error) {
	rows, err := d.R.QueryContext(ctx, `SELECT i.id, i.run_id, i.charge_id, i.kind, i.ours, i.theirs, i.detail,
		i.store_id, i.terminal_id, i.bkk_day, COALESCE(c.source_type, ''), i.created_at, i.resync_result, i.resynced_at
		FROM reconcile_items i LEFT JOIN charges c ON c.id = i.charge_id WHERE i.run_id = ? ORDER BY i.id`, runID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*ReconcileItem
	for rows.Next() {
		var it ReconcileItem
		var created string
		var resynced sql.NullString
		if err := rows.Scan(&it.ID, &it.RunID, &it.ChargeID, &it.Kind, &it.Ours, &it.Theirs, &it.Detail, &it.StoreID,
			&it.TerminalID, &it.BkkDay, &it.SourceType, &created, &it.ResyncResult, &resynced); err != nil {
			return nil, err
		}
		it.CreatedAt, it.ResyncedAt = ParseTime(created), ParseTimeNull(resynced)
		out = append(out, &it)
	}
	return out, rows.Err()
}

// SetReconcileResync records the outcome of re-syncing one charge on every
// item of the run about that charge.
func (d *DB) SetReconcileResync(ctx context.Context, runID int64, chargeID, result string, at time.Time) error {
	_, err := d.exec(ctx, `UPDATE reconcile_items SET resync_result = ?, resynced_at = ? WHERE run_id = ? AND charge_id = ?`,
		result, FormatTime(at), runID, chargeID)
	return err
}

// MarkReconcileResynced records who re-synced a run's charges and when.
func (d *DB) MarkReconcileResynced(ctx context.Context, runID int64, by string, at time.Time) error {
	_, err := d.exec(ctx, `UPDATE reconcile_runs SET resynced_at = ?, resynced_by = ? WHERE id = ?`, FormatTime(at), by, runID)
	return err
}

// ChargesByIDs reads the charges with the given ids that exist, by id.
func (d *DB) ChargesByIDs(ctx context.Context, ids []string) (map[string]*Charge, error) {
	out := make(map[string]*Charge, len(ids))
	// SQLite allows 32766 variables; a page from Omise has at most 100 ids.
	for start := 0; start < len(ids); start += 500 {
		part := ids[start:min(start+500, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		q := `SELECT ` + chargeColumns + ` FROM charges WHERE id IN (?` + strings.Repeat(", ?", len(part)-1) + `)`
		cs, err := financeQueryCharges(ctx, d.R, q, args...)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			out[c.ID] = c
		}
	}
	return out, nil
}

// RefundIDsByCharges returns, per charge id, the ids of our refunds of it.
func (d *DB) RefundIDsByCharges(ctx context.Context, chargeIDs []string) (map[string][]string, error) {
	out := make(map[string][]string)
	for start := 0; start < len(chargeIDs); start += 500 {
		part := chargeIDs[start:min(start+500, len(chargeIDs))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := d.R.QueryContext(ctx, `SELECT charge_id, id FROM refunds WHERE charge_id IN (?`+
			strings.Repeat(", ?", len(part)-1)+`) ORDER BY charge_id, created_at, id`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var c, id string
			if err := rows.Scan(&c, &id); err != nil {
				rows.Close()
				return nil, err
			}
			out[c] = append(out[c], id)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// IterateChargesOnDay calls fn for each of our charges made on a Bangkok
// business day, of one store unless storeID is "", oldest first (served by
// charges_day).
func (d *DB) IterateChargesOnDay(ctx context.Context, day, storeID string, fn func(*Charge) error) error {
	return d.IterateChargesOnDayIn(ctx, day, storeID, nil, fn)
}

// IterateChargesOnDayIn is IterateChargesOnDay limited to a set of stores
// as well (nil: no limit).
func (d *DB) IterateChargesOnDayIn(ctx context.Context, day, storeID string, stores []string, fn func(*Charge) error) error {
	q, args := `SELECT `+chargeColumns+` FROM charges WHERE bkk_day = ? ORDER BY created_at, id`, []any{day}
	if storeID != "" {
		q, args = `SELECT `+chargeColumns+` FROM charges WHERE bkk_day = ? AND store_id = ? ORDER BY created_at, id`,
			[]any{day, storeID}
	} else if c, a := storesIn("store_id", stores); c != "" {
		q, args = `SELECT `+chargeColumns+` FROM charges WHERE bkk_day = ? AND `+c+` ORDER BY created_at, id`,
			append([]any{day}, a...)
	}
	rows, err := d.R.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCharge(rows)
		if err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return rows.Err()
}
