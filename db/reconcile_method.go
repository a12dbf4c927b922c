package db

import (
	"context"
	"strings"
)

// ReconcileRunMethod is how many differences a run found about charges of
// one method (SourceType of our copy; "" for charges we hold no copy of).
type ReconcileRunMethod struct {
	SourceType  string
	Differences int
}

// ReconcileRunMethods returns, per run of runIDs, its differences counted
// by the method of the charge each is about, in source type order.
func (d *DB) ReconcileRunMethods(ctx context.Context, runIDs []int64) (map[int64][]ReconcileRunMethod, error) {
	out := make(map[int64][]ReconcileRunMethod, len(runIDs))
	if len(runIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(runIDs))
	for i, id := range runIDs {
		args[i] = id
	}
	rows, err := d.R.QueryContext(ctx, `SELECT i.run_id, COALESCE(c.source_type, '') AS st, COUNT(*)
FROM reconcile_items i LEFT JOIN charges c ON c.id = i.charge_id
WHERE i.run_id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(runIDs)), ", ")+`)
GROUP BY i.run_id, st ORDER BY i.run_id, st`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var m ReconcileRunMethod
		if err := rows.Scan(&id, &m.SourceType, &m.Differences); err != nil {
			return nil, err
		}
		out[id] = append(out[id], m)
	}
	return out, rows.Err()
}
