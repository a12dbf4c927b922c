package payments

import (
	"context"
	"database/sql"
	"testing"

	"instore/db"
	"instore/omise"
)

// A refund counts in the report of the day it was made, whichever day its
// charge was made; a run over that day must find a refund Omise made then
// that we never stored, also when the charge is of an earlier day, and a
// refund we hold for that day that Omise does not list.
func TestReconcileFindsRefundsOfTheRunsDaysOfOlderCharges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, clock := financeEnv(t, ict("2025-02-28", 9, 0, 0))
	old := saleAt(t, e, clock, ict("2025-02-28", 23, 59, 59), "POS-01", 10000, omise.StatusSuccessful)
	other := saleAt(t, e, clock, ict("2025-02-27", 12, 0, 0), "POS-02", 8000, omise.StatusSuccessful)

	// Refunded from Omise's dashboard on 5 March: no webhook, no sync.
	clock.Set(ict("2025-03-05", 0, 0, 0))
	if _, err := e.sim.RefundQuietly(old, 2500); err != nil {
		t.Fatal(err)
	}
	// A refund we hold on 5 March that Omise has no record of.
	err := e.svc.DB.Tx(ctx, func(tx *sql.Tx) error {
		_, err := db.PutRefundTx(ctx, tx, &db.Refund{ID: "rfnd_test_ghost00000000000000", ChargeID: other, Amount: 1000,
			Currency: "THB", Status: "closed", Metadata: "{}", CreatedAt: ict("2025-03-05", 10, 0, 0).UTC(),
			BkkDay: "2025-03-05", UpdatedAt: ict("2025-03-05", 10, 0, 0).UTC()}, "store_1234", "POS-02")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	rep, err := e.svc.DailyReport(ctx, db.FinanceFilter{FromDay: "2025-03-05", ToDay: "2025-03-05"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Totals.Refunds != 1000 {
		t.Fatalf("report refunds %d", rep.Totals.Refunds)
	}

	clock.Set(ict("2025-03-06", 9, 0, 0))
	run := runReconcile(t, NewReconciler(ctx, e.svc), "2025-03-05", "2025-03-05")
	items, err := e.svc.DB.ListReconcileItems(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*db.ReconcileItem{}
	for _, it := range items {
		got[it.ChargeID+":"+it.Kind] = it
	}
	if it := got[old+":"+db.DiffRefundMissingHere]; it == nil || it.Theirs != "2500" || it.BkkDay != "2025-03-05" ||
		it.StoreID != "store_1234" || it.TerminalID != "POS-01" {
		t.Fatalf("Omise's refund of an older charge is not flagged: %+v", items)
	}
	if it := got[other+":"+db.DiffRefundMissingAtOmise]; it == nil || it.Ours != "1000" || it.Detail != "rfnd_test_ghost00000000000000" {
		t.Fatalf("our refund Omise does not list is not flagged: %+v", items)
	}
	if len(items) != 2 {
		t.Fatalf("items %+v", items)
	}
}
