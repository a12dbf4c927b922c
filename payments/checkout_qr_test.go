package payments_test

import (
	"testing"

	"github.com/google/uuid"

	"instore/db"
	"instore/omise"
	"instore/payments"
)

// TestCheckoutWithoutAScannedCode: a method whose customer scans a QR
// takes a sale with no code: nothing is validated as a code, the attempt
// keeps no code, and the next such sale is not refused as a reused code.
func TestCheckoutWithoutAScannedCode(t *testing.T) {
	t.Parallel()
	ms := payments.Methods()
	if _, ok := payments.MethodBySourceType(omise.SourcePromptPay); !ok {
		ms = append(ms, &payments.Method{ID: omise.SourcePromptPay, SourceType: omise.SourcePromptPay,
			Capture: payments.CaptureQR, Expirable: true, Refundable: true})
	}
	defer payments.SetMethodsForTest(ms)()
	m, _ := payments.MethodBySourceType(omise.SourcePromptPay)
	h := newTillHarness(t, m.ID, 0)

	first, err := h.svc.Checkout(h.ctx, tillCashier, h.req(uuid.NewString(), tillTerminal, "", 15000))
	if err != nil {
		t.Fatal(err)
	}
	if first.Status != db.AttemptPending || first.BarcodeHash != "" || first.BarcodeMasked != "" ||
		first.SourceType != omise.SourcePromptPay {
		t.Fatalf("first sale: %+v", first)
	}
	if _, err := h.svc.CancelAttempt(h.ctx, tillCashier, first.AttemptID); err != nil {
		t.Fatal(err)
	}
	second, err := h.svc.Checkout(h.ctx, tillCashier, h.req(uuid.NewString(), tillTerminal, "", 15000))
	if err != nil || second.Status != db.AttemptPending {
		t.Fatalf("second sale without a code: %+v %v", second, err)
	}
}
