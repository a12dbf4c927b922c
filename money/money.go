// Package money formats and parses Thai baht amounts held as integer satang.
// No float ever touches an amount.
package money

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
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
	writeGrouped(&b, whole)
	b.WriteByte('.')
	b.WriteByte(byte('0' + frac/10))
	b.WriteByte(byte('0' + frac%10))
	return b.String()
}

// GroupDigits renders a count with thousands separators: 100000 is
// "100,000" (rows copied, events a second), grouped as amounts are.
func GroupDigits(n int64) string {
	if n < 0 {
		return "-" + GroupDigits(-n)
	}
	var b strings.Builder
	writeGrouped(&b, strconv.FormatInt(n, 10))
	return b.String()
}

// writeGrouped writes the decimal digits with a comma before each group of
// three from the right.
func writeGrouped(b *strings.Builder, digits string) {
	for i := 0; i < len(digits); i++ {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(digits[i])
	}
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

// ErrAmountFormat means the text is not a baht amount in the one grammar
// ParseBaht accepts.
var ErrAmountFormat = errors.New("money: not a baht amount")

// ParseBaht parses a baht amount typed by a person into satang. It is the
// one amount grammar of the product (till, refunds, filters); each caller
// applies its own range.
//
// Accepted: digits ("1234"), or digits grouped by commas in thousands
// ("1,234", "12,345,678": a first group of 1–3 digits not starting with 0,
// then groups of exactly three); then optionally a point and one or two
// decimals ("1234.5", "1,234.50"). Thai digits ๐–๙ count as digits; an
// optional "฿" may lead, and spaces may surround the amount.
//
// Refused: everything else, notably a comma anywhere but a thousands
// position ("25,50", "1,5", "1,0,0,0", ",100", "1,00"): a comma typed as a
// decimal point must never make an amount 100 times larger. Negative
// amounts, more than two decimals, a bare point (".5", "5.") and amounts
// beyond int64 satang are refused too.
func ParseBaht(s string) (int64, error) {
	t := strings.TrimFunc(s, unicode.IsSpace)
	if rest, ok := strings.CutPrefix(t, "฿"); ok {
		t = strings.TrimLeftFunc(rest, unicode.IsSpace)
	}
	whole, frac, hasPoint := strings.Cut(t, ".")
	if hasPoint && (len(frac) == 0 || utf8.RuneCountInString(frac) > 2) {
		return 0, ErrAmountFormat
	}
	var v int64
	if !strings.Contains(whole, ",") {
		if !addDigits(&v, whole, -1) {
			return 0, ErrAmountFormat
		}
	} else {
		groups := strings.Split(whole, ",")
		if first := groups[0]; !addDigits(&v, first, -1) || utf8.RuneCountInString(first) > 3 || digitAt(first) == 0 {
			return 0, ErrAmountFormat
		}
		for _, g := range groups[1:] {
			if !addDigits(&v, g, 3) {
				return 0, ErrAmountFormat
			}
		}
	}
	// Two decimals always: "1.5" is 1.50 baht.
	fracDigits := 2
	if hasPoint {
		if !addDigits(&v, frac, -1) {
			return 0, ErrAmountFormat
		}
		fracDigits -= utf8.RuneCountInString(frac)
	}
	for ; fracDigits > 0; fracDigits-- {
		if v > math.MaxInt64/10 {
			return 0, ErrAmountFormat
		}
		v *= 10
	}
	return v, nil
}

// digit maps an ASCII or Thai digit to its value; -1 for anything else.
func digit(r rune) int64 {
	switch {
	case r >= '0' && r <= '9':
		return int64(r - '0')
	case r >= '๐' && r <= '๙':
		return int64(r - '๐')
	}
	return -1
}

// digitAt is the value of the first digit of s, -1 when there is none.
func digitAt(s string) int64 {
	r, _ := utf8.DecodeRuneInString(s)
	return digit(r)
}

// addDigits appends the digits of s to *v. It fails when s is empty, holds
// anything but digits, has not exactly n digits (n >= 0), or overflows.
func addDigits(v *int64, s string, n int) bool {
	count := 0
	for _, r := range s {
		d := digit(r)
		if d < 0 || *v > (math.MaxInt64-d)/10 {
			return false
		}
		*v = *v*10 + d
		count++
	}
	return count > 0 && (n < 0 || count == n)
}
