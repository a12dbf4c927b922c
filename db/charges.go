package db

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Charge is our copy of an Omise charge.
type Charge struct {
	ID             string
	Livemode       bool
	Amount         int64
	Currency       string
	Status         string
	FailureCode    string
	FailureMessage string
	Fee            int64
	FeeVat         int64
	Net            int64
	// FeeUnknown is set when Omise did not report the fee: Fee, FeeVat and
	// Net are then meaningless and no total may count them.
	FeeUnknown     bool
	RefundedAmount int64
	SourceID       string
	SourceType     string
	BarcodeMasked  string
	StoreID        string
	TerminalID     string
	AttemptID      string
	Cashier        string
	Metadata       string // JSON object
	TransactionID  string
	CreatedAt      time.Time
	BkkDay         string
	PaidAt         *time.Time
	ExpiresAt      *time.Time
	ExpiredAt      *time.Time
	UpdatedAt      time.Time
	SyncedAt       time.Time
}

const chargeColumns = `id, livemode, amount, currency, status, failure_code, failure_message, fee, fee_vat, net,
refunded_amount, source_id, source_type, barcode_masked, store_id, terminal_id, attempt_id, cashier, metadata,
transaction_id, created_at, bkk_day, paid_at, expires_at, expired_at, updated_at, synced_at, fee_known`

type rowScanner interface{ Scan(dest ...any) error }

func scanCharge(r rowScanner) (*Charge, error) {
	var c Charge
	var created, updated, synced string
	var paid, expires, expired sql.NullString
	var feeKnown bool
	err := r.Scan(&c.ID, &c.Livemode, &c.Amount, &c.Currency, &c.Status, &c.FailureCode, &c.FailureMessage,
		&c.Fee, &c.FeeVat, &c.Net, &c.RefundedAmount, &c.SourceID, &c.SourceType, &c.BarcodeMasked, &c.StoreID,
		&c.TerminalID, &c.AttemptID, &c.Cashier, &c.Metadata, &c.TransactionID, &created, &c.BkkDay, &paid,
		&expires, &expired, &updated, &synced, &feeKnown)
	c.FeeUnknown = !feeKnown
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt, c.SyncedAt = ParseTime(created), ParseTime(updated), ParseTime(synced)
	c.PaidAt, c.ExpiresAt, c.ExpiredAt = ParseTimeNull(paid), ParseTimeNull(expires), ParseTimeNull(expired)
	return &c, nil
}

// GetChargeQ reads one charge through q (inside a transaction or not).
func GetChargeQ(ctx context.Context, q Querier, id string) (*Charge, error) {
	return scanCharge(q.QueryRowContext(ctx, `SELECT `+chargeColumns+` FROM charges WHERE id = ?`, id))
}

// GetCharge reads one charge.
func (d *DB) GetCharge(ctx context.Context, id string) (*Charge, error) {
	return GetChargeQ(ctx, d.R, id)
}

const upsertChargeSQL = `INSERT INTO charges (` + chargeColumns + `)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
  livemode = excluded.livemode, amount = excluded.amount, currency = excluded.currency, status = excluded.status,
  failure_code = excluded.failure_code, failure_message = excluded.failure_message, fee = excluded.fee,
  fee_vat = excluded.fee_vat, net = excluded.net, refunded_amount = excluded.refunded_amount,
  source_id = excluded.source_id, source_type = excluded.source_type, barcode_masked = excluded.barcode_masked,
  store_id = excluded.store_id, terminal_id = excluded.terminal_id, attempt_id = excluded.attempt_id,
  cashier = excluded.cashier, metadata = excluded.metadata, transaction_id = excluded.transaction_id,
  created_at = excluded.created_at, bkk_day = excluded.bkk_day, paid_at = excluded.paid_at,
  expires_at = excluded.expires_at, expired_at = excluded.expired_at, updated_at = excluded.updated_at,
  synced_at = excluded.synced_at, fee_known = excluded.fee_known`

// PutChargeTx writes c (insert or replace by id) inside tx and moves the
// daily rollup from old (nil for a new charge) to c. The caller decides what
// c may be; this only stores it.
func PutChargeTx(ctx context.Context, tx *sql.Tx, old, c *Charge) error {
	_, err := tx.ExecContext(ctx, upsertChargeSQL, c.ID, c.Livemode, c.Amount, c.Currency, c.Status, c.FailureCode,
		c.FailureMessage, c.Fee, c.FeeVat, c.Net, c.RefundedAmount, c.SourceID, c.SourceType, c.BarcodeMasked,
		c.StoreID, c.TerminalID, c.AttemptID, c.Cashier, c.Metadata, c.TransactionID, FormatTime(c.CreatedAt),
		c.BkkDay, FormatTimePtr(c.PaidAt), FormatTimePtr(c.ExpiresAt), FormatTimePtr(c.ExpiredAt),
		FormatTime(c.UpdatedAt), FormatTime(c.SyncedAt), !c.FeeUnknown)
	if err != nil {
		return err
	}
	return moveChargeInDaily(ctx, tx, old, c)
}

// TouchChargeSyncedTx records, inside tx, that Omise was asked about
// charge id at at and nothing changed.
func TouchChargeSyncedTx(ctx context.Context, tx *sql.Tx, id string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE charges SET synced_at = ? WHERE id = ?`, FormatTime(at), id)
	return err
}

// The existing row is named with the table: PostgreSQL calls a bare
// column in DO UPDATE ambiguous beside excluded's.
const addDailySQL = `INSERT INTO daily_totals (bkk_day, store_id, terminal_id, source_type, pending_count,
  successful_count, failed_count, expired_count, gross, fee, fee_vat, net, refund_count, refunds, charges_refunded,
  fee_unknown_count, fee_unknown_gross)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (bkk_day, store_id, terminal_id, source_type) DO UPDATE SET
  pending_count = daily_totals.pending_count + excluded.pending_count,
  successful_count = daily_totals.successful_count + excluded.successful_count,
  failed_count = daily_totals.failed_count + excluded.failed_count,
  expired_count = daily_totals.expired_count + excluded.expired_count,
  gross = daily_totals.gross + excluded.gross, fee = daily_totals.fee + excluded.fee, fee_vat = daily_totals.fee_vat + excluded.fee_vat,
  net = daily_totals.net + excluded.net, refund_count = daily_totals.refund_count + excluded.refund_count, refunds = daily_totals.refunds + excluded.refunds,
  charges_refunded = daily_totals.charges_refunded + excluded.charges_refunded,
  fee_unknown_count = daily_totals.fee_unknown_count + excluded.fee_unknown_count,
  fee_unknown_gross = daily_totals.fee_unknown_gross + excluded.fee_unknown_gross`

// dailyShare is one charge's share of its day's totals under its method
// (source type): gross, fee, VAT and net count successful charges only,
// fee, VAT and net only when the fee is known (the others are counted
// apart); refunded is the charge's refunded_amount on its day.
type dailyShare struct {
	pending, ok, failed, expired, gross, fee, vat, net, refunded, unknown, unknownGross int64
}

func shareOf(c *Charge) dailyShare {
	s := dailyShare{refunded: c.RefundedAmount}
	switch c.Status {
	case "pending":
		s.pending = 1
	case "successful":
		s.ok, s.gross = 1, c.Amount
		if c.FeeUnknown {
			s.unknown, s.unknownGross = 1, c.Amount
		} else {
			s.fee, s.vat, s.net = c.Fee, c.FeeVat, c.Net
		}
	case "failed":
		s.failed = 1
	case "expired":
		s.expired = 1
	}
	return s
}

func (s dailyShare) minus(o dailyShare) dailyShare {
	return dailyShare{s.pending - o.pending, s.ok - o.ok, s.failed - o.failed, s.expired - o.expired,
		s.gross - o.gross, s.fee - o.fee, s.vat - o.vat, s.net - o.net, s.refunded - o.refunded,
		s.unknown - o.unknown, s.unknownGross - o.unknownGross}
}

// addChargeToDaily adds (sign=1) or removes (sign=-1) one charge's share of
// its day's totals under its method (dailyShare).
func addChargeToDaily(ctx context.Context, tx *sql.Tx, c *Charge, sign int64) error {
	s := shareOf(c)
	if sign < 0 {
		s = dailyShare{}.minus(s)
	}
	return addShareToDaily(ctx, tx, c, s)
}

// moveChargeInDaily moves a charge's share of the totals from old (nil
// for a new charge) to c: one row's difference when the charge stays on
// the same day, store, terminal and method (nothing when the difference
// is none), else out of the old row and into the new.
func moveChargeInDaily(ctx context.Context, tx *sql.Tx, old, c *Charge) error {
	if old == nil {
		return addChargeToDaily(ctx, tx, c, 1)
	}
	if old.BkkDay != c.BkkDay || old.StoreID != c.StoreID || old.TerminalID != c.TerminalID || old.SourceType != c.SourceType {
		if err := addChargeToDaily(ctx, tx, old, -1); err != nil {
			return err
		}
		if err := addChargeToDaily(ctx, tx, c, 1); err != nil {
			return err
		}
		return moveRefundsInDaily(ctx, tx, old, c)
	}
	d := shareOf(c).minus(shareOf(old))
	if d == (dailyShare{}) {
		return nil
	}
	return addShareToDaily(ctx, tx, c, d)
}

// moveRefundsInDaily moves the refunds of a charge whose store, terminal
// or method changed (its metadata edited at Omise, say) to the new ones on
// the days they were made: the Z-report and /refunds.csv read a refund
// under its charge's store and terminal as they are now, and the daily
// report must say the same.
func moveRefundsInDaily(ctx context.Context, tx *sql.Tx, old, c *Charge) error {
	if old.StoreID == c.StoreID && old.TerminalID == c.TerminalID && old.SourceType == c.SourceType {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT bkk_day, COUNT(*), SUM(amount) FROM refunds WHERE charge_id = ? GROUP BY bkk_day`, c.ID)
	if err != nil {
		return err
	}
	type dayRefunds struct {
		day           string
		count, amount int64
	}
	var days []dayRefunds
	for rows.Next() {
		var d dayRefunds
		if err := rows.Scan(&d.day, &d.count, &d.amount); err != nil {
			rows.Close()
			return err
		}
		days = append(days, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, d := range days {
		if _, err := tx.ExecContext(ctx, addDailySQL, d.day, old.StoreID, old.TerminalID, old.SourceType,
			0, 0, 0, 0, 0, 0, 0, 0, -d.count, -d.amount, 0, 0, 0); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, addDailySQL, d.day, c.StoreID, c.TerminalID, c.SourceType,
			0, 0, 0, 0, 0, 0, 0, 0, d.count, d.amount, 0, 0, 0); err != nil {
			return err
		}
	}
	return nil
}

func addShareToDaily(ctx context.Context, tx *sql.Tx, c *Charge, s dailyShare) error {
	_, err := tx.ExecContext(ctx, addDailySQL, c.BkkDay, c.StoreID, c.TerminalID, c.SourceType, s.pending, s.ok,
		s.failed, s.expired, s.gross, s.fee, s.vat, s.net, 0, 0, s.refunded, s.unknown, s.unknownGross)
	return err
}

// addRefundToDaily adds a new refund to the totals of the day it was made,
// under the method of the charge it refunds (read here, so callers need not
// know it; a refund of a charge we do not hold counts under "").
func addRefundToDaily(ctx context.Context, tx *sql.Tx, day, storeID, terminalID, chargeID string, amount int64) error {
	var sourceType string
	err := tx.QueryRowContext(ctx, `SELECT source_type FROM charges WHERE id = ?`, chargeID).Scan(&sourceType)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	_, err = tx.ExecContext(ctx, addDailySQL, day, storeID, terminalID, sourceType, 0, 0, 0, 0, 0, 0, 0, 0, 1, amount, 0, 0, 0)
	return err
}

// ListChargeIDsByStatus returns up to limit charge ids in a status, oldest first.
func (d *DB) ListChargeIDsByStatus(ctx context.Context, status string, limit int) ([]string, error) {
	rows, err := d.R.QueryContext(ctx, `SELECT id FROM charges WHERE status = ? ORDER BY created_at LIMIT ?`, status, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
