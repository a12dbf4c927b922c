package payments_test

import (
	"net/url"
	"testing"

	"instore/db"
	"instore/payments"
)

// BenchmarkParseChargeFilter is the work of every /charges, /api/charges
// and CSV request before the query: parse and scope the filter, and check
// the keyset cursor.
func BenchmarkParseChargeFilter(b *testing.B) {
	cur := db.ChargeCursor(&db.Charge{ID: "chrg_test_5xbench0000000000", CreatedAt: db.ParseTime("2025-03-20T07:15:00.000000Z")})
	q := url.Values{"store": {"S01"}, "status": {"successful", "failed"}, "from": {"2025-03-01"}, "to": {"2025-03-20"},
		"min": {"20.00"}, "max": {"5,000"}, "cursor": {cur}}
	scope := payments.ScopeOf(&db.User{Role: db.RoleManager, StoreID: "S01"})
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, errs := payments.ParseChargeFilter(q, scope); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
}
