package handlers_test

import (
	"context"
	"database/sql"
	"net/http"
	"testing"
	"time"

	"instore/db"
	"instore/omise"
)

// TestRefundFirstStepNeverRefunds: the refund form's first step (no
// confirm) moves no money even when the amount is above what the page
// offers only because an earlier request's outcome is still unknown. The
// refund service settles such a request (Omise never made it) before its
// checks, which frees its amount: a first step sent on to the service
// would then refund without the question ever being asked.
func TestRefundFirstStepNeverRefunds(t *testing.T) {
	e := newBOEnv(t)
	ctx := context.Background()
	ch := e.charge("store_1", "T1", 50000, omise.StatusSuccessful)
	// A request Omise never received, written long enough ago that the
	// next look concludes it was never made.
	old := e.clock.Now().UTC().Add(-10 * time.Minute)
	if err := e.db.Tx(ctx, func(tx *sql.Tx) error {
		return db.InsertRefundRequestTx(ctx, tx, &db.RefundRequest{IdempotencyKey: "lost-request-0001", ChargeID: ch.ID,
			Amount: 30000, Reason: "other", Username: "manager", Status: db.RefundRequestInFlight, CreatedAt: old, UpdatedAt: old})
	}); err != nil {
		t.Fatal(err)
	}
	m := e.login("manager")
	path := "/charges/" + ch.ID
	_, page := m.get(path)
	first := refundForm("400.00", "requested_by_customer", formKey(page))
	first.Del("confirm")
	code, body := m.post(path+"/refunds", first)
	if n := e.sim.Stats().RefundsCreated; n != 0 {
		t.Fatalf("the first step made %d refunds (answer %d)", n, code)
	}
	if code == http.StatusSeeOther {
		t.Fatalf("the first step answered as a refund made: %.300s", body)
	}
	ours, _ := e.db.GetCharge(ctx, ch.ID)
	if ours.RefundedAmount != 0 {
		t.Fatalf("refunded %d after the first step", ours.RefundedAmount)
	}
}
