package handlers

import "instore/payments"

// dailyScopeJSON is GET /reports/daily as JSON with a subtotal per store of
// the user's scope; the stores add up to the totals.
type dailyScopeJSON struct {
	dailyReportJSON
	Stores []dailyRowJSON `json:"stores"`
}

func dailyWithStores(rep *payments.DailyReport) dailyScopeJSON {
	out := dailyScopeJSON{dailyReportJSON: dailyJSON(rep), Stores: []dailyRowJSON{}}
	for _, s := range payments.StoreSubtotals(rep.Rows) {
		out.Stores = append(out.Stores, dailyRowToJSON(&s))
	}
	return out
}
