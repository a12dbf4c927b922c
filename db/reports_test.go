package db

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"testing"
	"time"
)

func openReportsDB(t *testing.T) *DB {
	t.Helper()
	return openTestDB(t)
}

// putCharge stores c as new (old nil) or as a change of old.
func putCharge(t *testing.T, d *DB, old, c *Charge) {
	t.Helper()
	if err := d.Tx(context.Background(), func(tx *sql.Tx) error { return PutChargeTx(context.Background(), tx, old, c) }); err != nil {
		t.Fatal(err)
	}
}

func reportCharge(id, status, day, store, term string, at time.Time, amount, fee, vat int64) *Charge {
	return &Charge{ID: id, Amount: amount, Currency: "THB", Status: status, Fee: fee, FeeVat: vat, Net: amount - fee - vat,
		StoreID: store, TerminalID: term, Metadata: "{}", CreatedAt: at, BkkDay: day, UpdatedAt: at, SyncedAt: at}
}

func TestDailyRowsFollowChargesAndRefunds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openReportsDB(t)
	at := time.Date(2025, 3, 1, 5, 0, 0, 0, time.UTC)
	if _, err := d.W.ExecContext(ctx, `INSERT INTO stores (store_id, store_name, created_at, updated_at)
		VALUES ('s1', 'ร้านกาแฟ', 'x', 'x')`); err != nil {
		t.Fatal(err)
	}
	a := reportCharge("chrg_a", "pending", "2025-03-01", "s1", "T1", at, 10000, 0, 0)
	putCharge(t, d, nil, a)
	a2 := *a
	a2.Status, a2.Fee, a2.FeeVat, a2.Net = "successful", 365, 26, 10000-365-26
	putCharge(t, d, a, &a2)
	putCharge(t, d, nil, reportCharge("chrg_b", "failed", "2025-03-01", "s1", "T1", at, 5000, 0, 0))
	putCharge(t, d, nil, reportCharge("chrg_c", "expired", "2025-03-01", "s1", "T2", at, 7000, 0, 0))
	putCharge(t, d, nil, reportCharge("chrg_d", "pending", "2025-03-02", "s1", "T1", at.Add(24*time.Hour), 3000, 0, 0))
	// A refund made the next day counts on the next day.
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		_, err := PutRefundTx(ctx, tx, &Refund{ID: "rfnd_1", ChargeID: "chrg_a", Amount: 2500, Currency: "THB",
			Status: "closed", Metadata: "{}", CreatedAt: at.Add(24 * time.Hour), BkkDay: "2025-03-02", UpdatedAt: at}, "s1", "T1")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := d.ListDailyRows(ctx, FinanceFilter{FromDay: "2025-03-01", ToDay: "2025-03-31"})
	if err != nil {
		t.Fatal(err)
	}
	want := []DailyRow{
		{Day: "2025-03-01", StoreID: "s1", StoreName: "ร้านกาแฟ", TerminalID: "T1", SuccessfulCount: 1, FailedCount: 1,
			Gross: 10000, Fee: 365, FeeVat: 26, Net: 9609},
		{Day: "2025-03-01", StoreID: "s1", StoreName: "ร้านกาแฟ", TerminalID: "T2", ExpiredCount: 1},
		{Day: "2025-03-02", StoreID: "s1", StoreName: "ร้านกาแฟ", TerminalID: "T1", PendingCount: 1, RefundCount: 1, Refunds: 2500},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("rows:\n got %+v\nwant %+v", rows, want)
	}
	if got := rows[2].NetAfterRefunds(); got != -2500 {
		t.Fatalf("net after refunds = %d", got)
	}
	only, _ := d.ListDailyRows(ctx, FinanceFilter{FromDay: "2025-03-01", ToDay: "2025-03-01", StoreID: "s1", TerminalID: "T2"})
	if len(only) != 1 || only[0].TerminalID != "T2" {
		t.Fatalf("terminal filter: %+v", only)
	}
	none, _ := d.ListDailyRows(ctx, FinanceFilter{FromDay: "2025-03-01", ToDay: "2025-03-31", StoreID: "other"})
	if len(none) != 0 {
		t.Fatalf("store filter: %+v", none)
	}

	// Rebuilding the rollup from scratch gives the same rows.
	if err := d.RebuildDailyTotals(ctx); err != nil {
		t.Fatal(err)
	}
	again, _ := d.ListDailyRows(ctx, FinanceFilter{FromDay: "2025-03-01", ToDay: "2025-03-31"})
	if !reflect.DeepEqual(again, want) {
		t.Fatalf("rebuilt:\n got %+v\nwant %+v", again, want)
	}

	terms, err := d.ListReportTerminals(ctx, "")
	if err != nil || len(terms) != 2 || terms[0].StoreName != "ร้านกาแฟ" {
		t.Fatalf("terminals %+v %v", terms, err)
	}
}

func TestZQueries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openReportsDB(t)
	t0 := time.Date(2025, 3, 1, 1, 0, 0, 0, time.UTC)
	putCharge(t, d, nil, reportCharge("chrg_1", "successful", "2025-03-01", "s1", "T1", t0, 10000, 365, 26))
	putCharge(t, d, nil, reportCharge("chrg_2", "successful", "2025-03-01", "s1", "T1", t0.Add(time.Hour), 20000, 730, 51))
	putCharge(t, d, nil, reportCharge("chrg_3", "pending", "2025-03-01", "s1", "T1", t0.Add(2*time.Hour), 4000, 0, 0))
	putCharge(t, d, nil, reportCharge("chrg_4", "successful", "2025-02-28", "s1", "T9", t0.Add(-24*time.Hour), 9000, 0, 0))
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		_, err := PutRefundTx(ctx, tx, &Refund{ID: "rfnd_old", ChargeID: "chrg_4", Amount: 1000, Currency: "THB",
			Metadata: "{}", Status: "closed", CreatedAt: t0, BkkDay: "2025-03-01", UpdatedAt: t0}, "s1", "T9")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f := FinanceFilter{FromDay: "2025-03-01"}
	lines, err := d.ListZLines(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 || lines[1].Status != "successful" || lines[1].Count != 2 || lines[1].Amount != 30000 ||
		lines[1].Fee != 1095 || !lines[1].First.Equal(t0) || !lines[1].Last.Equal(t0.Add(time.Hour)) {
		t.Fatalf("lines %+v", lines)
	}
	refunds, err := d.ListDayRefunds(ctx, f)
	if err != nil || len(refunds) != 1 || refunds[0].TerminalID != "T9" || refunds[0].ChargeDay != "2025-02-28" {
		t.Fatalf("refunds %+v %v", refunds, err)
	}
	pending, err := d.ListDayPending(ctx, f)
	if err != nil || len(pending) != 1 || pending[0].ID != "chrg_3" {
		t.Fatalf("pending %+v %v", pending, err)
	}
}

func TestReconcileRunsAndItems(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openReportsDB(t)
	now := time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC)
	run := &ReconcileRun{FromDay: "2025-03-01", ToDay: "2025-03-02", Username: "fin", StartedAt: now, DaysTotal: 2}
	id, err := d.CreateReconcileRun(ctx, run)
	if err != nil || id == 0 || run.ID != id {
		t.Fatalf("create: %d %v", id, err)
	}
	again := &ReconcileRun{FromDay: "2025-03-01", ToDay: "2025-03-02", StartedAt: now}
	if id2, err := d.CreateReconcileRun(ctx, again); !errors.Is(err, ErrReconcileRunning) || id2 != id {
		t.Fatalf("second start: %d %v", id2, err)
	}
	items := []ReconcileItem{
		{ChargeID: "chrg_x", Kind: DiffMissingHere, Theirs: "5000", CreatedAt: now},
		{ChargeID: "chrg_y", Kind: DiffStatus, Ours: "pending", Theirs: "successful", CreatedAt: now},
	}
	if err := d.AddReconcileItems(ctx, id, items); err != nil {
		t.Fatal(err)
	}
	run.DaysDone, run.OmiseSeen, run.Differences = 1, 7, 2
	if err := d.UpdateReconcileProgress(ctx, run); err != nil {
		t.Fatal(err)
	}
	got, err := d.GetReconcileRun(ctx, id)
	if err != nil || got.DaysDone != 1 || got.OmiseSeen != 7 || got.Status != ReconcileRunning || got.Username != "fin" {
		t.Fatalf("progress %+v %v", got, err)
	}
	fin := now.Add(time.Minute)
	run.Status, run.FinishedAt = ReconcileDone, &fin
	if err := d.FinishReconcileRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	if err := d.SetReconcileResync(ctx, id, "chrg_y", "fixed", fin); err != nil {
		t.Fatal(err)
	}
	list, _ := d.ListReconcileItems(ctx, id)
	if len(list) != 2 || list[1].ResyncResult != "fixed" || list[0].ResyncResult != "" {
		t.Fatalf("items %+v", list)
	}
	// A finished run no longer blocks a new one of the same range.
	if _, err := d.CreateReconcileRun(ctx, again); err != nil {
		t.Fatal(err)
	}
	running, err := d.ListRunningReconcileRuns(ctx)
	if err != nil || len(running) != 1 {
		t.Fatalf("running %+v %v", running, err)
	}
	if ok, err := d.InterruptReconcileRun(ctx, running[0].ID, fin, "restart"); err != nil || !ok {
		t.Fatalf("interrupt %v %v", ok, err)
	}
	runs, _ := d.ListReconcileRuns(ctx, AllStores, 10)
	if len(runs) != 2 || runs[0].Status != ReconcileFailed || runs[0].Error != "restart" {
		t.Fatalf("runs %+v", runs)
	}
}

func TestIterateExportChargesCrossesBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openReportsDB(t)
	// 2.5 batches; every 7 rows share one instant, so the keyset must break ties by id.
	n := exportBatch*2 + exportBatch/2
	fill := `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ? - 1)
		INSERT INTO charges (id, amount, currency, status, store_id, terminal_id, created_at, bkk_day, updated_at, synced_at)
		SELECT printf('chrg_%06d', i), 2000 + i, 'THB', 'successful', CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END, 'T',
		  strftime('%Y-%m-%dT%H:%M:%S', 1740000000 + i / 7, 'unixepoch') || '.000000Z', '2025-02-20', 'x', 'x' FROM s`
	if onPostgres() {
		fill = `INSERT INTO charges (id, amount, currency, status, store_id, terminal_id, created_at, bkk_day, updated_at, synced_at)
		SELECT 'chrg_' || lpad(i::text, 6, '0'), 2000 + i, 'THB', 'successful', CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END, 'T',
		  to_char(to_timestamp(1740000000 + i / 7) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || '.000000Z', '2025-02-20', 'x', 'x'
		FROM generate_series(0, ? - 1) AS i`
	}
	_, err := d.W.ExecContext(ctx, fill, n)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	prev := ""
	err = d.IterateExportCharges(ctx, ChargeFilter{}, func(c *ExportCharge) error {
		key := c.CreatedAt + "|" + c.ID
		if seen[c.ID] || (prev != "" && key >= prev) {
			t.Fatalf("order or duplicate at %s after %s", key, prev)
		}
		seen[c.ID], prev = true, key
		return nil
	})
	if err != nil || len(seen) != n {
		t.Fatalf("exported %d of %d: %v", len(seen), n, err)
	}
	count := 0
	if err := d.IterateExportCharges(ctx, ChargeFilter{StoreID: "b"}, func(c *ExportCharge) error {
		if c.StoreID != "b" {
			t.Fatalf("store filter let %s through", c.StoreID)
		}
		count++
		return nil
	}); err != nil || count != n/2 {
		t.Fatalf("store b: %d, %v", count, err)
	}
}
