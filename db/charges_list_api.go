package db

import (
	"context"
	"database/sql"
)

// chargeAPIColumns are what GET /api/charges shows of a charge: twenty of
// its twenty-eight columns. SQLite's driver reads a row column by column,
// each read under the connection's lock, so the columns left out (source
// id, cashier, metadata, transaction id, the business day, expiry, sync
// time, livemode) were a third of the API's database time.
const chargeAPIColumns = `id, amount, currency, status, failure_code, failure_message, fee, fee_vat, net,
refunded_amount, source_type, barcode_masked, store_id, terminal_id, attempt_id, created_at, updated_at, paid_at,
expired_at, fee_known`

// ListChargesShown is ListCharges for the JSON list: the same page, order
// and cursor, each charge holding only ID, Amount, Currency, Status,
// FailureCode, FailureMessage, Fee, FeeVat, Net, FeeUnknown,
// RefundedAmount, SourceType, BarcodeMasked, StoreID, TerminalID,
// AttemptID, CreatedAt, UpdatedAt, PaidAt and ExpiredAt.
func (d *DB) ListChargesShown(ctx context.Context, f ChargeFilter) ([]*Charge, string, error) {
	where, args, err := f.pageWhere()
	if err != nil {
		return nil, "", err
	}
	if !d.pg {
		return d.listChargesShownSQLite(ctx, f, where, args)
	}
	rows, err := d.R.QueryContext(ctx, `SELECT `+chargeAPIColumns+` FROM charges`+where+listChargesOrder, append(args, f.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	page := make([]*Charge, 0, f.Limit+1)
	all := make([]Charge, f.Limit+1) // one allocation for the page's rows
	var created, updated string
	var paid, expired sql.NullString
	var feeKnown bool
	for i := 0; rows.Next() && i < len(all); i++ {
		c := &all[i]
		if err := rows.Scan(&c.ID, &c.Amount, &c.Currency, &c.Status, &c.FailureCode, &c.FailureMessage, &c.Fee,
			&c.FeeVat, &c.Net, &c.RefundedAmount, &c.SourceType, &c.BarcodeMasked, &c.StoreID, &c.TerminalID,
			&c.AttemptID, &created, &updated, &paid, &expired, &feeKnown); err != nil {
			return nil, "", err
		}
		c.FeeUnknown = !feeKnown
		c.CreatedAt, c.UpdatedAt = ParseTime(created), ParseTime(updated)
		c.PaidAt, c.ExpiredAt = ParseTimeNull(paid), ParseTimeNull(expired)
		page = append(page, c)
	}
	return shownPage(page, rows.Err(), f.Limit)
}

// shownPage cuts a page read one row past the limit and names the cursor
// of the next one.
func shownPage(page []*Charge, err error, limit int) ([]*Charge, string, error) {
	if err != nil {
		return nil, "", err
	}
	if len(page) > limit {
		page = page[:limit]
		return page, ChargeCursor(page[len(page)-1]), nil
	}
	return page, "", nil
}
