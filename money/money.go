// Package money formats and parses Thai baht amounts held as integer satang.
// No float ever touches an amount.
package money

import (
	"errors"
	"strconv"
	"strings"
)

// Limits Omise puts on an Alipay barcode charge, in satang.
const (
	MinCharge int64 = 2000      // THB 20.00
	MaxCharge int64 = 100000000 // THB 1,000,000.00
)

// FormatTHB renders satang as "฿4,000.00" (negative as "-฿4,000.00").
func FormatTHB(satang int64) string {
	if satang < 0 {
		return "-฿" + FormatBaht(-satang)
	}
	return "฿" + FormatBaht(satang)
}

// FormatBaht renders satang as "4,000.00" with thousands separators.
func FormatBaht(satang int64) string {
	neg := satang < 0
	u := uint64(satang)
	if neg {
		u = uint64(-satang)
	}
	whole := strconv.FormatUint(u/100, 10)
	frac := u % 100
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	b.WriteByte('.')
	b.WriteByte(byte('0' + frac/10))
	b.WriteByte(byte('0' + frac%10))
	return b.String()
}

// FormatPlain renders satang as "4000.00": no separators, for CSV and inputs.
func FormatPlain(satang int64) string {
	neg := satang < 0
	if neg {
		satang = -satang
	}
	s := strconv.FormatInt(satang/100, 10) + "." + strconv.FormatInt(satang%100/10, 10) + strconv.FormatInt(satang%10, 10)
	if neg {
		return "-" + s
	}
	return s
}

// ErrAmountFormat means the text is not a baht amount with at most two decimals.
var ErrAmountFormat = errors.New("money: not a baht amount")

// ParseBaht parses a baht amount typed by a person into satang. It accepts
// Thai digits (๐-๙), thousands separators, an optional "฿" and surrounding
// spaces, and at most two decimals. "1,234.5" is 123450.
func ParseBaht(s string) (int64, error) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '๐' && r <= '๙':
			b.WriteByte(byte('0' + (r - '๐')))
		case r == ',' || r == '฿' || r == ' ' || r == '\u00a0':
		default:
			b.WriteRune(r)
		}
	}
	t := b.String()
	if t == "" {
		return 0, ErrAmountFormat
	}
	neg := false
	if t[0] == '-' {
		neg = true
		t = t[1:]
	}
	whole, frac, hasDot := strings.Cut(t, ".")
	if whole == "" && (!hasDot || frac == "") {
		return 0, ErrAmountFormat
	}
	if len(frac) > 2 || (hasDot && frac == "") || len(whole) > 13 {
		return 0, ErrAmountFormat
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, ErrAmountFormat
		}
	}
	var w, f int64
	if whole != "" {
		w, _ = strconv.ParseInt(whole, 10, 64)
	}
	if frac != "" {
		f, _ = strconv.ParseInt(frac, 10, 64)
		if len(frac) == 1 {
			f *= 10
		}
	}
	v := w*100 + f
	if neg {
		v = -v
	}
	return v, nil
}
