package web

import "testing"

func TestClientAddress(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"203.0.113.9":                    "203.0.113.9",
		"2001:db8:1:2:aaaa:bbbb:cccc:dd": "2001:db8:1:2::/64",
		"2001:db8:1:2::1":                "2001:db8:1:2::/64",
		"::ffff:203.0.113.9":             "::ffff:203.0.113.9",
		"not an address":                 "not an address",
	}
	for in, want := range cases {
		if got := clientAddress(in); got != want {
			t.Errorf("clientAddress(%q) = %q, want %q", in, got, want)
		}
	}
}
