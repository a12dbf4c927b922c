package db

import "context"

// ExportRefund is a refund as /refunds.csv reads it, with the store and
// terminal of the charge it refunds. Times are their stored UTC text.
type ExportRefund struct {
	ID            string
	ChargeID      string
	CreatedAt     string // TimeLayout, UTC
	BkkDay        string // the Bangkok day the refund was made
	StoreID       string
	TerminalID    string
	Amount        int64
	Currency      string
	Status        string
	Voided        bool
	Reason        string
	Note          string
	CreatedBy     string
	TransactionID string
	ChargeDay     string
	ChargeAmount  int64
	SourceType    string // the refunded charge's Omise source type (its method)
}

// refundExportSQL walks a range of refund days (refunds_day) in keyset
// batches of (created_at, id); a month of refunds is small, so sorting
// each batch costs little.
const refundExportSQL = `SELECT r.id, r.charge_id, r.created_at, r.bkk_day, c.store_id, c.terminal_id, r.amount,
  r.currency, r.status, r.voided, r.reason, r.note, r.created_by, r.transaction_id, c.bkk_day, c.amount,
  c.source_type
FROM refunds r JOIN charges c ON c.id = r.charge_id
WHERE r.bkk_day >= ? AND r.bkk_day <= ? AND (? = '' OR c.store_id = ?) AND (? = '' OR instr(?, ',' || c.store_id || ',') > 0) AND (? = '' OR c.terminal_id = ?)
  AND (r.created_at > ? OR (r.created_at = ? AND r.id > ?))
ORDER BY r.created_at, r.id LIMIT ?`

// IterateExportRefunds calls fn for every refund made on a Bangkok day of
// f (both days inclusive) of a charge in f's store and terminal, oldest
// first: the refunds the daily report counts for the same filter. The row
// passed to fn is reused.
func (d *DB) IterateExportRefunds(ctx context.Context, f FinanceFilter, fn func(*ExportRefund) error) error {
	var r ExportRefund
	var afterAt, afterID string
	for {
		rows, err := d.R.QueryContext(ctx, refundExportSQL, f.FromDay, f.ToDay, f.StoreID, f.StoreID, f.storeSet(), f.storeSet(), f.TerminalID,
			f.TerminalID, afterAt, afterAt, afterID, exportBatch)
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			if err := rows.Scan(&r.ID, &r.ChargeID, &r.CreatedAt, &r.BkkDay, &r.StoreID, &r.TerminalID, &r.Amount,
				&r.Currency, &r.Status, &r.Voided, &r.Reason, &r.Note, &r.CreatedBy, &r.TransactionID, &r.ChargeDay,
				&r.ChargeAmount, &r.SourceType); err != nil {
				rows.Close()
				return err
			}
			n++
			if err := fn(&r); err != nil {
				rows.Close()
				return err
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil || n < exportBatch {
			return err
		}
		afterAt, afterID = r.CreatedAt, r.ID
	}
}
