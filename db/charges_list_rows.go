package db

import "context"

// chargeRowColumns are what a row of the charge list shows (and its cursor
// needs): ten of the charge's twenty-eight columns. Reading, converting and
// allocating the rest was a large part of the list page's database time.
const chargeRowColumns = `id, amount, status, failure_code, refunded_amount, source_type, barcode_masked, store_id,
terminal_id, created_at`

// ListChargeRows is ListCharges for the list page: the same page, order and
// cursor, each charge holding only ID, Amount, Status, FailureCode,
// RefundedAmount, SourceType, BarcodeMasked, StoreID, TerminalID and
// CreatedAt.
func (d *DB) ListChargeRows(ctx context.Context, f ChargeFilter) (*ChargePage, error) {
	where, args, err := f.pageWhere()
	if err != nil {
		return nil, err
	}
	if !d.pg {
		return d.listChargeRowsSQLite(ctx, f, where, args)
	}
	rows, err := d.R.QueryContext(ctx, `SELECT `+chargeRowColumns+` FROM charges`+where+listChargesOrder, append(args, f.Limit+1)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	p := newChargePage(f.Limit + 1)
	var created string
	for rows.Next() {
		c := p.add()
		if c == nil {
			break
		}
		if err := rows.Scan(&c.ID, &c.Amount, &c.Status, &c.FailureCode, &c.RefundedAmount, &c.SourceType,
			&c.BarcodeMasked, &c.StoreID, &c.TerminalID, &created); err != nil {
			p.Release()
			return nil, err
		}
		c.CreatedAt = ParseTime(created)
	}
	return p.cut(rows.Err(), f.Limit)
}

// listChargeRowsSQLite is ListChargeRows' query on SQLite: one text value
// a charge, as ListChargesShown reads it (charges_list_api_sqlite.go).
func (d *DB) listChargeRowsSQLite(ctx context.Context, f ChargeFilter, where string, args []any) (*ChargePage, error) {
	return d.listSQLite(ctx, f, where, args, sqliteRowColumns, (*Charge).readRow)
}

// readRow fills c from the row of chargeRowColumns.
func (c *Charge) readRow(r listRow) bool {
	c.ID, c.Amount, c.Status, c.FailureCode = r.str(), r.int(), r.str(), r.str()
	c.RefundedAmount, c.SourceType, c.BarcodeMasked = r.int(), r.str(), r.str()
	c.StoreID, c.TerminalID, c.CreatedAt = r.str(), r.str(), ParseTime(r.str())
	return r.close()
}
