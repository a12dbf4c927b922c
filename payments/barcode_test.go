package payments_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"instore/omise"
	"instore/payments"
)

func TestNormaliseBarcode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
		mapped         bool
	}{
		{"ascii digits", "281012345678901234", "281012345678901234", false},
		{"kedmanee number row", "ๅ/-ภถุึคตจ", "1234567890", true},
		{"code scanned in thai layout", "/คๅจๅ/-ภถุึคตจๅ/-ภ", "281012345678901234", true},
		{"thai digits", "๒๘๑๐๑๒๓๔๕๖๗๘๙๐", "28101234567890", true},
		{"spaces stripped", " 2810 1234\t5678 9012\u00a0", "2810123456789012", false},
		{"mixed", "๒8ค0 ๑", "28801", true},
		{"letters kept for validation", "28a0", "28a0", false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, mapped := payments.NormaliseBarcode(tt.in)
			if got != tt.want || mapped != tt.mapped {
				t.Fatalf("NormaliseBarcode(%q) = %q, %v; want %q, %v", tt.in, got, mapped, tt.want, tt.mapped)
			}
		})
	}
}

func TestValidateBarcode(t *testing.T) {
	t.Parallel()
	digits := func(n int) string { return "28" + strings.Repeat("7", n-2) }
	tests := []struct {
		name, source, in, code string // code "" = refused with code
	}{
		{"alipay 16", omise.SourceBarcodeAlipay, digits(16), ""},
		{"alipay 24", omise.SourceBarcodeAlipay, digits(24), ""},
		{"alipay 15", omise.SourceBarcodeAlipay, digits(15), "barcode_length"},
		{"alipay 25", omise.SourceBarcodeAlipay, digits(25), "barcode_length"},
		{"alipay begins 25", omise.SourceBarcodeAlipay, "25" + strings.Repeat("0", 14), ""},
		{"alipay begins 30", omise.SourceBarcodeAlipay, "30" + strings.Repeat("9", 22), ""},
		{"alipay begins 24", omise.SourceBarcodeAlipay, "24" + strings.Repeat("9", 16), "barcode_not_alipay"},
		{"alipay begins 31", omise.SourceBarcodeAlipay, "31" + strings.Repeat("9", 16), "barcode_not_alipay"},
		// What a scan split by the amount field leaves in the code field.
		{"split code", omise.SourceBarcodeAlipay, "10000000000000123", "barcode_not_alipay"},
		{"alipay 15 with a bad prefix says length", omise.SourceBarcodeAlipay, strings.Repeat("1", 15), "barcode_length"},
		{"upm takes any prefix", omise.SourceAlipayPlusUPM, "10000000000000123", ""},
		{"upm 17", omise.SourceAlipayPlusUPM, digits(17), ""},
		{"upm 32", omise.SourceAlipayPlusUPM, digits(32), ""},
		{"upm 16", omise.SourceAlipayPlusUPM, digits(16), "barcode_length"},
		{"upm 33", omise.SourceAlipayPlusUPM, digits(33), "barcode_length"},
		{"thai layout accepted", omise.SourceBarcodeAlipay, "/คๅจๅ/-ภถุึคตจๅ/-ภ", ""},
		{"letters", omise.SourceBarcodeAlipay, "28101234567890123x", "barcode_not_digits"},
		{"thai letters not on the number row", omise.SourceBarcodeAlipay, "2810123456789012กข", "barcode_not_digits"},
		{"empty", omise.SourceBarcodeAlipay, "  ", "barcode_empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, r := payments.ValidateBarcode(tt.source, tt.in)
			msg := words(r)
			if tt.code == "" {
				if msg != nil {
					t.Fatalf("refused: %+v", msg)
				}
				want, _ := payments.NormaliseBarcode(tt.in)
				if code != want {
					t.Fatalf("code = %q, want %q", code, want)
				}
				return
			}
			if msg == nil || msg.Code != tt.code {
				t.Fatalf("message = %+v, want code %s", msg, tt.code)
			}
			if msg.TH == "" || msg.EN == "" || msg.TH == msg.EN {
				t.Fatalf("message needs Thai and English: %+v", msg)
			}
		})
	}
}

func TestCodeShape(t *testing.T) {
	t.Parallel()
	minLen, maxLen, prefixes := payments.CodeShape(omise.SourceBarcodeAlipay)
	if minLen != 16 || maxLen != 24 || strings.Join(prefixes, ",") != "25,26,27,28,29,30" {
		t.Fatalf("barcode_alipay shape %d %d %v", minLen, maxLen, prefixes)
	}
	prefixes[0] = "99" // a caller's copy
	if _, _, again := payments.CodeShape(omise.SourceBarcodeAlipay); again[0] != "25" {
		t.Fatal("CodeShape shares its prefixes")
	}
	if minLen, maxLen, prefixes := payments.CodeShape(omise.SourceAlipayPlusUPM); minLen != 17 || maxLen != 32 || prefixes != nil {
		t.Fatalf("alipayplus_upm shape %d %d %v", minLen, maxLen, prefixes)
	}
}

func TestParseTillAmount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int64
		code string
	}{
		{"20", 2000, ""},
		{"20.00", 2000, ""},
		{"๑๒๐.๕", 12050, ""},
		{"1,000,000.00", 100000000, ""},
		{"฿ 45.10", 4510, ""},
		{"19.99", 0, "amount_range"},
		{"1,000,000.01", 0, "amount_range"},
		{"-50", 0, "amount_format"},
		{"25,50", 0, "amount_format"},
		{"0", 0, "amount_range"},
		{"12.345", 0, "amount_format"},
		{"abc", 0, "amount_format"},
		{"", 0, "amount_empty"},
	}
	for _, tt := range tests {
		got, r := payments.ParseTillAmount(tt.in)
		msg := words(r)
		if tt.code == "" {
			if msg != nil || got != tt.want {
				t.Errorf("ParseTillAmount(%q) = %d, %+v; want %d", tt.in, got, msg, tt.want)
			}
			continue
		}
		if msg == nil || msg.Code != tt.code || msg.TH == "" || msg.EN == "" {
			t.Errorf("ParseTillAmount(%q) message = %+v, want %s", tt.in, msg, tt.code)
		}
	}
}

func FuzzNormaliseBarcode(f *testing.F) {
	for _, s := range []string{"281012345678901234", "ๅ/-ภถุึคตจ", "๑๒๓ ๔", " 12 ab ", "\u200b", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, mapped := payments.NormaliseBarcode(in)
		again, mappedAgain := payments.NormaliseBarcode(out)
		if again != out || mappedAgain {
			t.Fatalf("not idempotent: %q -> %q -> %q", in, out, again)
		}
		if utf8.ValidString(in) && utf8.RuneCountInString(out) > utf8.RuneCountInString(in) {
			t.Fatalf("output %q has more characters than input %q", out, in)
		}
		if strings.ContainsAny(out, " \t\r\n") {
			t.Fatalf("spaces left in %q", out)
		}
		if strings.ContainsAny(out, "ๅ/-ภถุึคตจ๐๑๒๓๔๕๖๗๘๙") {
			t.Fatalf("Thai digit or Kedmanee character left in %q", out)
		}
		if !mapped && strings.ContainsAny(in, "ๅ/-ภถุึคตจ๐๑๒๓๔๕๖๗๘๙") {
			t.Fatalf("mapping of %q not reported", in)
		}
		// Validation never lets anything but ASCII digits through.
		for _, st := range []string{omise.SourceBarcodeAlipay, omise.SourceAlipayPlusUPM} {
			if code, msg := payments.ValidateBarcode(st, in); msg == nil {
				for i := 0; i < len(code); i++ {
					if code[i] < '0' || code[i] > '9' {
						t.Fatalf("ValidateBarcode(%q) accepted %q", in, code)
					}
				}
			}
		}
	})
}

func BenchmarkNormaliseBarcode(b *testing.B) {
	cases := map[string]string{
		"ascii": "281012345678901234",
		"thai":  "/คๅจๅ/-ภถุึคตจๅ/-ภ",
		"mixed": "2810 ๑๒๓๔ 5678 ๙๐๑๒ 34",
	}
	for name, in := range cases {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				payments.NormaliseBarcode(in)
			}
		})
	}
}
