package db

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Refund request states: in_flight (written, Omise asked or about to be),
// done (Omise made the refund RefundID), failed (Omise refused; ErrorCode).
const (
	RefundRequestInFlight = "in_flight"
	RefundRequestDone     = "done"
	RefundRequestFailed   = "failed"
)

// RefundRequest is one submitted refund form, keyed by the idempotency key
// the form was drawn with.
type RefundRequest struct {
	IdempotencyKey string
	ChargeID       string
	Amount         int64
	Reason         string
	Note           string
	UserID         int64
	Username       string
	Status         string
	RefundID       string
	ErrorCode      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

const refundRequestColumns = `idempotency_key, charge_id, amount, reason, note, COALESCE(user_id, 0), username, status,
refund_id, error_code, created_at, updated_at`

func scanRefundRequest(r rowScanner) (*RefundRequest, error) {
	var q RefundRequest
	var created, updated string
	err := r.Scan(&q.IdempotencyKey, &q.ChargeID, &q.Amount, &q.Reason, &q.Note, &q.UserID, &q.Username, &q.Status,
		&q.RefundID, &q.ErrorCode, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	q.CreatedAt, q.UpdatedAt = ParseTime(created), ParseTime(updated)
	return &q, nil
}

// GetRefundRequestQ reads a request by idempotency key through q.
func GetRefundRequestQ(ctx context.Context, q Querier, key string) (*RefundRequest, error) {
	return scanRefundRequest(q.QueryRowContext(ctx, `SELECT `+refundRequestColumns+` FROM refund_requests WHERE idempotency_key = ?`, key))
}

// InsertRefundRequestTx records a new in-flight request. A key already used
// fails with the table's primary key error; callers look the key up first.
func InsertRefundRequestTx(ctx context.Context, q Querier, r *RefundRequest) error {
	_, err := q.ExecContext(ctx, `INSERT INTO refund_requests (idempotency_key, charge_id, amount, reason, note, user_id,
		username, status, refund_id, error_code, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?, ?, ?, ?)`,
		r.IdempotencyKey, r.ChargeID, r.Amount, r.Reason, r.Note, r.UserID, r.Username, r.Status, r.RefundID,
		r.ErrorCode, FormatTime(r.CreatedAt), FormatTime(r.UpdatedAt))
	return err
}

// FinishRefundRequest records the outcome of a request in a write of its own.
func (d *DB) FinishRefundRequest(ctx context.Context, key, status, refundID, errorCode string, at time.Time) error {
	return d.Tx(ctx, func(tx *sql.Tx) error {
		return FinishRefundRequestQ(ctx, tx, key, status, refundID, errorCode, at)
	})
}

// FinishRefundRequestQ records the outcome of a request inside q.
func FinishRefundRequestQ(ctx context.Context, q Querier, key, status, refundID, errorCode string, at time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE refund_requests SET status = ?, refund_id = ?, error_code = ?, updated_at = ?
		WHERE idempotency_key = ?`, status, refundID, errorCode, FormatTime(at), key)
	return err
}

// ListInFlightRefundRequestsQ returns a charge's requests whose outcome is
// not known yet, oldest first.
func ListInFlightRefundRequestsQ(ctx context.Context, q Querier, chargeID string) ([]*RefundRequest, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+refundRequestColumns+` FROM refund_requests
		WHERE charge_id = ? AND status = 'in_flight' ORDER BY created_at`, chargeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*RefundRequest
	for rows.Next() {
		r, err := scanRefundRequest(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
