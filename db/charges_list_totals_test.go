package db

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// Totals are reused between commits and never survive one: after every
// write they equal totals read afresh.
func TestChargeTotalsReusedUntilACommit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openListDB(t)
	start := time.Date(2025, 3, 1, 2, 0, 0, 0, time.UTC)
	mk := func(i int, status string) *Charge {
		c := &Charge{ID: fmt.Sprintf("chrg_test_t%05d", i), Amount: int64(2000 + i), Status: status, StoreID: fmt.Sprintf("S%d", i%2),
			TerminalID: "T1", SourceType: "barcode_alipay", CreatedAt: start.Add(time.Duration(i) * time.Hour), Fee: 10, Net: int64(1990 + i)}
		if status == "successful" {
			c.PaidAt = &c.CreatedAt
		}
		return c
	}
	var cs []*Charge
	for i := range 20 {
		cs = append(cs, mk(i, []string{"successful", "failed", "pending", "expired"}[i%4]))
	}
	putListCharges(t, d, cs...)
	filters := []ChargeFilter{{}, {StoreID: "S1"}, {Stores: []string{}}, {Stores: []string{"S0"}}, {Statuses: []string{"successful"}},
		{AmountMin: 2005}, {Search: "chrg_test_t00003"}, {From: start.Add(5 * time.Hour)}}
	check := func(step string) {
		t.Helper()
		for _, f := range filters {
			for range 2 { // the second read is the reused one
				got, err := d.ChargeTotals(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				want, err := d.chargeTotals(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Fatalf("%s, filter %+v: totals %+v, read afresh %+v", step, f, got, want)
				}
			}
		}
	}
	check("first")
	if c := d.totals(); !d.pg {
		if c == nil || c.hits < len(filters) {
			t.Fatalf("totals were not reused: %+v", c)
		}
	}
	putListCharges(t, d, mk(100, "successful"))
	check("after a new charge")
	refunded := *cs[0]
	refunded.RefundedAmount = 500
	putListCharges(t, d, &refunded)
	check("after a refund")
	failed := *cs[2]
	failed.Status = "failed"
	putListCharges(t, d, &failed)
	check("after a status change")
	if _, err := d.W.ExecContext(ctx, `UPDATE charges SET amount = amount + 1 WHERE id = ?`, cs[1].ID); err != nil {
		t.Fatal(err)
	}
	check("after a write outside Tx")
}

func TestTotalsKeyTellsFiltersApart(t *testing.T) {
	at := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	fs := []ChargeFilter{{}, {Stores: []string{}}, {Stores: []string{""}}, {StoreID: "a"}, {TerminalID: "a"}, {Stores: []string{"a"}},
		{Statuses: []string{"a"}}, {SourceTypes: []string{"a"}}, {Stores: []string{"a", "b"}}, {Stores: []string{"ab"}},
		{From: at}, {To: at}, {FromDay: "2025-03-01"}, {ToDay: "2025-03-01"}, {AmountMin: 1}, {AmountMax: 1}, {Search: "a"}}
	seen := map[string]int{}
	for i, f := range fs {
		k := f.totalsKey()
		if j, ok := seen[k]; ok {
			t.Errorf("filters %d and %d share the key %q", j, i, k)
		}
		seen[k] = i
		f.Cursor, f.Limit = "x", 7
		if f.totalsKey() != k {
			t.Errorf("filter %d: the cursor or the limit changed the key", i)
		}
	}
}
