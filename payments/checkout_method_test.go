package payments_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"instore/db"
	"instore/omise"
	"instore/payments"
)

// An account where Omise refuses the store's source type: the sale is
// rejected with its own code and a message that sends the cashier to the
// manager, not back to the customer for a new code.
func TestCheckoutSourceTypeRefusedByOmise(t *testing.T) {
	t.Parallel()
	h := newTillHarness(t, omise.SourceBarcodeAlipay, 0)
	h.sim.RefuseSourceType(omise.SourceBarcodeAlipay)
	att, err := h.svc.Checkout(h.ctx, tillCashier, h.req(uuid.NewString(), tillTerminal, tillCode, 5000))
	if err != nil {
		t.Fatal(err)
	}
	if att.Status != db.AttemptRejected || att.ErrorCode != payments.CodeMethodNotEnabled || h.charges() != 0 {
		t.Fatalf("attempt = %+v, charges %d", att, h.charges())
	}
	m := outcome(att)
	if m.Code != payments.CodeMethodNotEnabled || !strings.Contains(m.EN, "not enabled at Omise") || !strings.Contains(m.EN, "call the manager") ||
		!strings.Contains(m.EN, "nothing was charged") || strings.Contains(m.EN, "Ask") || !strings.Contains(m.TH, "ผู้จัดการ") {
		t.Fatalf("message = %+v", m)
	}
	// Once Omise accepts the type again, sales go through.
	h.sim.RefuseSourceType()
	if _, err := h.svc.Checkout(h.ctx, tillCashier, h.req(uuid.NewString(), tillTerminal, "281077777777777777", 5000)); err != nil {
		t.Fatal(err)
	}
	if h.charges() != 1 {
		t.Fatalf("after the method is enabled again: %d charges", h.charges())
	}
}

func TestCheckoutAmountConfirmed(t *testing.T) {
	t.Parallel()
	h := newTillHarness(t, omise.SourceBarcodeAlipay, 0)
	text := func(s string) *string { return &s }
	for _, confirmed := range []*string{text("100"), text(""), text("50,00"), text("๕๐.๐๐๑")} {
		req := h.req(uuid.NewString(), tillTerminal, tillCode, 5000)
		req.AmountConfirmed = confirmed
		_, err := h.svc.Checkout(h.ctx, tillCashier, req)
		var ie *payments.Refusal
		if !errors.As(err, &ie) || ie.Fields["amount"].Code != payments.CodeAmountUnconfirmed || len(ie.Fields) != 1 {
			t.Fatalf("confirmed %q: %v", *confirmed, err)
		}
		if _, err := h.db.GetAttempt(h.ctx, req.AttemptID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("confirmed %q: attempt recorded (%v)", *confirmed, err)
		}
	}
	if n := h.omiseRequests(); n != 0 {
		t.Fatalf("unconfirmed amounts made %d Omise requests", n)
	}
	// The same amount, however written, sells.
	req := h.req(uuid.NewString(), tillTerminal, tillCode, 5000)
	req.AmountConfirmed = text(" ฿๕๐.๐ ")
	if att, err := h.svc.Checkout(h.ctx, tillCashier, req); err != nil || att.Amount != 5000 || h.charges() != 1 {
		t.Fatalf("confirmed sale: %+v %v", att, err)
	}
}
