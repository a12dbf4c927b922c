package payments

import (
	"cmp"
	"slices"

	"instore/db"
)

// daySums are both sides' counts and sums of one Bangkok day, by store.
type daySums map[string]*db.ReconcileDay

// add counts charge c of store on Omise's side (theirs) or ours. Money is
// that of successful charges; fee, VAT and net only when the fee is known,
// the others are counted as FeeUnknown.
func (d daySums) add(store string, c *db.Charge, theirs bool) {
	x := d[store]
	if x == nil {
		x = &db.ReconcileDay{StoreID: store}
		d[store] = x
	}
	side := &x.Ours
	if theirs {
		side = &x.Theirs
	}
	side.Count++
	side.Refunded += c.RefundedAmount
	if !MoneyMoved(c) {
		return
	}
	side.Successful++
	side.Gross += c.Amount
	if c.FeeUnknown {
		side.FeeUnknown++
		return
	}
	side.Fee += c.Fee
	side.FeeVat += c.FeeVat
	side.Net += c.Net
}

// list returns the day's rows ordered by store.
func (d daySums) list(day string) []db.ReconcileDay {
	out := make([]db.ReconcileDay, 0, len(d))
	for _, x := range d {
		x.Day = day
		out = append(out, *x)
	}
	slices.SortFunc(out, func(a, b db.ReconcileDay) int { return cmp.Compare(a.StoreID, b.StoreID) })
	return out
}

// Columns of a day's comparison, in the order pages show them.
const (
	DayColCount      = "count"
	DayColSuccessful = "successful"
	DayColGross      = "gross"
	DayColFee        = "fee"
	DayColFeeVat     = "fee_vat"
	DayColNet        = "net"
	DayColRefunded   = "refunded"
	DayColFeeUnknown = "fee_unknown"
)

// DayCols lists the compared columns in display order.
var DayCols = []string{DayColCount, DayColSuccessful, DayColGross, DayColFee, DayColFeeVat, DayColNet, DayColRefunded, DayColFeeUnknown}

// DayValue is one column of one side; money columns are satang.
func DayValue(s db.ReconcileSide, col string) int64 {
	switch col {
	case DayColCount:
		return s.Count
	case DayColSuccessful:
		return s.Successful
	case DayColGross:
		return s.Gross
	case DayColFee:
		return s.Fee
	case DayColFeeVat:
		return s.FeeVat
	case DayColNet:
		return s.Net
	case DayColRefunded:
		return s.Refunded
	case DayColFeeUnknown:
		return s.FeeUnknown
	}
	return 0
}

// IsMoneyCol reports whether a column holds satang (else a count).
func IsMoneyCol(col string) bool {
	switch col {
	case DayColGross, DayColFee, DayColFeeVat, DayColNet, DayColRefunded:
		return true
	}
	return false
}

// DayDiffers lists the columns where our side and Omise's disagree.
func DayDiffers(x db.ReconcileDay) []string {
	var out []string
	for _, col := range DayCols {
		if DayValue(x.Ours, col) != DayValue(x.Theirs, col) {
			out = append(out, col)
		}
	}
	return out
}
