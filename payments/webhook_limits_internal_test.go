package payments

import (
	"regexp"
	"strings"
	"testing"
)

// The loops accept what the patterns they stand for accept.
func TestPlausibleShapesAreThePatterns(t *testing.T) {
	idRE := regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
	keyRE := regexp.MustCompile(`^[a-z_.]{1,64}$`)
	cases := []string{"", "evnt_test_1", "chrg_test_5xyz", "charge.complete", "charge.complete\n", "a b", "a-b",
		"ÄB", "a\x00", "é", "\xff", "A.B", strings.Repeat("a", 64), strings.Repeat("a", 65), "_", ".", "Z9"}
	for _, c := range cases {
		if got, want := plausibleID(c), idRE.MatchString(c); got != want {
			t.Errorf("plausibleID(%q) = %v, pattern %v", c, got, want)
		}
		if got, want := plausibleKey(c), keyRE.MatchString(c); got != want {
			t.Errorf("plausibleKey(%q) = %v, pattern %v", c, got, want)
		}
	}
}

func FuzzPlausibleShapes(f *testing.F) {
	idRE := regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
	keyRE := regexp.MustCompile(`^[a-z_.]{1,64}$`)
	f.Add("evnt_test_1")
	f.Add("charge.complete")
	f.Fuzz(func(t *testing.T, s string) {
		if plausibleID(s) != idRE.MatchString(s) || plausibleKey(s) != keyRE.MatchString(s) {
			t.Fatalf("%q: id %v/%v key %v/%v", s, plausibleID(s), idRE.MatchString(s), plausibleKey(s), keyRE.MatchString(s))
		}
	})
}
