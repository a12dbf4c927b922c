package payments

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"instore/db"
	"instore/omise"
	"instore/omise/sim"
)

// itemKinds renders a run's differences as "charge:kind" sorted, for comparison.
func itemKinds(t *testing.T, d *db.DB, runID int64, names map[string]string) []string {
	t.Helper()
	items, err := d.ListReconcileItems(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range items {
		n := names[it.ChargeID]
		if n == "" {
			n = it.ChargeID
		}
		out = append(out, n+":"+it.Kind)
	}
	sort.Strings(out)
	return out
}

func runReconcile(t *testing.T, r *Reconciler, from, to string) *db.ReconcileRun {
	t.Helper()
	ctx := context.Background()
	run, err := r.StartIn(ctx, Actor{Username: "fin", Role: "finance"}, "", nil, from, to)
	if err != nil {
		t.Fatal(err)
	}
	r.Wait()
	got, err := r.svc.DB.GetReconcileRun(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != db.ReconcileDone {
		t.Fatalf("run %+v", got)
	}
	return got
}

func TestReconcileFindsPlantedDifferencesAndResyncFixesThem(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, clock := financeEnv(t, ict("2025-03-01", 9, 0, 0))
	day := "2025-03-01"

	ok := saleAt(t, e, clock, ict(day, 9, 0, 0), "POS-01", 10000, omise.StatusSuccessful)
	// Charge made at Omise that never reached us (another till, a lost answer).
	clock.Set(ict(day, 10, 0, 0))
	lost, err := e.client.CreateCharge(ctx, omise.CreateChargeParams{Amount: 4200, Currency: "THB",
		InlineSource: &omise.CreateSourceParams{Type: omise.SourceBarcodeAlipay, Barcode: "2810000000000000123", StoreID: "store_1234", TerminalID: "POS-02"}})
	if err != nil {
		t.Fatal(err)
	}
	// A pending charge Omise completed without telling us.
	quiet := saleAt(t, e, clock, ict(day, 11, 0, 0), "POS-01", 6000, omise.StatusPending)
	if err := e.sim.ForceStatus(quiet, omise.StatusSuccessful, ""); err != nil {
		t.Fatal(err)
	}
	// A refund made at Omise's dashboard we never heard of.
	refunded := saleAt(t, e, clock, ict(day, 12, 0, 0), "POS-01", 8000, omise.StatusSuccessful)
	if _, err := e.sim.RefundQuietly(refunded, 3000); err != nil {
		t.Fatal(err)
	}
	// A charge only we have (Omise's test data was reset, or a forged row).
	clock.Set(ict(day, 13, 0, 0))
	ghost := &omise.Charge{ID: "chrg_test_ghost0000000000000", Amount: 2500, Currency: "THB", Status: omise.StatusSuccessful,
		CreatedAt: ict(day, 13, 0, 0), Metadata: map[string]any{MetaStoreID: "store_1234", MetaTerminalID: "POS-03"}}
	if _, err := e.svc.ApplyCharge(ctx, ghost); err != nil {
		t.Fatal(err)
	}
	// A charge of the next Bangkok day is not part of this range.
	saleAt(t, e, clock, ict("2025-03-02", 0, 0, 0), "POS-01", 9900, omise.StatusSuccessful)

	clock.Set(ict("2025-03-03", 9, 0, 0))
	r := NewReconciler(ctx, e.svc)
	run := runReconcile(t, r, day, day)
	names := map[string]string{ok: "ok", lost.ID: "lost", quiet: "quiet", refunded: "refunded", ghost.ID: "ghost"}
	got := itemKinds(t, e.svc.DB, run.ID, names)
	want := "[ghost:missing_at_omise lost:missing_here quiet:status refunded:refund_missing_here refunded:refunded]"
	if fmt.Sprint(got) != want {
		t.Fatalf("differences\n got %v\nwant %s", got, want)
	}
	if run.OmiseSeen != 4 || run.LocalSeen != 4 || run.DaysDone != 1 || run.Differences != len(got) {
		t.Fatalf("run counts %+v (items %v)", run, got)
	}

	sum, err := e.svc.ResyncRun(ctx, Actor{Username: "fin", Role: "finance"}, run.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if sum.Counts[ResyncFixed] != 3 || sum.Counts[ResyncNotFound] != 1 {
		t.Fatalf("resync %+v", sum.Counts)
	}
	items, _ := e.svc.DB.ListReconcileItems(ctx, run.ID)
	for _, it := range items {
		if it.ResyncResult == "" || it.ResyncedAt == nil {
			t.Fatalf("item not marked: %+v", it)
		}
	}
	audit, _ := e.svc.DB.ListAudit(ctx, db.AuditFilter{Action: "reconcile.resync"})
	if len(audit) != 4 {
		t.Fatalf("audit rows %d", len(audit))
	}

	// A second run finds only what re-syncing cannot fix.
	again := runReconcile(t, r, day, day)
	if got := itemKinds(t, e.svc.DB, again.ID, names); fmt.Sprint(got) != "[ghost:missing_at_omise]" {
		t.Fatalf("after re-sync: %v", got)
	}
	c, _ := e.svc.DB.GetCharge(ctx, refunded)
	if c.RefundedAmount != 3000 {
		t.Fatalf("refund not imported: %+v", c)
	}
	runs, _ := e.svc.DB.ListReconcileRuns(ctx, db.AllStores, 10)
	if len(runs) != 2 || runs[1].Username != "fin" || runs[1].ResyncedBy != "fin" {
		t.Fatalf("past runs %+v", runs)
	}
}

func TestReconcileRefusesBadRanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, _ := financeEnv(t, ict("2025-03-10", 9, 0, 0))
	r := NewReconciler(ctx, e.svc)
	a := Actor{Username: "fin"}
	for _, c := range []struct {
		from, to string
		want     error
	}{
		{"2025-03-02", "2025-03-01", ErrRangeOrder},
		{"2025-3-1", "2025-03-01", ErrBadDay},
		{"2025-03-11", "2025-03-12", ErrRangeInFuture},
		{"2024-01-01", "2025-03-01", ErrRangeTooLong},
	} {
		if _, err := r.StartIn(ctx, a, "", nil, c.from, c.to); !errors.Is(err, c.want) {
			t.Errorf("%s..%s: %v, want %v", c.from, c.to, err, c.want)
		}
	}
	if runs, _ := e.svc.DB.ListReconcileRuns(ctx, db.AllStores, 10); len(runs) != 0 {
		t.Fatalf("refused ranges stored runs: %+v", runs)
	}
}

func TestReconcilePaginatesOmiseLists(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, clock := financeEnv(t, ict("2025-03-01", 8, 0, 0))
	day := "2025-03-01"
	// 230 charges: three pages of 100; every other one never reached us.
	for i := 0; i < 230; i++ {
		clock.Set(ict(day, 8, i/60, i%60))
		oc, err := e.client.CreateCharge(ctx, omise.CreateChargeParams{Amount: 2000 + int64(i), Currency: "THB",
			InlineSource: &omise.CreateSourceParams{Type: omise.SourceBarcodeAlipay, Barcode: "2810000000000000123", StoreID: "s", TerminalID: "T"}})
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if _, err := e.svc.ApplyCharge(ctx, oc); err != nil {
				t.Fatal(err)
			}
		}
	}
	clock.Set(ict("2025-03-02", 9, 0, 0))
	run := runReconcile(t, NewReconciler(ctx, e.svc), day, day)
	if run.OmiseSeen != 230 || run.LocalSeen != 115 || run.Differences != 115 {
		t.Fatalf("run %+v", run)
	}
}

func TestReconcileRunFailsCleanlyAndOneRunPerRange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, clock := financeEnv(t, ict("2025-03-01", 9, 0, 0))
	saleAt(t, e, clock, ict("2025-03-01", 9, 0, 0), "POS-01", 5000, omise.StatusSuccessful)
	clock.Set(ict("2025-03-02", 9, 0, 0))
	r := NewReconciler(ctx, e.svc)
	isList := func(req *http.Request) bool { return req.Method == http.MethodGet && req.URL.Path == "/charges" }

	// Omise slow: a second start of the same range finds the running run.
	e.sim.SetFaults(sim.Faults{Latency: 300 * time.Millisecond, Match: isList})
	a := Actor{Username: "fin"}
	first, err := r.StartIn(ctx, a, "", nil, "2025-03-01", "2025-03-01")
	if err != nil {
		t.Fatal(err)
	}
	second, err := r.StartIn(ctx, a, "", nil, "2025-03-01", "2025-03-01")
	if !errors.Is(err, db.ErrReconcileRunning) || second.ID != first.ID {
		t.Fatalf("second start: %+v %v", second, err)
	}
	if _, err := e.svc.ResyncRun(ctx, a, first.ID, ""); !errors.Is(err, db.ErrReconcileRunning) {
		t.Fatalf("re-sync of a running run: %v", err)
	}
	r.Wait()

	// Omise down: the run ends failed with a safe error, nothing half-done hides it.
	e.sim.SetFaults(sim.Faults{FailNext5xx: 1000, Match: isList})
	run, err := r.StartIn(ctx, a, "", nil, "2025-03-01", "2025-03-01")
	if err != nil {
		t.Fatal(err)
	}
	r.Wait()
	got, _ := e.svc.DB.GetReconcileRun(ctx, run.ID)
	if got.Status != db.ReconcileFailed || !strings.HasPrefix(got.Error, "omise: ") || got.FinishedAt == nil {
		t.Fatalf("failed run %+v", got)
	}
	e.sim.SetFaults(sim.Faults{})

	// A restart marks a run left running as failed.
	stale := &db.ReconcileRun{FromDay: "2025-02-01", ToDay: "2025-02-01", StartedAt: clock.Now(), DaysTotal: 1}
	if _, err := e.svc.DB.CreateReconcileRun(ctx, stale); err != nil {
		t.Fatal(err)
	}
	NewReconciler(ctx, e.svc)
	if got, _ := e.svc.DB.GetReconcileRun(ctx, stale.ID); got.Status != db.ReconcileFailed {
		t.Fatalf("stale run %+v", got)
	}
}
