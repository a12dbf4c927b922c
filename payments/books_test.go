package payments

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"instore/db"
	"instore/omise"
)

func TestDisplayStateAndLastRefundDay(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		status           string
		amount, refunded int64
		want             string
	}{
		{"successful", 10000, 0, "successful"}, {"successful", 10000, 1, StatePartiallyRefunded},
		{"successful", 10000, 9999, StatePartiallyRefunded}, {"successful", 10000, 10000, StateRefunded},
		{"pending", 10000, 0, "pending"}, {"failed", 10000, 0, "failed"}, {"expired", 10000, 0, "expired"},
	} {
		if got := DisplayState(c.status, c.amount, c.refunded); got != c.want {
			t.Errorf("%s %d/%d: %s, want %s", c.status, c.refunded, c.amount, got, c.want)
		}
	}
	// Paid 23:30 ICT on 1 March 2025: 365 days later is 1 March 2026,
	// 23:30 ICT, so the last whole Bangkok day is 28 February 2026.
	paid := time.Date(2025, 3, 1, 16, 30, 0, 0, time.UTC)
	ch := &db.Charge{Status: "successful", CreatedAt: paid.Add(-time.Minute), PaidAt: &paid}
	if got := LastRefundDay(ch); got != "2026-02-28" {
		t.Fatalf("last refund day %s", got)
	}
	ch.PaidAt = nil // Omise gave no paid_at (2017 shape): the creation time stands in
	if got := LastRefundDay(ch); got != "2026-02-28" {
		t.Fatalf("without paid_at %s", got)
	}
	if got := LastRefundDay(&db.Charge{Status: "pending", CreatedAt: paid}); got != "" {
		t.Fatalf("pending: %q", got)
	}
}

// Our fee unknown while Omise reports one is a fee difference on that
// charge (ours shown as not reported); both unknown is none.
func TestReconcileFlagsUnknownFee(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, clock := financeEnv(t, ict("2025-03-01", 9, 0, 0))
	day := "2025-03-01"
	unknown := saleAt(t, e, clock, ict(day, 9, 0, 0), "POS-01", 10000, omise.StatusSuccessful)
	failed := saleAt(t, e, clock, ict(day, 10, 0, 0), "POS-01", 5000, omise.StatusFailed)
	// As if both were read from a server that sent no fee.
	for _, id := range []string{unknown, failed} {
		err := e.svc.DB.Tx(ctx, func(tx *sql.Tx) error {
			old, err := db.GetChargeQ(ctx, tx, id)
			if err != nil {
				return err
			}
			c := *old
			c.FeeUnknown, c.Fee, c.FeeVat, c.Net = true, 0, 0, 0
			return db.PutChargeTx(ctx, tx, old, &c)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	clock.Set(ict("2025-03-02", 9, 0, 0))
	r := NewReconciler(ctx, e.svc)
	run, err := r.StartIn(ctx, Actor{Username: "fin", Role: "finance"}, "store_1234", nil, day, day)
	if err != nil {
		t.Fatal(err)
	}
	r.Wait()
	items, _ := e.svc.DB.ListReconcileItems(ctx, run.ID)
	kinds := map[string]db.ReconcileItem{}
	for _, it := range items {
		kinds[it.ChargeID+":"+it.Kind] = *it
		if it.BkkDay != day || it.StoreID != "store_1234" {
			t.Errorf("item %+v", it)
		}
	}
	// A failed charge moved no money: its fee is nobody's business.
	if len(items) != 3 || kinds[unknown+":fee"].Ours != "" || kinds[unknown+":fee"].Theirs != "365" ||
		kinds[unknown+":net"].Theirs != "9609" || kinds[unknown+":fee_vat"].Theirs != "26" {
		t.Fatalf("items %+v", kinds)
	}
	days, _ := e.svc.DB.ListReconcileDays(ctx, run.ID)
	if len(days) != 1 || days[0].Ours.FeeUnknown != 1 || days[0].Theirs.FeeUnknown != 0 || days[0].Ours.Net != 0 ||
		days[0].Theirs.Net != 9609 || days[0].Ours.Count != 2 || days[0].Theirs.Successful != 1 {
		t.Fatalf("days %+v", days)
	}
	if d := DayDiffers(days[0]); len(d) != 4 { // fee, fee_vat, net, fee_unknown
		t.Fatalf("differs %v", d)
	}
}
