package db

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Refund is our copy of an Omise refund plus the reason we recorded.
type Refund struct {
	ID            string
	ChargeID      string
	Amount        int64
	Currency      string
	Status        string
	Voided        bool
	TransactionID string
	Reason        string
	Note          string
	CreatedBy     string
	Metadata      string
	CreatedAt     time.Time
	BkkDay        string
	UpdatedAt     time.Time
}

const refundColumns = `id, charge_id, amount, currency, status, voided, transaction_id, reason, note, created_by, metadata, created_at, bkk_day, updated_at`

func scanRefund(r rowScanner) (*Refund, error) {
	var f Refund
	var created, updated string
	err := r.Scan(&f.ID, &f.ChargeID, &f.Amount, &f.Currency, &f.Status, &f.Voided, &f.TransactionID, &f.Reason,
		&f.Note, &f.CreatedBy, &f.Metadata, &created, &f.BkkDay, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	f.CreatedAt, f.UpdatedAt = ParseTime(created), ParseTime(updated)
	return &f, nil
}

// PutRefundTx inserts a refund or refreshes Omise's fields of a known one
// (reason, note and author recorded by us are kept). A refund seen for the
// first time is added to the daily totals of its store and terminal.
// It reports whether the refund was new.
func PutRefundTx(ctx context.Context, tx *sql.Tx, f *Refund, storeID, terminalID string) (bool, error) {
	var exists int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM refunds WHERE id = ?`, f.ID).Scan(&exists)
	if err != nil {
		return false, err
	}
	if exists > 0 {
		_, err := tx.ExecContext(ctx, `UPDATE refunds SET status = ?, voided = ?, transaction_id = ?, updated_at = ?,
			reason = CASE WHEN reason = '' THEN ? ELSE reason END, note = CASE WHEN note = '' THEN ? ELSE note END,
			created_by = CASE WHEN created_by = '' THEN ? ELSE created_by END WHERE id = ?`,
			f.Status, f.Voided, f.TransactionID, FormatTime(f.UpdatedAt), f.Reason, f.Note, f.CreatedBy, f.ID)
		return false, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO refunds (`+refundColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.ID, f.ChargeID, f.Amount, f.Currency, f.Status, f.Voided, f.TransactionID, f.Reason, f.Note, f.CreatedBy,
		f.Metadata, FormatTime(f.CreatedAt), f.BkkDay, FormatTime(f.UpdatedAt))
	if err != nil {
		return false, err
	}
	return true, addRefundToDaily(ctx, tx, f.BkkDay, storeID, terminalID, f.ChargeID, f.Amount)
}

// ListRefunds returns a charge's refunds, oldest first.
func (d *DB) ListRefunds(ctx context.Context, chargeID string) ([]*Refund, error) {
	return ListRefundsQ(ctx, d.R, chargeID)
}

// ListRefundsQ is ListRefunds through q.
func ListRefundsQ(ctx context.Context, q Querier, chargeID string) ([]*Refund, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+refundColumns+` FROM refunds WHERE charge_id = ? ORDER BY created_at, id`, chargeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Refund
	for rows.Next() {
		f, err := scanRefund(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// RefundExists reports whether a refund id is stored.
func (d *DB) RefundExists(ctx context.Context, id string) (bool, error) {
	var n int
	err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM refunds WHERE id = ?`, id).Scan(&n)
	return n > 0, err
}
