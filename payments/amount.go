package payments

import (
	"strings"

	"instore/money"
)

// ParseTillAmount reads the amount a cashier typed (baht, optional satang,
// Thai digits and thousands separators allowed) into satang and checks it
// is a chargeable amount: money.MinCharge to money.MaxCharge.
func ParseTillAmount(s string) (int64, *Message) {
	if strings.TrimSpace(s) == "" {
		return 0, &msgAmountEmpty
	}
	v, err := money.ParseBaht(s)
	if err != nil {
		return 0, &msgAmountFormat
	}
	return v, CheckTillAmount(v)
}

// CheckTillAmount checks an amount in satang against the charge limits.
func CheckTillAmount(satang int64) *Message {
	if satang < money.MinCharge || satang > money.MaxCharge {
		return &msgAmountRange
	}
	return nil
}
