package db

import (
	"cmp"
	"slices"
	"strings"

	"github.com/maruel/natural"
)

// compareTerminals orders terminals as people count them: by store, then by
// terminal id with its numbers read as numbers (T2 before T10, POS-9
// before POS-10). SQL's text order puts T10 before T2, and it is not even
// the same text order on SQLite and PostgreSQL (collations), so lists that
// people read are put in this order after the query. Ids equal but for
// leading zeros (T01, T1) keep a fixed order by their text.
func compareTerminals(aStore, aTerminal, bStore, bTerminal string) int {
	return cmp.Or(strings.Compare(aStore, bStore), natural.Compare(aTerminal, bTerminal), strings.Compare(aTerminal, bTerminal))
}

// sortByTerminal sorts s stably by store and terminal (compareTerminals),
// keeping the query's order within one terminal.
func sortByTerminal[T any](s []T, key func(T) (store, terminal string)) {
	slices.SortStableFunc(s, func(a, b T) int {
		as, at := key(a)
		bs, bt := key(b)
		return compareTerminals(as, at, bs, bt)
	})
}
