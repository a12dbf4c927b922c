package payments

import (
	"cmp"
	"slices"

	"instore/db"
)

// StoreSubtotals sums report rows (day × store × terminal) per store,
// ordered by store id: the per-store lines of a report over several
// stores, which add up to its total.
func StoreSubtotals(rows []db.DailyRow) []db.DailyRow {
	var out []db.DailyRow
	at := map[string]int{}
	for i := range rows {
		r := &rows[i]
		j, ok := at[r.StoreID]
		if !ok {
			j = len(out)
			at[r.StoreID] = j
			out = append(out, db.DailyRow{StoreID: r.StoreID, StoreName: r.StoreName})
		}
		out[j].Add(r)
	}
	slices.SortFunc(out, func(a, b db.DailyRow) int { return cmp.Compare(a.StoreID, b.StoreID) })
	return out
}
