package db

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// sumMethodRows adds up ListDailyMethodRows per day, the way a report's
// method lines must add up to its day.
func sumMethodRows(rows []DailyRow) map[string]DailyRow {
	out := map[string]DailyRow{}
	for i := range rows {
		r := out[rows[i].Day]
		r.Add(&rows[i])
		out[rows[i].Day] = r
	}
	return out
}

// sumDayRows adds up ListDailyRows (per terminal) per day.
func sumDayRows(rows []DailyRow) map[string]DailyRow {
	out := map[string]DailyRow{}
	for i := range rows {
		r := out[rows[i].Day]
		r.Add(&rows[i])
		out[rows[i].Day] = r
	}
	return out
}

func TestDailyRollupSplitsByMethod(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openReportsDB(t)
	at := time.Date(2025, 3, 1, 5, 0, 0, 0, time.UTC)
	if _, err := d.W.ExecContext(ctx, `INSERT INTO stores (store_id, store_name, created_at, updated_at)
		VALUES ('s1', 'Shop', 'x', 'x')`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.W.ExecContext(ctx, `INSERT INTO terminals (store_id, terminal_id, created_at, updated_at)
		VALUES ('s1', 'T1', 'x', 'x')`); err != nil {
		t.Fatal(err)
	}
	ali := reportCharge("chrg_ali", "successful", "2025-03-01", "s1", "T1", at, 10000, 365, 26)
	ali.SourceType = "barcode_alipay"
	pp := reportCharge("chrg_pp", "pending", "2025-03-01", "s1", "T1", at, 15000, 0, 0)
	pp.SourceType = "promptpay"
	putCharge(t, d, nil, ali)
	putCharge(t, d, nil, pp)
	paid := *pp
	paid.Status, paid.Fee, paid.FeeVat, paid.Net = "successful", 248, 17, 15000-248-17
	putCharge(t, d, pp, &paid)
	plus := reportCharge("chrg_plus", "failed", "2025-03-01", "s1", "T2", at, 3000, 0, 0)
	plus.SourceType = "alipayplus_upm"
	putCharge(t, d, nil, plus)
	// A PromptPay refund the next day counts under PromptPay on that day.
	if err := d.Tx(ctx, func(tx *sql.Tx) error {
		_, err := PutRefundTx(ctx, tx, &Refund{ID: "rfnd_pp", ChargeID: "chrg_pp", Amount: 5000, Currency: "THB",
			Status: "closed", Metadata: "{}", CreatedAt: at.Add(24 * time.Hour), BkkDay: "2025-03-02", UpdatedAt: at}, "s1", "T1")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	f := FinanceFilter{FromDay: "2025-03-01", ToDay: "2025-03-31"}
	check := func(when string) {
		t.Helper()
		methods, err := d.ListDailyMethodRows(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		want := []DailyRow{
			{Day: "2025-03-01", SourceType: "alipayplus_upm", FailedCount: 1},
			{Day: "2025-03-01", SourceType: "barcode_alipay", SuccessfulCount: 1, Gross: 10000, Fee: 365, FeeVat: 26, Net: 9609},
			{Day: "2025-03-01", SourceType: "promptpay", SuccessfulCount: 1, Gross: 15000, Fee: 248, FeeVat: 17, Net: 14735},
			{Day: "2025-03-02", SourceType: "promptpay", RefundCount: 1, Refunds: 5000},
		}
		if !reflect.DeepEqual(methods, want) {
			t.Fatalf("%s: method rows\n got %+v\nwant %+v", when, methods, want)
		}
		terms, err := d.ListDailyRows(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		// One row per terminal still, its methods summed.
		if len(terms) != 3 || terms[0].Gross != 25000 || terms[0].SuccessfulCount != 2 || terms[1].FailedCount != 1 {
			t.Fatalf("%s: terminal rows %+v", when, terms)
		}
		if byMethod, byTerm := sumMethodRows(methods), sumDayRows(terms); !reflect.DeepEqual(byMethod, byTerm) {
			t.Fatalf("%s: methods do not add up to the days:\n%+v\n%+v", when, byMethod, byTerm)
		}
		pf := ChargeFilter{SourceTypes: []string{"promptpay"}, FromDay: "2025-03-01", ToDay: "2025-03-01"}
		roll, err := d.rollupChargeTotals(ctx, pf)
		if err != nil {
			t.Fatal(err)
		}
		scan, err := d.scanChargeTotals(ctx, ChargeFilter{SourceTypes: []string{"promptpay"}})
		if err != nil {
			t.Fatal(err)
		}
		if roll != scan || roll.Amount != 15000 || roll.Count != 1 {
			t.Fatalf("%s: promptpay totals rollup %+v scan %+v", when, roll, scan)
		}
		tile, err := d.BoardTileFor(ctx, "s1", "T1", "2025-03-01")
		if err != nil || tile.TodaySales != 2 || tile.TodayGross != 25000 {
			t.Fatalf("%s: board tile %+v %v", when, tile, err)
		}
	}
	check("kept row by row")
	if err := d.RebuildDailyTotals(ctx); err != nil {
		t.Fatal(err)
	}
	check("rebuilt")

	page, _, err := d.ListCharges(ctx, ChargeFilter{SourceTypes: []string{"promptpay", "alipayplus_upm"}})
	if err != nil || len(page) != 2 || page[0].SourceType == "barcode_alipay" || page[1].SourceType == "barcode_alipay" {
		t.Fatalf("method filter: %+v %v", page, err)
	}
	lines, err := d.ListZLines(ctx, FinanceFilter{FromDay: "2025-03-01", TerminalID: "T1"})
	if err != nil || len(lines) != 2 || lines[0].SourceType != "barcode_alipay" || lines[1].SourceType != "promptpay" {
		t.Fatalf("z lines %+v %v", lines, err)
	}
	refunds, err := d.ListDayRefunds(ctx, FinanceFilter{FromDay: "2025-03-02"})
	if err != nil || len(refunds) != 1 || refunds[0].SourceType != "promptpay" {
		t.Fatalf("day refunds %+v %v", refunds, err)
	}
}

// TestDailyMethodMigrationBackfills writes charges, refunds and their rollup
// as the schema before 0012 kept them, migrates, and checks that the
// rollup, now by method, holds the same totals per terminal and that each
// day's methods add up to the day.
func TestDailyMethodMigrationBackfills(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	mustExec := func(q string, args ...any) {
		t.Helper()
		if _, err := raw.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	mustExec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`)
	for _, m := range ms {
		if m.version >= 12 {
			break
		}
		mustExec(m.sql)
		mustExec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, 'x')`, m.version, m.name)
	}
	const at = "2026-01-01T03:00:00.000000Z"
	types := []string{"barcode_alipay", "promptpay", "alipayplus_upm"}
	statuses := []string{"successful", "pending", "failed", "expired", "successful"}
	for i := 0; i < 60; i++ {
		day := fmt.Sprintf("2026-01-%02d", 1+i%3)
		status := statuses[i%len(statuses)]
		feeKnown := i%7 != 0
		refunded := 0
		if status == "successful" && i%4 == 0 {
			refunded = 1000
		}
		mustExec(`INSERT INTO charges (id, amount, currency, status, fee, fee_vat, net, refunded_amount, source_type,
  store_id, terminal_id, metadata, created_at, bkk_day, updated_at, synced_at, fee_known)
VALUES (?, ?, 'THB', ?, 100, 7, ?, ?, ?, 's1', ?, '{}', ?, ?, ?, ?, ?)`, fmt.Sprintf("chrg_%02d", i), 2000+i*100,
			status, 2000+i*100-107, refunded, types[i%3], []string{"T1", "T2"}[i%2], at, day, at, at, feeKnown)
		if refunded > 0 {
			mustExec(`INSERT INTO refunds (`+refundColumns+`) VALUES (?, ?, 1000, 'THB', 'closed', 0, '', '', '', '', '{}', ?, ?, ?)`,
				fmt.Sprintf("rfnd_%02d", i), fmt.Sprintf("chrg_%02d", i), at, "2026-01-03", at)
		}
	}
	// The old rollup, as the application kept it then.
	mustExec(`INSERT INTO daily_totals (bkk_day, store_id, terminal_id, pending_count, successful_count, failed_count,
  expired_count, gross, fee, fee_vat, net, refund_count, refunds, charges_refunded, fee_unknown_count, fee_unknown_gross)
SELECT bkk_day, store_id, terminal_id, SUM(p), SUM(ok), SUM(f), SUM(e), SUM(g), SUM(fe), SUM(v), SUM(n), SUM(rc),
  SUM(r), SUM(cr), SUM(u), SUM(ug) FROM (
  SELECT bkk_day, store_id, terminal_id, status = 'pending' AS p, status = 'successful' AS ok, status = 'failed' AS f,
    status = 'expired' AS e, CASE WHEN status = 'successful' THEN amount ELSE 0 END AS g,
    CASE WHEN status = 'successful' AND fee_known THEN fee ELSE 0 END AS fe,
    CASE WHEN status = 'successful' AND fee_known THEN fee_vat ELSE 0 END AS v,
    CASE WHEN status = 'successful' AND fee_known THEN net ELSE 0 END AS n, 0 AS rc, 0 AS r, refunded_amount AS cr,
    status = 'successful' AND NOT fee_known AS u,
    CASE WHEN status = 'successful' AND NOT fee_known THEN amount ELSE 0 END AS ug
  FROM charges
  UNION ALL SELECT r.bkk_day, c.store_id, c.terminal_id, 0, 0, 0, 0, 0, 0, 0, 0, 1, r.amount, 0, 0, 0
  FROM refunds r JOIN charges c ON c.id = r.charge_id
) GROUP BY bkk_day, store_id, terminal_id`)
	f := FinanceFilter{FromDay: "2026-01-01", ToDay: "2026-01-31"}
	var before []DailyRow
	rows, err := raw.QueryContext(ctx, `SELECT bkk_day, store_id, terminal_id, pending_count, successful_count,
  failed_count, expired_count, gross, fee, fee_vat, net, refund_count, refunds, fee_unknown_count, fee_unknown_gross
FROM daily_totals ORDER BY bkk_day, store_id, terminal_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var r DailyRow
		if err := rows.Scan(&r.Day, &r.StoreID, &r.TerminalID, &r.PendingCount, &r.SuccessfulCount, &r.FailedCount,
			&r.ExpiredCount, &r.Gross, &r.Fee, &r.FeeVat, &r.Net, &r.RefundCount, &r.Refunds, &r.FeeUnknownCount,
			&r.FeeUnknownGross); err != nil {
			t.Fatal(err)
		}
		before = append(before, r)
	}
	rows.Close()
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}

	d, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	after, err := d.ListDailyRows(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(after, before) {
		t.Fatalf("per terminal after the migration:\n got %+v\nwant %+v", after, before)
	}
	methods, err := d.ListDailyMethodRows(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, m := range methods {
		seen[m.SourceType] = true
	}
	if len(seen) != 3 {
		t.Fatalf("methods after the migration: %+v", methods)
	}
	if byMethod, byDay := sumMethodRows(methods), sumDayRows(after); !reflect.DeepEqual(byMethod, byDay) {
		t.Fatalf("methods do not add up to the days:\n%+v\n%+v", byMethod, byDay)
	}
	var total ChargeTotals
	if total, err = d.rollupChargeTotals(ctx, ChargeFilter{}); err != nil {
		t.Fatal(err)
	}
	if scan, err := d.scanChargeTotals(ctx, ChargeFilter{}); err != nil || scan != total {
		t.Fatalf("totals after the migration: rollup %+v scan %+v %v", total, scan, err)
	}
}
