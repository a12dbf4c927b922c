package payments

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// kedmaneeDigit maps what the Thai Kedmanee layout types on the number
// row (Digit1..Digit0: ๅ / - ภ ถ ุ ึ ค ต จ) back to the digit the scanner
// meant. A wedge scanner sends key positions, so with Thai input active a
// code like 2810… arrives as "/คๅจ…".
func kedmaneeDigit(r rune) (byte, bool) {
	switch r {
	case 'ๅ':
		return '1', true
	case '/':
		return '2', true
	case '-':
		return '3', true
	case 'ภ':
		return '4', true
	case 'ถ':
		return '5', true
	case 'ุ':
		return '6', true
	case 'ึ':
		return '7', true
	case 'ค':
		return '8', true
	case 'ต':
		return '9', true
	case 'จ':
		return '0', true
	}
	return 0, false
}

// NormaliseBarcode turns scanned or pasted text into the payment code the
// scanner meant: Kedmanee number-row characters and Thai digits ๐–๙ become
// ASCII digits and spaces are dropped. Anything else is kept as it is, so
// that validation can refuse it. mapped reports that a Thai character was
// rewritten (worth logging: the till's keyboard was in Thai).
func NormaliseBarcode(s string) (code string, mapped bool) {
	// Fast path: the common case is a clean ASCII digit string.
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < '0' || c > '9' {
			clean = false
			break
		}
	}
	if clean {
		return s, false
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteByte(byte(r))
		case r >= '๐' && r <= '๙':
			b.WriteByte(byte('0' + (r - '๐')))
			mapped = true
		case isBarcodeSpace(r):
		default:
			if d, ok := kedmaneeDigit(r); ok {
				b.WriteByte(d)
				mapped = true
				continue
			}
			b.WriteRune(r)
		}
	}
	return b.String(), mapped
}

// isBarcodeSpace is what a person or a scanner may put around or inside a
// code without meaning anything: spaces, tabs, line ends, no-break and
// zero-width spaces.
func isBarcodeSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\r', '\n', '\u00a0', '\u200b', '\u2009', '\u202f', '\ufeff':
		return true
	}
	return false
}

// CodeShape returns what a payment code of the method looks like: its
// length bounds and the prefixes one of which it must begin with (nil:
// any). The till page reads the same shape to tell a scan from typing. An
// unknown method gets the loosest shape of the registry's scanned methods,
// so that a code valid for any of them passes.
func CodeShape(methodID string) (minLen, maxLen int, prefixes []string) {
	if m, ok := MethodByID(methodID); ok && m.Scanned() {
		return m.Code.MinLen, m.Code.MaxLen, slices.Clone(m.Code.Prefixes)
	}
	for _, m := range methods {
		if !m.Scanned() {
			continue
		}
		if minLen == 0 || m.Code.MinLen < minLen {
			minLen = m.Code.MinLen
		}
		maxLen = max(maxLen, m.Code.MaxLen)
	}
	return minLen, maxLen, nil
}

// ValidateBarcode normalises raw and checks it is a payment code for the
// method: digits only, of an accepted length, with an accepted
// prefix. On failure the refusal says what is wrong;
// nothing may be sent to Omise.
func ValidateBarcode(methodID, raw string) (string, *Refusal) {
	code, _ := NormaliseBarcode(raw)
	if code == "" {
		return "", refusalBarcodeEmpty()
	}
	for i := 0; i < len(code); i++ {
		if c := code[i]; c < '0' || c > '9' {
			return "", refusalBarcodeNotDigits()
		}
	}
	minLen, maxLen, prefixes := CodeShape(methodID)
	if n := utf8.RuneCountInString(code); n < minLen || n > maxLen {
		return "", refusalBarcodeLength(minLen, maxLen, n)
	}
	if len(prefixes) > 0 && !hasAnyPrefix(code, prefixes) {
		return "", refusalBarcodePrefix(prefixes)
	}
	return code, nil
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
