package db

import (
	"context"
	"database/sql"
)

// ReconcileSide is one side's counts and sums (satang) of a Bangkok day and
// store: all charges, successful ones, and of the successful ones the gross
// and, for those whose fee is known, fee, VAT and net; Refunded is the
// refunded amount of the day's charges; FeeUnknown counts successful
// charges without a fee.
type ReconcileSide struct {
	Count      int64
	Successful int64
	Gross      int64
	Fee        int64
	FeeVat     int64
	Net        int64
	Refunded   int64
	FeeUnknown int64
}

// ReconcileDay is our side and Omise's of one Bangkok day and store of a run.
type ReconcileDay struct {
	Day     string
	StoreID string
	Ours    ReconcileSide
	Theirs  ReconcileSide
}

// AddReconcileDays stores a run's per-day, per-store comparisons in one
// transaction.
func (d *DB) AddReconcileDays(ctx context.Context, runID int64, days []ReconcileDay) error {
	if len(days) == 0 {
		return nil
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO reconcile_days (run_id, bkk_day, store_id,
			ours_count, theirs_count, ours_successful, theirs_successful, ours_gross, theirs_gross, ours_fee, theirs_fee,
			ours_fee_vat, theirs_fee_vat, ours_net, theirs_net, ours_refunded, theirs_refunded, ours_fee_unknown,
			theirs_fee_unknown) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i := range days {
			x, o, t := &days[i], &days[i].Ours, &days[i].Theirs
			if _, err := stmt.ExecContext(ctx, runID, x.Day, x.StoreID, o.Count, t.Count, o.Successful, t.Successful,
				o.Gross, t.Gross, o.Fee, t.Fee, o.FeeVat, t.FeeVat, o.Net, t.Net, o.Refunded, t.Refunded, o.FeeUnknown,
				t.FeeUnknown); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListReconcileDays returns a run's comparisons by day, then store.
func (d *DB) ListReconcileDays(ctx context.Context, runID int64) ([]ReconcileDay, error) {
	rows, err := d.R.QueryContext(ctx, `SELECT bkk_day, store_id, ours_count, theirs_count, ours_successful,
		theirs_successful, ours_gross, theirs_gross, ours_fee, theirs_fee, ours_fee_vat, theirs_fee_vat, ours_net,
		theirs_net, ours_refunded, theirs_refunded, ours_fee_unknown, theirs_fee_unknown
		FROM reconcile_days WHERE run_id = ? ORDER BY bkk_day, store_id`, runID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ReconcileDay
	for rows.Next() {
		var x ReconcileDay
		o, t := &x.Ours, &x.Theirs
		if err := rows.Scan(&x.Day, &x.StoreID, &o.Count, &t.Count, &o.Successful, &t.Successful, &o.Gross, &t.Gross,
			&o.Fee, &t.Fee, &o.FeeVat, &t.FeeVat, &o.Net, &t.Net, &o.Refunded, &t.Refunded, &o.FeeUnknown,
			&t.FeeUnknown); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}
