package freetext

import "testing"

func TestClean(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain note", "plain note"},
		{"  spaced  ", "spaced"},
		{"ลูกค้า\u200bคืนสินค้า", "ลูกค้าคืนสินค้า"},
		{"refund \u202Eevil\u202C ok", "refund evil ok"},
		{"\u2066isolate\u2069", "isolate"},
		{"\ufeffbom", "bom"},
		{"a\u200cb\u200dc\u2060d\u200ee\u200ff\u061cg", "abcdefg"},
		{"\u200b \u200b", ""},
	}
	for _, c := range cases {
		if got := Clean(c.in); got != c.want {
			t.Errorf("Clean(%q) = %q, want %q", c.in, got, c.want)
		}
		if HasInvisible(Clean(c.in)) {
			t.Errorf("Clean(%q) still has invisible characters", c.in)
		}
	}
	for _, r := range []rune{0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF} {
		if !Invisible(r) {
			t.Errorf("U+%04X not invisible", r)
		}
	}
	for _, r := range []rune{'a', 'ก', ' ', 0x0E31, 0x2013, 0x00A0} {
		if Invisible(r) {
			t.Errorf("U+%04X wrongly invisible", r)
		}
	}
}
