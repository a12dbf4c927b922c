package payments_test

import (
	"database/sql"
	"testing"
	"time"

	"github.com/google/uuid"

	"instore/db"
	"instore/omise"
	"instore/omise/sim"
	"instore/payments"
)

func TestUnknownOutcomeResolvedByMetadata(t *testing.T) {
	t.Parallel()
	h := newTillHarness(t, omise.SourceBarcodeAlipay, 300*time.Millisecond)
	h.sim.SetFaults(sim.Faults{TimeoutAfterCommitNext: 1})
	id := uuid.NewString()
	att, err := h.svc.Checkout(h.ctx, tillCashier, h.req(id, tillTerminal, tillCode, 7500))
	if err != nil {
		t.Fatal(err)
	}
	if att.Status != db.AttemptUnknown || att.ChargeID != "" {
		t.Fatalf("after the lost answer: %+v", att)
	}
	if h.charges() != 1 {
		t.Fatalf("the simulator should hold the committed charge, has %d", h.charges())
	}
	// The terminal stays busy while the outcome is unknown.
	if _, err := h.svc.Checkout(h.ctx, tillCashier, h.req(uuid.NewString(), tillTerminal, "281055555555555555", 5000)); err == nil {
		t.Fatal("a second sale was taken while the first one's outcome is unknown")
	}
	if err := h.svc.ResolveUnknownAttempts(h.ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := h.db.GetAttempt(h.ctx, id)
	if got.Status != db.AttemptPending || got.ChargeID == "" {
		t.Fatalf("after resolution: %+v", got)
	}
	c, err := h.db.GetCharge(h.ctx, got.ChargeID)
	if err != nil || c.AttemptID != id || c.Amount != 7500 {
		t.Fatalf("charge = %+v, %v", c, err)
	}
	if h.charges() != 1 || h.sim.Stats().Requests["POST /charges"] != 1 {
		t.Fatal("resolution must never create a charge")
	}
	if _, err := h.sim.MarkPaid(got.ChargeID); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.SyncCharge(h.ctx, got.ChargeID); err != nil {
		t.Fatal(err)
	}
	got, _ = h.db.GetAttempt(h.ctx, id)
	if got.Status != db.AttemptSuccessful {
		t.Fatalf("after payment: %+v", got)
	}
}

func TestUnknownWithoutChargeFailsAfterGrace(t *testing.T) {
	t.Parallel()
	h := newTillHarness(t, omise.SourceBarcodeAlipay, 0)
	h.sim.SetFaults(sim.Faults{FailNext5xx: 1, Match: isChargeCreate})
	id := uuid.NewString()
	att, err := h.svc.Checkout(h.ctx, tillCashier, h.req(id, tillTerminal, tillCode, 5000))
	if err != nil || att.Status != db.AttemptUnknown {
		t.Fatalf("attempt %+v, %v", att, err)
	}
	// Within the grace period nothing is concluded.
	if err := h.svc.ResolveUnknownAttempts(h.ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := h.db.GetAttempt(h.ctx, id); got.Status != db.AttemptUnknown {
		t.Fatalf("concluded too early: %+v", got)
	}
	h.svc.Now = func() time.Time { return time.Now().Add(3 * time.Minute) }
	if err := h.svc.ResolveUnknownAttempts(h.ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := h.db.GetAttempt(h.ctx, id)
	if got.Status != db.AttemptFailed || got.ErrorCode != payments.CodeNoCharge || got.ResolvedAt == nil {
		t.Fatalf("after grace: %+v", got)
	}
	if m := outcome(got); m.Code != payments.CodeNoCharge || m.TH == "" {
		t.Fatalf("message = %+v", m)
	}
	if len(h.changes.forAttempt(id)) == 0 {
		t.Fatal("no live change published for the attempt")
	}
}

func TestAbandonedCreatingAttemptIsLookedUp(t *testing.T) {
	t.Parallel()
	h := newTillHarness(t, omise.SourceBarcodeAlipay, 0)
	id := uuid.NewString()
	old := time.Now().Add(-5 * time.Minute)
	err := h.db.Tx(h.ctx, func(tx *sql.Tx) error {
		return db.InsertAttemptTx(h.ctx, tx, &db.Attempt{AttemptID: id, StoreID: tillStore, TerminalID: tillTerminal,
			Cashier: "cashier", Amount: 5000, Currency: "THB", SourceType: omise.SourceBarcodeAlipay,
			BarcodeMasked: "28••1234", BarcodeHash: "x", Status: db.AttemptCreating, CreatedAt: old, UpdatedAt: old})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.svc.ResolveUnknownAttempts(h.ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := h.db.GetAttempt(h.ctx, id)
	if got.Status != db.AttemptFailed || got.ErrorCode != payments.CodeNoCharge {
		t.Fatalf("abandoned attempt = %+v", got)
	}
}

func TestExpireStaleTillCharges(t *testing.T) {
	t.Parallel()
	h := newTillHarness(t, omise.SourceBarcodeAlipay, 0)
	att, err := h.svc.Checkout(h.ctx, tillCashier, h.req(uuid.NewString(), tillTerminal, tillCode, 5000))
	if err != nil {
		t.Fatal(err)
	}
	paidAtt, err := h.svc.Checkout(h.ctx, tillCashier, h.req(uuid.NewString(), tillTerminal2, "281066666666666666", 5000))
	if err != nil {
		t.Fatal(err)
	}
	// Not yet due.
	if err := h.svc.ExpireStaleTillCharges(h.ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := h.db.GetAttempt(h.ctx, att.AttemptID); got.Status != db.AttemptPending {
		t.Fatalf("expired too early: %+v", got)
	}
	// The second customer pays just before the timeout; nobody told us yet.
	if _, err := h.sim.MarkPaid(paidAtt.ChargeID); err != nil {
		t.Fatal(err)
	}
	h.svc.Now = func() time.Time { return time.Now().Add(91 * time.Second) }
	if err := h.svc.ExpireStaleTillCharges(h.ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := h.db.GetAttempt(h.ctx, att.AttemptID); got.Status != db.AttemptExpired {
		t.Fatalf("after timeout: %+v", got)
	}
	if got, _ := h.db.GetAttempt(h.ctx, paidAtt.AttemptID); got.Status != db.AttemptSuccessful {
		t.Fatalf("paid sale after timeout: %+v", got)
	}
}

func TestCancelRacingPaymentShowsPaid(t *testing.T) {
	t.Parallel()
	h := newTillHarness(t, omise.SourceBarcodeAlipay, 0)
	att, err := h.svc.Checkout(h.ctx, tillCashier, h.req(uuid.NewString(), tillTerminal, tillCode, 5000))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.sim.MarkPaid(att.ChargeID); err != nil {
		t.Fatal(err)
	}
	got, err := h.svc.CancelAttempt(h.ctx, tillCashier, att.AttemptID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != db.AttemptSuccessful {
		t.Fatalf("cancel after payment: %+v", got)
	}
	// Cancelling a pending sale expires it.
	next, err := h.svc.Checkout(h.ctx, tillCashier, h.req(uuid.NewString(), tillTerminal, "281044444444444444", 5000))
	if err != nil {
		t.Fatal(err)
	}
	got, err = h.svc.CancelAttempt(h.ctx, tillCashier, next.AttemptID)
	if err != nil || got.Status != db.AttemptExpired {
		t.Fatalf("cancel: %+v, %v", got, err)
	}
}

func TestRefreshTillAttempt(t *testing.T) {
	t.Parallel()
	h := newTillHarness(t, omise.SourceBarcodeAlipay, 0)
	att, err := h.svc.Checkout(h.ctx, tillCashier, h.req(uuid.NewString(), tillTerminal, tillCode, 5000))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.sim.MarkPaid(att.ChargeID); err != nil {
		t.Fatal(err)
	}
	// Asked again at once, the stored charge is fresh enough: no Omise call.
	before := h.sim.Stats().Requests["GET /charges/{id}"]
	got, err := h.svc.RefreshTillAttempt(h.ctx, att.AttemptID)
	if err != nil || got.Status != db.AttemptPending || h.sim.Stats().Requests["GET /charges/{id}"] != before {
		t.Fatalf("immediate refresh: %+v, %v", got, err)
	}
	// A few seconds later the poll re-reads the charge and sees the payment
	// even though no webhook arrived.
	h.svc.Now = func() time.Time { return time.Now().Add(3 * time.Second) }
	got, err = h.svc.RefreshTillAttempt(h.ctx, att.AttemptID)
	if err != nil || got.Status != db.AttemptSuccessful {
		t.Fatalf("refresh after payment: %+v, %v", got, err)
	}

	// Past the till timeout, the poll expires the charge.
	next, err := h.svc.Checkout(h.ctx, tillCashier, h.req(uuid.NewString(), tillTerminal, "281033333333333339", 5000))
	if err != nil {
		t.Fatal(err)
	}
	h.svc.Now = func() time.Time { return time.Now().Add(2 * time.Minute) }
	got, err = h.svc.RefreshTillAttempt(h.ctx, next.AttemptID)
	if err != nil || got.Status != db.AttemptExpired {
		t.Fatalf("refresh after the timeout: %+v, %v", got, err)
	}
}
