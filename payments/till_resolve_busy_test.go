package payments_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"instore/db"
	"instore/omise"
	"instore/omise/sim"
	"instore/payments"
)

// A sale whose charge creation failed without an answer is concluded even
// on an account so busy that more charges were made around it than one
// pass may read: each pass reads a bounded number of pages and the next
// goes on where it stopped, so the terminal is freed within a few passes
// instead of staying busy for good. No pass creates a charge.
func TestUnknownOutcomeConcludedOnBusyAccount(t *testing.T) {
	t.Parallel()
	h := newTillHarness(t, omise.SourceBarcodeAlipay, 0)
	h.sim.SetFaults(sim.Faults{FailNext5xx: 1, Match: isChargeCreate})
	id := uuid.NewString()
	att, err := h.svc.Checkout(h.ctx, tillCashier, h.req(id, tillTerminal, tillCode, 5000))
	if err != nil || att.Status != db.AttemptUnknown {
		t.Fatalf("attempt %+v, %v", att, err)
	}
	// Other tills of the account sell on meanwhile.
	const others = 2150
	for i := 0; i < others; i++ {
		if _, err := h.svc.Omise.CreateCharge(h.ctx, omise.CreateChargeParams{
			Amount: 2000 + int64(i), Currency: "THB",
			InlineSource: &omise.CreateSourceParams{Type: omise.SourceBarcodeAlipay,
				Barcode: fmt.Sprintf("2810%014d", i), StoreID: "other", TerminalID: "T9"},
		}); err != nil {
			t.Fatal(err)
		}
	}
	created := h.sim.Stats().Requests["POST /charges"]
	h.svc.Now = func() time.Time { return time.Now().Add(3 * time.Minute) }
	var calls []int64
	got := att
	for len(calls) < 6 && got.Status == db.AttemptUnknown {
		before := h.sim.Stats().Requests["GET /charges"]
		if err := h.svc.ResolveUnknownAttempts(h.ctx); err != nil {
			t.Fatal(err)
		}
		calls = append(calls, h.sim.Stats().Requests["GET /charges"]-before)
		if got, err = h.db.GetAttempt(h.ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("charge-list calls per pass: %v", calls)
	if got.Status != db.AttemptFailed || got.ErrorCode != payments.CodeNoCharge {
		t.Fatalf("after %d passes (list calls %v) the sale is %s (%s): the terminal stays busy", len(calls), calls, got.Status, got.ErrorCode)
	}
	for _, n := range calls {
		if n > 21 {
			t.Fatalf("a pass made %d list calls (%v)", n, calls)
		}
	}
	if h.sim.Stats().Requests["POST /charges"] != created {
		t.Fatal("resolution must never create a charge")
	}
}
