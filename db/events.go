package db

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Event results: received (stored, not yet applied), applied (changed a
// charge), unchanged (Omise confirmed what we had), rejected (Omise does not
// know the event), error (Omise could not be asked; will be retried).
const (
	EventReceived  = "received"
	EventApplied   = "applied"
	EventUnchanged = "unchanged"
	EventRejected  = "rejected"
	EventError     = "error"
)

// OmiseEvent is a webhook delivery as we stored it.
type OmiseEvent struct {
	ID        string
	Key       string
	ChargeID  string
	Signature string // valid, unsigned (no secret configured), not_checked
	Result    string
	Detail    string
	// Raw is the delivered body to store; nil stores none (a rejected or
	// oversized delivery). Reads leave it empty: bodies are only kept for
	// a person debugging with the database itself.
	Raw         []byte
	RawSize     int // bytes delivered, kept when the body is not
	ReceivedAt  time.Time
	ProcessedAt *time.Time
	Attempts    int
}

// Done reports whether the event needs no more work.
func (e *OmiseEvent) Done() bool {
	return e.Result == EventApplied || e.Result == EventUnchanged || e.Result == EventRejected
}

const eventColumns = `id, event_key, charge_id, signature, result, detail, raw_size, received_at, processed_at, attempts`

func scanEvent(r rowScanner) (*OmiseEvent, error) {
	var e OmiseEvent
	var received string
	var processed sql.NullString
	err := r.Scan(&e.ID, &e.Key, &e.ChargeID, &e.Signature, &e.Result, &e.Detail, &e.RawSize, &received, &processed, &e.Attempts)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	e.ReceivedAt, e.ProcessedAt = ParseTime(received), ParseTimeNull(processed)
	return &e, nil
}

// RecordEventTx stores a delivered event together with what processing it
// did, in one statement: a new event is inserted already finished (as an
// insert then FinishEventTx would leave it); an event already
// stored (an earlier delivery Omise could not be asked about) keeps its
// body and signature and takes the result, as FinishEventTx records it.
// An event already stored as done (applied, unchanged, rejected) is left
// as it is and ErrEventDone returned, so that the caller's transaction is
// rolled back: a delivery processed while another was (on another
// instance whose lock on the event was lost with its session) must not
// apply the event a second time, nor record its own result over the
// first one's.
func RecordEventTx(ctx context.Context, q Querier, e *OmiseEvent, result, detail, chargeID string, at time.Time) error {
	raw, size := e.Raw, e.RawSize
	if raw == nil {
		raw = []byte{}
	}
	if size == 0 {
		size = len(raw)
	}
	stored := e.ChargeID
	if chargeID != "" {
		stored = chargeID
	}
	res, err := q.ExecContext(ctx, `INSERT INTO omise_events (id, event_key, charge_id, signature, result, detail, raw, raw_size, received_at, processed_at, attempts)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
		ON CONFLICT (id) DO UPDATE SET result = excluded.result, detail = excluded.detail,
		charge_id = CASE WHEN ? <> '' THEN excluded.charge_id ELSE omise_events.charge_id END,
		processed_at = excluded.processed_at, attempts = omise_events.attempts + 1
		WHERE omise_events.result NOT IN (?, ?, ?)`,
		e.ID, e.Key, stored, e.Signature, result, detail, raw, size, FormatTime(e.ReceivedAt), FormatTime(at), chargeID,
		EventApplied, EventUnchanged, EventRejected)
	if err != nil {
		return err
	}
	// The statement waited for a transaction writing the same event to
	// end and then saw its row: no row written means that row was done.
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return ErrEventDone
	}
	return nil
}

// ErrEventDone is RecordEventTx's answer for an event stored as done
// meanwhile.
var ErrEventDone = errors.New("db: event already processed")

// PruneEventBodies empties the stored bodies of events received before
// before, at most limit of them, and returns how many it emptied. The
// rows stay, with their size.
func (d *DB) PruneEventBodies(ctx context.Context, before time.Time, limit int) (int64, error) {
	return d.execCount(ctx, `UPDATE omise_events SET raw = x'' WHERE id IN (
		SELECT id FROM omise_events WHERE length(raw) > 0 AND received_at < ? LIMIT ?)`, FormatTime(before), limit)
}

// PruneEventRecords deletes, at most limit at a time, rejected events
// received before rejectedBefore and every event received before before.
func (d *DB) PruneEventRecords(ctx context.Context, rejectedBefore, before time.Time, limit int) (int64, error) {
	return d.execCount(ctx, `DELETE FROM omise_events WHERE id IN (
		SELECT id FROM omise_events WHERE received_at < ? AND (result = 'rejected' OR received_at < ?) LIMIT ?)`,
		FormatTime(rejectedBefore), FormatTime(before), limit)
}

// execCount runs one statement in its own transaction and returns the
// number of rows it changed.
func (d *DB) execCount(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// EventDone reports whether an event is stored and needs no more work.
func (d *DB) EventDone(ctx context.Context, id string) (bool, error) {
	var result string
	err := d.R.QueryRowContext(ctx, `SELECT result FROM omise_events WHERE id = ?`, id).Scan(&result)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	e := OmiseEvent{Result: result}
	return e.Done(), nil
}

// GetEvent reads one stored event (from the writer, so a just-written row is seen).
func (d *DB) GetEvent(ctx context.Context, id string) (*OmiseEvent, error) {
	return scanEvent(d.W.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM omise_events WHERE id = ?`, id))
}

// FinishEventTx records what processing an event did.
func FinishEventTx(ctx context.Context, q Querier, id, result, detail, chargeID string, at time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE omise_events SET result = ?, detail = ?, charge_id = CASE WHEN ? <> '' THEN ? ELSE charge_id END,
		processed_at = ?, attempts = attempts + 1 WHERE id = ?`, result, detail, chargeID, chargeID, FormatTime(at), id)
	return err
}

// EventFilter narrows ListEvents.
type EventFilter struct {
	Result   string
	ChargeID string
	Before   time.Time // keyset on received_at; zero = newest
	Limit    int
}

// ListEvents returns stored events newest first (sizes, not bodies).
func (d *DB) ListEvents(ctx context.Context, f EventFilter) ([]*OmiseEvent, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	before := ""
	if !f.Before.IsZero() {
		before = FormatTime(f.Before)
	}
	return queryEvents(ctx, d.R, `SELECT `+eventColumns+` FROM omise_events
		WHERE (? = '' OR result = ?) AND (? = '' OR charge_id = ?) AND (? = '' OR received_at < ?)
		ORDER BY received_at DESC LIMIT ?`, f.Result, f.Result, f.ChargeID, f.ChargeID, before, before, f.Limit)
}

// queryEvents runs a SELECT of eventColumns and scans every row.
func queryEvents(ctx context.Context, q Querier, query string, args ...any) ([]*OmiseEvent, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*OmiseEvent
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// LastEventReceivedAt is when the newest webhook arrived (zero if none).
func (d *DB) LastEventReceivedAt(ctx context.Context) (time.Time, error) {
	var s sql.NullString
	if err := d.R.QueryRowContext(ctx, `SELECT MAX(received_at) FROM omise_events`).Scan(&s); err != nil {
		return time.Time{}, err
	}
	return ParseTime(s.String), nil
}

// LastChargeChangeAt is when any charge last changed (zero if none).
func (d *DB) LastChargeChangeAt(ctx context.Context) (time.Time, error) {
	var s sql.NullString
	if err := d.R.QueryRowContext(ctx, `SELECT MAX(updated_at) FROM charges`).Scan(&s); err != nil {
		return time.Time{}, err
	}
	return ParseTime(s.String), nil
}

// ListUnfinishedEvents returns events stored but not yet applied, oldest first.
func (d *DB) ListUnfinishedEvents(ctx context.Context, limit int) ([]*OmiseEvent, error) {
	return queryEvents(ctx, d.R, `SELECT `+eventColumns+` FROM omise_events WHERE result IN ('received', 'error') ORDER BY received_at LIMIT ?`, limit)
}
