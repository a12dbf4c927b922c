package db

import (
	"context"
	"database/sql"
	"sync"
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
func (d *DB) ListChargesShown(ctx context.Context, f ChargeFilter) (*ChargePage, error) {
	where, args, err := f.pageWhere()
	if err != nil {
		return nil, err
	}
	if !d.pg {
		return d.listChargesShownSQLite(ctx, f, where, args)
	}
	rows, err := d.R.QueryContext(ctx, `SELECT `+chargeAPIColumns+` FROM charges`+where+listChargesOrder, append(args, f.Limit+1)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	p := newChargePage(f.Limit + 1)
	var created, updated string
	var paid, expired sql.NullString
	var feeKnown bool
	for rows.Next() {
		c := p.add()
		if c == nil {
			break
		}
		if err := rows.Scan(&c.ID, &c.Amount, &c.Currency, &c.Status, &c.FailureCode, &c.FailureMessage, &c.Fee,
			&c.FeeVat, &c.Net, &c.RefundedAmount, &c.SourceType, &c.BarcodeMasked, &c.StoreID, &c.TerminalID,
			&c.AttemptID, &created, &updated, &paid, &expired, &feeKnown); err != nil {
			p.Release()
			return nil, err
		}
		c.FeeUnknown = !feeKnown
		c.CreatedAt, c.UpdatedAt = ParseTime(created), ParseTime(updated)
		c.PaidAt, c.ExpiredAt = ParseTimeNull(paid), ParseTimeNull(expired)
	}
	return p.cut(rows.Err(), f.Limit)
}

// ChargePage is one page of a charge list, newest first, and Next the
// cursor of the page after it ("" on the last). The lists are the back
// office's most requested pages, so a page's charges live in storage that
// Release hands back for the next page: a page of charges was a fifth of
// the bytes a list request allocated, all of it for the collector to scan.
type ChargePage struct {
	Charges []*Charge
	Next    string
	buf     *chargeBuf
}

type chargeBuf struct {
	all  []Charge
	ptrs []*Charge
}

var chargeBufs sync.Pool // *chargeBuf

// newChargePage returns an empty page with room for n charges.
func newChargePage(n int) *ChargePage {
	b, _ := chargeBufs.Get().(*chargeBuf)
	if b == nil || cap(b.all) < n {
		b = &chargeBuf{all: make([]Charge, n), ptrs: make([]*Charge, 0, n)}
	}
	b.all = b.all[:n]
	return &ChargePage{Charges: b.ptrs[:0], buf: b}
}

// add returns the page's next charge, zeroed, or nil when it is full.
func (p *ChargePage) add() *Charge {
	i := len(p.Charges)
	if i >= len(p.buf.all) {
		return nil
	}
	c := &p.buf.all[i]
	*c = Charge{}
	p.Charges = append(p.Charges, c)
	return c
}

// cut ends a page read one row past limit: it keeps limit charges and
// names the cursor of the next page.
func (p *ChargePage) cut(err error, limit int) (*ChargePage, error) {
	if err != nil {
		p.Release()
		return nil, err
	}
	if len(p.Charges) > limit {
		p.Charges = p.Charges[:limit]
		p.Next = ChargeCursor(p.Charges[limit-1])
	}
	return p, nil
}

// Release hands the page's storage back for a later list. Neither the page
// nor any of its charges may be used after; a page never released is
// simply collected.
func (p *ChargePage) Release() {
	if p == nil || p.buf == nil {
		return
	}
	b := p.buf
	p.buf, p.Charges = nil, nil
	clear(b.all) // drop the strings the charges held
	b.ptrs = b.ptrs[:0]
	chargeBufs.Put(b)
}
