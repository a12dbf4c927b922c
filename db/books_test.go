package db

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// booksCharges is a mix of statuses with refunds and fees Omise did not
// report (FeeUnknown), over a few Bangkok days.
func booksCharges() []*Charge {
	statuses := []string{"successful", "successful", "successful", "failed", "expired", "pending"}
	base := time.Date(2025, 3, 1, 16, 30, 0, 0, time.UTC)
	var cs []*Charge
	for i := 0; i < 120; i++ {
		c := &Charge{ID: fmt.Sprintf("chrg_%04d", i), Amount: int64(2000 + i*37), Fee: int64(70 + i), FeeVat: 5,
			Net: int64(1925 + i*36), Status: statuses[i%len(statuses)], StoreID: []string{"s1", "s2"}[i%2],
			TerminalID: "T1", CreatedAt: base.Add(time.Duration(i) * 37 * time.Minute)}
		if i%7 == 0 {
			c.FeeUnknown, c.Fee, c.FeeVat, c.Net = true, 0, 0, 0
		}
		switch {
		case c.Status == "successful" && i%4 == 0:
			c.RefundedAmount = c.Amount
		case c.Status == "successful" && i%3 == 0:
			c.RefundedAmount = 100
		}
		cs = append(cs, c)
	}
	return cs
}

// Fees Omise did not report are in no fee or net total, counted apart, the
// same way by the rollup, the row scan and a rebuild of the rollup.
func TestFeeUnknownLeftOutOfTotals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openListDB(t)
	cs := booksCharges()
	putListCharges(t, d, cs...)
	var want ChargeTotals
	for _, c := range cs {
		want.Count++
		want.Refunded += c.RefundedAmount
		if c.Status != "successful" {
			continue
		}
		want.SuccessfulCount++
		want.Amount += c.Amount
		if c.FeeUnknown {
			want.FeeUnknownCount++
			continue
		}
		want.Fee, want.FeeVat, want.Net = want.Fee+c.Fee, want.FeeVat+c.FeeVat, want.Net+c.Net
	}
	rollup, err := d.rollupChargeTotals(ctx, ChargeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	scan, err := d.scanChargeTotals(ctx, ChargeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if rollup != want || scan != want || want.FeeUnknownCount == 0 {
		t.Fatalf("want %+v\nrollup %+v\nscan %+v", want, rollup, scan)
	}
	f := FinanceFilter{FromDay: "2025-03-01", ToDay: "2025-03-31"}
	before, err := d.ListDailyRows(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.RebuildDailyTotals(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := d.ListDailyRows(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("rebuild differs:\n%+v\n%+v", before, after)
	}
	var tot DailyRow
	for i := range after {
		tot.Add(&after[i])
	}
	if tot.Net != want.Net || tot.FeeUnknownCount != want.FeeUnknownCount || tot.Gross != want.Amount {
		t.Fatalf("daily rows %+v", tot)
	}
	// A charge whose fee arrives later moves from the unknown count to net.
	old := *cs[0]
	c := old
	c.FeeUnknown, c.Fee, c.FeeVat, c.Net = false, 73, 5, c.Amount-78
	putCharge(t, d, &old, &c)
	got, _ := d.rollupChargeTotals(ctx, ChargeFilter{})
	if got.FeeUnknownCount != want.FeeUnknownCount-1 || got.Net != want.Net+c.Net {
		t.Fatalf("after the fee arrived %+v", got)
	}
	if back, _ := d.GetCharge(ctx, c.ID); back.FeeUnknown || back.Net != c.Net {
		t.Fatalf("stored %+v", back)
	}
}

// The refund states select successful charges refunded in part or in full,
// alone or with statuses, through the partial index of refunded charges.
func TestRefundStateFilters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openListDB(t)
	cs := booksCharges()
	putListCharges(t, d, cs...)
	match := func(c *Charge, states ...string) bool {
		for _, s := range states {
			switch {
			case s == StateRefunded && c.Status == "successful" && c.RefundedAmount > 0 && c.RefundedAmount >= c.Amount,
				s == StatePartiallyRefunded && c.Status == "successful" && c.RefundedAmount > 0 && c.RefundedAmount < c.Amount,
				s == c.Status:
				return true
			}
		}
		return false
	}
	for _, f := range []ChargeFilter{
		{Statuses: []string{StateRefunded}}, {Statuses: []string{StatePartiallyRefunded}},
		{Statuses: []string{StateRefunded, StatePartiallyRefunded}}, {Statuses: []string{"pending", StateRefunded}},
		{Statuses: []string{"failed", "expired", StatePartiallyRefunded}, StoreID: "s1"},
	} {
		var want []string
		var wantTot ChargeTotals
		for i := len(cs) - 1; i >= 0; i-- {
			c := cs[i]
			if (f.StoreID == "" || c.StoreID == f.StoreID) && match(c, f.Statuses...) {
				want = append(want, c.ID)
				wantTot.Count++
				wantTot.Refunded += c.RefundedAmount
			}
		}
		f.Limit = 200
		got, _, err := d.ListCharges(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if listIDs(got) != strings.Join(want, ",") || len(want) == 0 {
			t.Errorf("filter %v: got %s\nwant %s", f.Statuses, listIDs(got), strings.Join(want, ","))
		}
		tot, err := d.ChargeTotals(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if tot.Count != wantTot.Count || tot.Refunded != wantTot.Refunded {
			t.Errorf("filter %v: totals %+v, want %+v", f.Statuses, tot, wantTot)
		}
	}
	if onPostgres() {
		return // the rest reads SQLite's EXPLAIN QUERY PLAN
	}
	cur := ChargeCursor(&Charge{ID: "x", CreatedAt: time.Now()})
	for _, f := range []ChargeFilter{{Statuses: []string{StateRefunded}, Cursor: cur},
		{StoreID: "s1", Statuses: []string{StatePartiallyRefunded}, Cursor: cur}} {
		where, args, err := f.where(true)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		rows, err := d.R.QueryContext(ctx, `EXPLAIN QUERY PLAN SELECT `+chargeColumns+` FROM charges`+where+listChargesOrder, append(args, 51)...)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if p := strings.Join(plan, "; "); strings.Contains(p, "TEMP B-TREE") || !strings.Contains(p, "INDEX") {
			t.Errorf("filter %+v: plan %q", f.Statuses, p)
		}
	}
}
