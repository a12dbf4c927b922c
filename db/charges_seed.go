package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// SeedCharges inserts n charges, the i-th filled in by gen, in one write
// transaction through one prepared statement, and adds them to
// daily_totals with one grouped statement at the end. It is for load
// tests, benchmarks and demo data (a million rows in seconds, where
// PutChargeTx per row would take minutes); it applies none of the
// payments rules, so the rows must already be what Omise would say.
func (d *DB) SeedCharges(ctx context.Context, n int, gen func(i int, c *Charge)) error {
	return d.Tx(ctx, func(tx *sql.Tx) error {
		var before int64
		if !d.pg {
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(rowid), 0) FROM charges`).Scan(&before); err != nil {
				return err
			}
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO charges (`+chargeColumns+`)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		var c Charge
		for i := 0; i < n; i++ {
			c = Charge{Currency: "THB", Metadata: "{}"}
			gen(i, &c)
			if c.UpdatedAt.IsZero() {
				c.UpdatedAt = c.CreatedAt
			}
			if c.SyncedAt.IsZero() {
				c.SyncedAt = c.UpdatedAt
			}
			_, err := stmt.ExecContext(ctx, c.ID, c.Livemode, c.Amount, c.Currency, c.Status, c.FailureCode,
				c.FailureMessage, c.Fee, c.FeeVat, c.Net, c.RefundedAmount, c.SourceID, c.SourceType, c.BarcodeMasked,
				c.StoreID, c.TerminalID, c.AttemptID, c.Cashier, c.Metadata, c.TransactionID, FormatTime(c.CreatedAt),
				c.BkkDay, FormatTimePtr(c.PaidAt), FormatTimePtr(c.ExpiresAt), FormatTimePtr(c.ExpiredAt),
				FormatTime(c.UpdatedAt), FormatTime(c.SyncedAt), !c.FeeUnknown)
			if err != nil {
				return fmt.Errorf("seed charge %d: %w", i, err)
			}
		}
		if d.pg {
			_, err = tx.ExecContext(ctx, seedDailyPGSQL)
		} else {
			_, err = tx.ExecContext(ctx, seedDailySQL, before)
		}
		return err
	})
}

// NthNewestCharge returns the charge at offset in the charge list's
// newest-first order (0 is the newest); load tools use it to find a page
// deep in a large list.
func (d *DB) NthNewestCharge(ctx context.Context, offset int) (*Charge, error) {
	return scanCharge(d.R.QueryRowContext(ctx, `SELECT `+chargeColumns+` FROM charges
ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?`, offset))
}

// seedDailySQL adds the rows inserted after a rowid to the daily totals,
// counted the way addChargeToDaily counts one charge. The existing row is
// named with the table: PostgreSQL calls a bare column in DO UPDATE
// ambiguous beside excluded's.
const seedDailySQL = `INSERT INTO daily_totals (bkk_day, store_id, terminal_id, source_type, pending_count,
  successful_count, failed_count, expired_count, gross, fee, fee_vat, net, refund_count, refunds, charges_refunded,
  fee_unknown_count, fee_unknown_gross)
SELECT bkk_day, store_id, terminal_id, source_type, SUM(status = 'pending'), SUM(status = 'successful'), SUM(status = 'failed'),
  SUM(status = 'expired'), SUM(CASE WHEN status = 'successful' THEN amount ELSE 0 END),
  SUM(CASE WHEN status = 'successful' AND fee_known <> 0 THEN fee ELSE 0 END),
  SUM(CASE WHEN status = 'successful' AND fee_known <> 0 THEN fee_vat ELSE 0 END),
  SUM(CASE WHEN status = 'successful' AND fee_known <> 0 THEN net ELSE 0 END), 0, 0, SUM(refunded_amount),
  SUM(status = 'successful' AND fee_known = 0), SUM(CASE WHEN status = 'successful' AND fee_known = 0 THEN amount ELSE 0 END)
FROM charges WHERE rowid > ? GROUP BY bkk_day, store_id, terminal_id, source_type
ON CONFLICT (bkk_day, store_id, terminal_id, source_type) DO UPDATE SET
  pending_count = daily_totals.pending_count + excluded.pending_count,
  successful_count = daily_totals.successful_count + excluded.successful_count,
  failed_count = daily_totals.failed_count + excluded.failed_count,
  expired_count = daily_totals.expired_count + excluded.expired_count,
  gross = daily_totals.gross + excluded.gross, fee = daily_totals.fee + excluded.fee, fee_vat = daily_totals.fee_vat + excluded.fee_vat, net = daily_totals.net + excluded.net,
  charges_refunded = daily_totals.charges_refunded + excluded.charges_refunded,
  fee_unknown_count = daily_totals.fee_unknown_count + excluded.fee_unknown_count,
  fee_unknown_gross = daily_totals.fee_unknown_gross + excluded.fee_unknown_gross`

// seedDailyPGSQL is seedDailySQL for PostgreSQL, which has no rowid: the
// rows to add are those this transaction inserted (each Tx is one
// transaction there, without savepoints).
var seedDailyPGSQL = strings.Replace(seedDailySQL, `rowid > ?`, `xmin = pg_current_xact_id()::xid`, 1)
