package db

import "context"

// ChargeState is what tells whether a charge read again from Omise's list
// changed since we stored it.
type ChargeState struct {
	Status         string
	RefundedAmount int64
}

// ChargeStates returns the stored state of each of ids we hold; ids we do
// not hold are absent. One query, so an importer re-reading a page of
// charges it mostly knows costs one read instead of a write per charge.
func (d *DB) ChargeStates(ctx context.Context, ids []string) (map[string]ChargeState, error) {
	out := make(map[string]ChargeState, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := d.R.QueryContext(ctx, `SELECT id, status, refunded_amount FROM charges WHERE id IN (`+placeholders(len(ids))+`)`, anys(ids)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var st ChargeState
		if err := rows.Scan(&id, &st.Status, &st.RefundedAmount); err != nil {
			return nil, err
		}
		out[id] = st
	}
	return out, rows.Err()
}
