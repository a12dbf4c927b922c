package payments

import (
	"strings"

	"instore/money"
)

// ParseTillAmount reads the amount a cashier typed (money.ParseBaht's
// grammar) into satang and checks it is a chargeable amount:
// money.MinCharge to money.MaxCharge. The range is the till's; the grammar
// is the same for every amount the product reads.
func ParseTillAmount(s string) (int64, *Refusal) {
	if strings.TrimSpace(s) == "" {
		return 0, refusalAmountEmpty()
	}
	v, err := money.ParseBaht(s)
	if err != nil {
		return 0, refusalAmountFormat()
	}
	return v, CheckTillAmount(v)
}

// CheckTillAmount checks an amount in satang against the charge limits.
func CheckTillAmount(satang int64) *Refusal {
	if satang < money.MinCharge || satang > money.MaxCharge {
		return refusalAmountRange()
	}
	return nil
}

// amountConfirmed reports whether the confirmed text reads as exactly
// satang. An empty or unreadable confirmation confirms nothing.
func amountConfirmed(satang int64, confirmed string) bool {
	v, err := money.ParseBaht(confirmed)
	return err == nil && v == satang
}
