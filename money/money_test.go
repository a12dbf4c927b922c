package money

import "testing"

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
	ok := map[string]int64{"20": 2000, "20.5": 2050, "20.05": 2005, "1,000,000.00": 100000000, "๔๐๐๐": 400000, "฿ 12.30": 1230, ".5": 50, "0": 0}
	for in, want := range ok {
		got, err := ParseBaht(in)
		if err != nil || got != want {
			t.Errorf("ParseBaht(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "abc", "1.234", "1.", "1e5", "--1", "20,5x", "99999999999999"} {
		if _, err := ParseBaht(in); err == nil {
			t.Errorf("ParseBaht(%q) accepted", in)
		}
	}
}

func FuzzParseBaht(f *testing.F) {
	for _, s := range []string{"20", "1,234.56", "๑๒", "-1", ".5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseBaht(s)
		if err != nil {
			return
		}
		back, err := ParseBaht(FormatPlain(v))
		if err != nil || back != v {
			t.Fatalf("round trip %q -> %d -> %q -> %d, %v", s, v, FormatPlain(v), back, err)
		}
	})
}

func BenchmarkFormatTHB(b *testing.B) {
	for i := 0; i < b.N; i++ {
		_ = FormatTHB(int64(i) * 137)
	}
}
