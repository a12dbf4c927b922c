package db

import "context"

// InsertEventTx stores a received event unless its id is already stored,
// unfinished: the way a delivery was stored before RecordEventTx, kept as
// the tests' reference and to set up events awaiting processing.
func InsertEventTx(ctx context.Context, q Querier, e *OmiseEvent) error {
	raw, size := e.Raw, e.RawSize
	if raw == nil {
		raw = []byte{}
	}
	if size == 0 {
		size = len(raw)
	}
	_, err := q.ExecContext(ctx, `INSERT INTO omise_events (id, event_key, charge_id, signature, result, detail, raw, raw_size, received_at, attempts)
		VALUES (?, ?, ?, ?, 'received', '', ?, ?, ?, 0) ON CONFLICT (id) DO NOTHING`,
		e.ID, e.Key, e.ChargeID, e.Signature, raw, size, FormatTime(e.ReceivedAt))
	return err
}
