package payments_test

import (
	"testing"

	"instore/db"
	"instore/payments"
)

// BenchmarkChargeFilterOf is the work of every /charges, /api/charges
// and CSV request before the query: parse and scope the filter, and check
// the keyset cursor.
func BenchmarkChargeFilterOf(b *testing.B) {
	cur := db.ChargeCursor(&db.Charge{ID: "chrg_test_5xbench0000000000", CreatedAt: db.ParseTime("2025-03-20T07:15:00.000000Z")})
	in := payments.ChargeFilterInput{Store: "S01", Statuses: []string{"successful", "failed"}, From: "2025-03-01", To: "2025-03-20",
		Min: "20.00", Max: "5,000", Cursor: cur}
	scope := payments.ScopeOf(&db.User{Role: db.RoleManager, StoreID: "S01"})
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, errs := payments.ChargeFilterOf(in, scope); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
}
