package db

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// The month rollup gives the same totals as reading every matching charge,
// for ranges that start and end inside months, on month edges, open-ended,
// by store and by method, after charges were added, changed (pending to
// successful or failed, part refunded) and after the daily rollup was
// rebuilt.
func TestMonthRollupTotalsEqualTheCharges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openListDB(t)
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2025, 1, 20, 3, 0, 0, 0, time.UTC)
	var cs []*Charge
	for i := 0; i < 600; i++ {
		c := &Charge{ID: fmt.Sprintf("chrg_test_m%06d", i), Amount: int64(2000 + rng.IntN(90000)), Status: "pending",
			StoreID: fmt.Sprintf("S%d", 1+rng.IntN(3)), TerminalID: fmt.Sprintf("T%d", 1+rng.IntN(2)),
			SourceType: []string{"barcode_alipay", "promptpay"}[rng.IntN(2)],
			CreatedAt:  start.Add(time.Duration(i) * 4 * time.Hour)}
		cs = append(cs, c)
	}
	putListCharges(t, d, cs...)
	// Changes after the fact go through the daily rollup's updates.
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		for i, c := range cs {
			old := *c
			switch i % 4 {
			case 0, 1:
				c.Status, c.Fee, c.FeeVat = "successful", c.Amount*365/10000, c.Amount*365/10000*7/100
				c.Net = c.Amount - c.Fee - c.FeeVat
				if i%8 == 0 {
					c.RefundedAmount = c.Amount / 2
				}
			case 2:
				c.Status = "failed"
			}
			if err := PutChargeTx(ctx, tx, &old, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		for _, f := range []ChargeFilter{
			{},
			{FromDay: "2025-02-01", ToDay: "2025-03-31"},
			{FromDay: "2025-01-25", ToDay: "2025-03-10"},
			{FromDay: "2025-02-14"},
			{ToDay: "2025-02-27"},
			{FromDay: "2025-02-03", ToDay: "2025-02-20"},
			{StoreID: "S2", FromDay: "2025-01-31", ToDay: "2025-04-01"},
			{Stores: []string{"S1", "S3"}},
			{SourceTypes: []string{"promptpay"}, ToDay: "2025-03-31"},
			{Statuses: []string{"successful"}, FromDay: "2025-02-01"},
		} {
			if f.FromDay != "" {
				f.From, _ = time.Parse("2006-01-02", f.FromDay)
				f.From = f.From.Add(-7 * time.Hour)
			}
			if f.ToDay != "" {
				f.To, _ = time.Parse("2006-01-02", f.ToDay)
				f.To = f.To.Add(17 * time.Hour)
			}
			got, err := d.ChargeTotals(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := d.scanChargeTotals(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%s, filter %+v:\n rollup %+v\n charges %+v", when, f, got, want)
			}
		}
	}
	check("kept by the rollup")
	if err := d.RebuildDailyTotals(ctx); err != nil {
		t.Fatal(err)
	}
	check("after a rebuild")
}

// BenchmarkChargeTotalsUnfiltered is the totals of the charge list's
// default view (every store, no dates) over a year of 100,000 charges at
// 5 stores × 20 terminals: a few rows per month and store from the month
// rollup, against every day × terminal row of the daily one before it.
func BenchmarkChargeTotalsUnfiltered(b *testing.B) {
	ctx := context.Background()
	d, err := Open(ctx, b.TempDir()+"/totals.db")
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 100000
	err = d.SeedCharges(ctx, n, func(i int, c *Charge) {
		c.ID = fmt.Sprintf("chrg_test_b%08d", i)
		c.Amount, c.Status = int64(2000+rng.IntN(90000)), "successful"
		c.CreatedAt = start.Add(time.Duration(i) * (365 * 24 * time.Hour / n))
		c.BkkDay = c.CreatedAt.Add(7 * time.Hour).Format("2006-01-02")
		c.StoreID, c.TerminalID = fmt.Sprintf("S%d", rng.IntN(5)), fmt.Sprintf("T%02d", rng.IntN(20))
		c.SourceType = "barcode_alipay"
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("month-rollup", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := d.ChargeTotals(ctx, ChargeFilter{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	// What the same totals cost from the daily rollup alone.
	b.Run("daily-rollup", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := d.sumRollup(ctx, "daily_totals", nil, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
