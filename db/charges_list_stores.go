package db

import "context"

// StoreChoice is a store as the charge list's store picker offers it.
type StoreChoice struct {
	StoreID   string
	StoreName string
}

// StoreChoices returns every store's id and name, ordered by id. The list
// page offers them on every request; on SQLite the listing is reused until
// the next commit to the file (as totals are, charges_list_totals.go). The
// slice is shared and must not be modified.
func (d *DB) StoreChoices(ctx context.Context) ([]StoreChoice, error) {
	c := d.totals()
	var v [2]int64
	ok := false
	if c != nil {
		if v, ok = c.version(ctx); ok {
			c.mu.Lock()
			list, hit := c.stores, c.storesAt == v
			c.mu.Unlock()
			if hit {
				return list, nil
			}
		}
	}
	rows, err := d.R.QueryContext(ctx, `SELECT store_id, store_name FROM stores ORDER BY store_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []StoreChoice{}
	for rows.Next() {
		var s StoreChoice
		if err := rows.Scan(&s.StoreID, &s.StoreName); err != nil {
			return nil, err
		}
		list = append(list, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if ok {
		c.mu.Lock()
		if v[0] == c.epoch {
			c.stores, c.storesAt = list, v
		}
		c.mu.Unlock()
	}
	return list, nil
}
