package money

import (
	"math"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestFormat(t *testing.T) {
	cases := map[int64]string{0: "฿0.00", 5: "฿0.05", 400000: "฿4,000.00", 100000000: "฿1,000,000.00", -12345: "-฿123.45", 99999: "฿999.99"}
	for in, want := range cases {
		if got := FormatTHB(in); got != want {
			t.Errorf("FormatTHB(%d) = %q, want %q", in, got, want)
		}
	}
	if got := FormatPlain(400005); got != "4000.05" {
		t.Errorf("FormatPlain = %q", got)
	}
	if got := FormatPlain(-5); got != "-0.05" {
		t.Errorf("FormatPlain(-5) = %q", got)
	}
}

func TestParseBaht(t *testing.T) {
	for _, tc := range ParseBahtCases {
		got, err := ParseBaht(tc.In)
		switch {
		case tc.OK && (err != nil || got != tc.Want):
			t.Errorf("ParseBaht(%q) = %d, %v; want %d", tc.In, got, err, tc.Want)
		case !tc.OK && err == nil:
			t.Errorf("ParseBaht(%q) = %d; want refused", tc.In, got)
		}
	}
}

// bahtGrammar is the grammar ParseBaht promises, written independently as
// a regular expression (after trimming spaces and an optional "฿"), so the
// fuzzer can compare the two.
var bahtGrammar = regexp.MustCompile(`^(?:[0-9๐-๙]+|[1-9๑-๙][0-9๐-๙]{0,2}(?:,[0-9๐-๙]{3})+)(?:\.[0-9๐-๙]{1,2})?$`)

func grammarMatch(s string) bool {
	t := strings.TrimFunc(s, unicode.IsSpace)
	if rest, ok := strings.CutPrefix(t, "฿"); ok {
		t = strings.TrimLeftFunc(rest, unicode.IsSpace)
	}
	return bahtGrammar.MatchString(t)
}

// typedDigits is the digit sequence of s (Thai digits mapped), padded to two
// decimals and without leading zeros: what the amount must be made of.
func typedDigits(s string) string {
	var b strings.Builder
	decimals, afterPoint := 0, false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '๐' && r <= '๙':
			b.WriteRune('0' + (r - '๐'))
		case r == '.':
			afterPoint = true
			continue
		default:
			continue
		}
		if afterPoint {
			decimals++
		}
	}
	for ; decimals < 2; decimals++ {
		b.WriteByte('0')
	}
	return strings.TrimLeft(b.String(), "0")
}

func FuzzParseBaht(f *testing.F) {
	for _, tc := range ParseBahtCases {
		f.Add(tc.In, tc.Want, uint8(len(tc.In)))
	}
	f.Add("", int64(math.MaxInt64), uint8(1))
	f.Add("-1", int64(math.MinInt64), uint8(3))
	f.Fuzz(func(t *testing.T, s string, amount int64, cut uint8) {
		// 1. The parser and the written grammar agree on every string; so a
		// comma outside a thousands position is never accepted.
		v, err := ParseBaht(s)
		if ok := grammarMatch(s); ok != (err == nil) {
			// Only an amount beyond int64 satang may match yet be refused.
			if !ok || len(typedDigits(s)) < 19 {
				t.Fatalf("ParseBaht(%q) = %d, %v; grammar says %v", s, v, err, ok)
			}
		}
		// 2. What is charged is made of the digits typed, in order.
		if err == nil {
			if got, want := typedDigits(FormatPlain(v)), typedDigits(s); got != want {
				t.Fatalf("ParseBaht(%q) = %d (%s): digits %q, typed %q", s, v, FormatPlain(v), got, want)
			}
		}
		// 3. Every amount reads back from both renderings.
		if amount < 0 {
			amount = -(amount + 1)
		}
		for _, out := range []string{FormatPlain(amount), FormatBaht(amount), FormatTHB(amount)} {
			if back, err := ParseBaht(out); err != nil || back != amount {
				t.Fatalf("round trip %d -> %q -> %d, %v", amount, out, back, err)
			}
			// 4. One more comma anywhere in a rendered amount is refused
			// unless it lands on a thousands position.
			i := int(cut) % (len(out) + 1)
			withComma := out[:i] + "," + out[i:]
			if !utf8.ValidString(withComma) {
				continue
			}
			back, err := ParseBaht(withComma)
			if grammarMatch(withComma) != (err == nil) || (err == nil && back != amount) {
				t.Fatalf("ParseBaht(%q) = %d, %v (amount %d)", withComma, back, err, amount)
			}
		}
	})
}

func BenchmarkFormatTHB(b *testing.B) {
	for i := 0; i < b.N; i++ {
		_ = FormatTHB(int64(i) * 137)
	}
}

func TestGroupDigits(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 100000: "100,000",
		1234567: "1,234,567", -1234567: "-1,234,567", -12: "-12"} {
		if got := GroupDigits(n); got != want {
			t.Errorf("GroupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}
