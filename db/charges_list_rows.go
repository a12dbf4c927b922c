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
func (d *DB) ListChargeRows(ctx context.Context, f ChargeFilter) ([]*Charge, string, error) {
	if f.Limit <= 0 {
		f.Limit = DefaultChargePage
	}
	f.Limit = min(f.Limit, MaxChargePage)
	where, args, err := f.where(true)
	if err != nil {
		return nil, "", err
	}
	rows, err := d.R.QueryContext(ctx, `SELECT `+chargeRowColumns+` FROM charges`+where+listChargesOrder, append(args, f.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	page := make([]*Charge, 0, f.Limit+1)
	all := make([]Charge, f.Limit+1) // one allocation for the page's rows
	var created string
	for i := 0; rows.Next() && i < len(all); i++ {
		c := &all[i]
		if err := rows.Scan(&c.ID, &c.Amount, &c.Status, &c.FailureCode, &c.RefundedAmount, &c.SourceType,
			&c.BarcodeMasked, &c.StoreID, &c.TerminalID, &created); err != nil {
			return nil, "", err
		}
		c.CreatedAt = ParseTime(created)
		page = append(page, c)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	if len(page) > f.Limit {
		page = page[:f.Limit]
		return page, ChargeCursor(page[len(page)-1]), nil
	}
	return page, "", nil
}
