package db

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Till attempt statuses. creating, pending and unknown are open: the
// terminal is busy until the attempt leaves them.
const (
	AttemptCreating   = "creating"
	AttemptPending    = "pending"
	AttemptSuccessful = "successful"
	AttemptFailed     = "failed"
	AttemptExpired    = "expired"
	AttemptUnknown    = "unknown"
	AttemptRejected   = "rejected"
)

// AttemptOpen reports whether an attempt in status may still change by
// itself (it is waiting for Omise or the customer).
func AttemptOpen(status string) bool {
	return status == AttemptCreating || status == AttemptPending || status == AttemptUnknown
}

// Attempt is a till sale as the cashier started it. It is written before
// Omise is called, so that a sale whose answer was lost is never forgotten.
type Attempt struct {
	AttemptID     string
	StoreID       string
	TerminalID    string
	UserID        int64 // 0 = none
	Cashier       string
	Amount        int64
	Currency      string
	SourceType    string
	BarcodeMasked string // "" when the method scans no code
	BarcodeHash   string // "" when the method scans no code
	Status        string
	ChargeID      string // "" until Omise made a charge
	ErrorCode     string
	ErrorMessage  string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	ResolvedAt    *time.Time
}

const attemptColumns = `attempt_id, store_id, terminal_id, COALESCE(user_id, 0), cashier, amount, currency,
source_type, barcode_masked, barcode_hash, status, COALESCE(charge_id, ''), error_code, error_message,
created_at, updated_at, resolved_at`

func scanAttempt(r rowScanner) (*Attempt, error) {
	var a Attempt
	var created, updated string
	var resolved sql.NullString
	err := r.Scan(&a.AttemptID, &a.StoreID, &a.TerminalID, &a.UserID, &a.Cashier, &a.Amount, &a.Currency,
		&a.SourceType, &a.BarcodeMasked, &a.BarcodeHash, &a.Status, &a.ChargeID, &a.ErrorCode, &a.ErrorMessage,
		&created, &updated, &resolved)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	a.CreatedAt, a.UpdatedAt, a.ResolvedAt = ParseTime(created), ParseTime(updated), ParseTimeNull(resolved)
	return &a, nil
}

func scanAttempts(rows *sql.Rows, err error) ([]*Attempt, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Attempt
	for rows.Next() {
		a, err := scanAttempt(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

const insertAttemptSQL = `INSERT INTO checkout_attempts (attempt_id, store_id, terminal_id, user_id, cashier,
amount, currency, source_type, barcode_masked, barcode_hash, status, charge_id, error_code, error_message,
created_at, updated_at, resolved_at)
VALUES (?, ?, ?, NULLIF(?, 0), ?, ?, ?, ?, ?, ?, ?, NULLIF(?, ''), ?, ?, ?, ?, ?)`

// InsertAttemptTx records a new attempt inside tx. A duplicate attempt_id
// fails on the primary key; callers check GetAttemptQ first in the same tx.
func InsertAttemptTx(ctx context.Context, tx *sql.Tx, a *Attempt) error {
	_, err := tx.ExecContext(ctx, insertAttemptSQL, a.AttemptID, a.StoreID, a.TerminalID, a.UserID, a.Cashier,
		a.Amount, a.Currency, a.SourceType, a.BarcodeMasked, a.BarcodeHash, a.Status, a.ChargeID, a.ErrorCode,
		a.ErrorMessage, FormatTime(a.CreatedAt), FormatTime(a.UpdatedAt), FormatTimePtr(a.ResolvedAt))
	return err
}

// GetAttemptQ reads one attempt through q.
func GetAttemptQ(ctx context.Context, q Querier, id string) (*Attempt, error) {
	return scanAttempt(q.QueryRowContext(ctx, `SELECT `+attemptColumns+` FROM checkout_attempts WHERE attempt_id = ?`, id))
}

// ClaimChecks is what a till sale's claim must know before it inserts
// its attempt, read in one statement inside the write transaction.
type ClaimChecks struct {
	Exists        bool   // an attempt with this id is already recorded
	BarcodeUsed   bool   // the code's keyed hash is on an attempt created since then
	OpenAttemptID string // the terminal's oldest open attempt, "" when none
}

// One statement rather than three: each runs on the one writer while
// every other sale waits for it.
const claimChecksSQL = `SELECT
  CASE WHEN EXISTS (SELECT 1 FROM checkout_attempts WHERE attempt_id = ?) THEN 1 ELSE 0 END,
  CASE WHEN EXISTS (SELECT 1 FROM checkout_attempts WHERE barcode_hash = ? AND barcode_hash <> '' AND created_at >= ?) THEN 1 ELSE 0 END,
  COALESCE((SELECT attempt_id FROM checkout_attempts
    WHERE store_id = ? AND terminal_id = ? AND status IN ('creating', 'pending', 'unknown')
    ORDER BY created_at LIMIT 1), '')`

// ClaimChecksQ reads, through q, whether attemptID exists, whether a code
// with barcodeHash was used in any attempt created at or after since, and
// the terminal's open attempt (as OpenAttemptForTerminalQ).
func ClaimChecksQ(ctx context.Context, q Querier, attemptID, barcodeHash string, since time.Time, storeID, terminalID string) (ClaimChecks, error) {
	var c ClaimChecks
	var exists, used int
	err := q.QueryRowContext(ctx, claimChecksSQL, attemptID, barcodeHash, FormatTime(since), storeID, terminalID).
		Scan(&exists, &used, &c.OpenAttemptID)
	c.Exists, c.BarcodeUsed = exists != 0, used != 0
	return c, err
}

// GetAttempt reads one attempt.
func (d *DB) GetAttempt(ctx context.Context, id string) (*Attempt, error) {
	return GetAttemptQ(ctx, d.R, id)
}

// OpenAttemptForTerminalQ returns the terminal's open attempt (creating,
// pending or unknown), oldest first, or ErrNotFound.
func OpenAttemptForTerminalQ(ctx context.Context, q Querier, storeID, terminalID string) (*Attempt, error) {
	return scanAttempt(q.QueryRowContext(ctx, `SELECT `+attemptColumns+` FROM checkout_attempts
WHERE store_id = ? AND terminal_id = ? AND status IN ('creating', 'pending', 'unknown')
ORDER BY created_at LIMIT 1`, storeID, terminalID))
}

// The final flag is a Go bool, bound as 1 or 0 on both engines; comparing
// it with 0 makes PostgreSQL type the parameter as a number.
const setAttemptOutcomeSQL = `UPDATE checkout_attempts
SET status = ?, charge_id = COALESCE(NULLIF(?, ''), charge_id), error_code = ?, error_message = ?, updated_at = ?,
    resolved_at = CASE WHEN ? <> 0 THEN COALESCE(resolved_at, ?) ELSE resolved_at END
WHERE attempt_id = ? AND status = ?`

// SetAttemptOutcome moves an attempt from status from to status to, only
// if it is still in from (so a concurrent change wins and is not
// overwritten). chargeID "" keeps the current one. It reports whether the
// row changed.
func (d *DB) SetAttemptOutcome(ctx context.Context, id, from, to, chargeID, code, message string, at time.Time) (bool, error) {
	final := !AttemptOpen(to)
	res, err := d.exec(ctx, setAttemptOutcomeSQL, to, chargeID, code, message, FormatTime(at),
		final, FormatTime(at), id, from)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// attemptStatusForCharge maps a charge status onto the attempt's; a
// reversed charge (not expected for barcode charges) ends the sale failed.
func attemptStatusForCharge(status string) (string, string) {
	switch status {
	case AttemptPending, AttemptSuccessful, AttemptFailed, AttemptExpired:
		return status, ""
	case "reversed":
		return AttemptFailed, "reversed"
	}
	return AttemptUnknown, ""
}

const syncAttemptSQL = `UPDATE checkout_attempts
SET charge_id = ?, status = ?, error_code = ?, error_message = ?, updated_at = ?,
    resolved_at = CASE WHEN ? <> 0 THEN COALESCE(resolved_at, ?) ELSE NULL END
WHERE attempt_id = ? AND (charge_id IS NULL OR charge_id = ?)
  AND (status <> ? OR COALESCE(charge_id, '') <> ? OR error_code <> ? OR error_message <> ?)`

// SyncAttemptFromChargeTx makes the till attempt named by the charge's
// attempt_id follow the charge, inside the transaction that stored the
// charge, so the charge row and the attempt's charge_id and status commit
// together. Omise's charge is the truth: an attempt we had given up on
// (unknown, or failed for want of a charge) takes the charge's status.
// An attempt already tied to a different charge is left alone. With
// returning it returns the attempt as the update left it, or nil when
// nothing changed (no attempt, another charge's, or already as the charge
// says); without, always nil (reading it back costs the one writer).
func SyncAttemptFromChargeTx(ctx context.Context, tx *sql.Tx, c *Charge, returning bool) (*Attempt, error) {
	if c == nil || c.AttemptID == "" {
		return nil, nil
	}
	status, code := attemptStatusForCharge(c.Status)
	msg := ""
	if status == AttemptFailed {
		if code == "" {
			code = c.FailureCode
		}
		msg = c.FailureMessage
	}
	at := c.SyncedAt
	if at.IsZero() {
		at = time.Now()
	}
	args := []any{c.ID, status, code, msg, FormatTime(at), !AttemptOpen(status), FormatTime(at), c.AttemptID, c.ID, status, c.ID, code, msg}
	if !returning {
		_, err := tx.ExecContext(ctx, syncAttemptSQL, args...)
		return nil, err
	}
	a, err := scanAttempt(tx.QueryRowContext(ctx, syncAttemptSQL+` RETURNING `+attemptColumns, args...))
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return a, err
}

// ListAttemptsByStatus returns attempts in status created before the given
// time, oldest first.
func (d *DB) ListAttemptsByStatus(ctx context.Context, status string, createdBefore time.Time, limit int) ([]*Attempt, error) {
	return scanAttempts(d.R.QueryContext(ctx, `SELECT `+attemptColumns+` FROM checkout_attempts
WHERE status = ? AND created_at < ? ORDER BY created_at LIMIT ?`, status, FormatTime(createdBefore), limit))
}

// ListRecentAttempts returns a store's (and, when terminalID is not "", a
// terminal's) latest attempts, newest first.
func (d *DB) ListRecentAttempts(ctx context.Context, storeID, terminalID string, limit int) ([]*Attempt, error) {
	return scanAttempts(d.R.QueryContext(ctx, `SELECT `+attemptColumns+` FROM checkout_attempts
WHERE store_id = ? AND (? = '' OR terminal_id = ?) ORDER BY created_at DESC LIMIT ?`,
		storeID, terminalID, terminalID, limit))
}

// TillTerminal is a terminal with what the till needs of its store.
type TillTerminal struct {
	StoreID      string
	StoreName    string
	Methods      []string // the store's payment methods, default first (Store.Methods)
	ConfirmAbove int64    // the store's large-amount threshold (Store.ConfirmAbove)
	TerminalID   string
	Label        string
}

// GetTillTerminal reads a terminal of a store together with the store's
// name and payment methods; ErrNotFound when the store has no such
// terminal, which is how a terminal of another store is refused.
func (d *DB) GetTillTerminal(ctx context.Context, storeID, terminalID string) (*TillTerminal, error) {
	t, err := scanTillTerminal(d.R.QueryRowContext(ctx, tillTerminalSQL+`
WHERE t.store_id = ? AND t.terminal_id = ?`, storeID, terminalID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return t, err
}

const tillTerminalSQL = `SELECT s.store_id, s.store_name, ` + storeMethodsSQL + `, s.confirm_above, t.terminal_id, t.label
FROM terminals t JOIN stores s ON s.store_id = t.store_id`

func scanTillTerminal(r rowScanner) (*TillTerminal, error) {
	var t TillTerminal
	var methods string
	if err := r.Scan(&t.StoreID, &t.StoreName, &methods, &t.ConfirmAbove, &t.TerminalID, &t.Label); err != nil {
		return nil, err
	}
	t.Methods = splitMethods(methods)
	return &t, nil
}

// ListTillTerminals returns a store's terminals with the store's name and
// methods, ordered by terminal id, for the till's terminal picker.
func (d *DB) ListTillTerminals(ctx context.Context, storeID string) ([]*TillTerminal, error) {
	rows, err := d.R.QueryContext(ctx, tillTerminalSQL+`
WHERE t.store_id = ? ORDER BY t.terminal_id`, storeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*TillTerminal
	for rows.Next() {
		t, err := scanTillTerminal(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	sortByTerminal(out, func(t *TillTerminal) (string, string) { return t.StoreID, t.TerminalID })
	return out, rows.Err()
}
