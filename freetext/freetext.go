// Package freetext is the one place that decides which characters free
// text typed by people (refund notes, store names, terminal labels, user
// names) may carry.
package freetext

import "strings"

// Invisible reports whether r changes how the text around it is shown
// without being visible itself: the bidirectional embeddings, overrides
// and isolates (U+202A–U+202E, U+2066–U+2069) and marks (U+200E, U+200F,
// U+061C), and the zero-width characters (U+200B–U+200D, U+2060, U+FEFF).
// Text carrying them can read differently on a screen, in a spreadsheet
// and on a receipt from what it holds ("Trojan Source").
func Invisible(r rune) bool {
	switch {
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return true
	case r >= 0x200B && r <= 0x200F, r == 0x2060, r == 0xFEFF, r == 0x061C:
		return true
	}
	return false
}

// HasInvisible reports whether s holds any Invisible character; validators
// of names refuse such text.
func HasInvisible(s string) bool { return strings.IndexFunc(s, Invisible) >= 0 }

// Clean strips every Invisible character and the surrounding space.
// Notes are cleaned rather than refused: text pasted from Thai web pages
// often carries zero-width spaces between words, and stripping them loses
// nothing a reader could see.
func Clean(s string) string {
	if HasInvisible(s) {
		s = strings.Map(func(r rune) rune {
			if Invisible(r) {
				return -1
			}
			return r
		}, s)
	}
	return strings.TrimSpace(s)
}
