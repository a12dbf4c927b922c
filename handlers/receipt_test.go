package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"instore/handlers"
	"instore/payments"
)

// paidTillSale sells amount at the till and has the customer pay it.
func paidTillSale(t *testing.T, env *tillEnv, amount, code string) handlers.TillAttemptJSON {
	t.Helper()
	c := env.Login("cashier")
	a := decodeJSON[handlers.TillAttemptJSON](t, env.sell(c, uuid.NewString(), tillTerm, amount, code, true), http.StatusOK)
	if _, err := env.Sim.MarkPaid(a.ChargeID); err != nil {
		t.Fatal(err)
	}
	env.Clock.Advance(3 * time.Second)
	got := decodeJSON[handlers.TillAttemptJSON](t, c.GetJSON("/till/charges/"+a.AttemptID), http.StatusOK)
	if got.Status != "successful" {
		t.Fatalf("sale not paid: %+v", got)
	}
	return got
}

// TestReceiptReprintShowsRefunds: a reprint of a sale refunded since must
// not tell the customer (or an auditor) that the whole amount stands paid.
// It names the refunded amount and what remains paid, and a full refund
// no longer reads "paid" at all.
func TestReceiptReprintShowsRefunds(t *testing.T) {
	env := newTillEnv(t)
	c := env.Login("cashier")
	a := paidTillSale(t, env, "1234.5", "281066666666666666")
	refund := func(amount int64) {
		t.Helper()
		if _, err := env.svc.Refund(context.Background(), payments.Actor{Username: "manager", Role: "manager"},
			payments.RefundRequest{ChargeID: a.ChargeID, Amount: amount, Reason: payments.RefundReasons[0], IdempotencyKey: uuid.NewString()}); err != nil {
			t.Fatal(err)
		}
	}

	// Before any refund there is no refund line.
	doc := c.Page("/till/charges/"+a.AttemptID+"/receipt", http.StatusOK)
	if doc.Find(`[data-testid="receipt-refunded"]`).Length() != 0 {
		t.Fatal("refund line on a sale never refunded")
	}

	refund(23450)
	for _, p := range []string{"/till/charges/" + a.AttemptID + "/receipt", "/till/charges/" + a.AttemptID} {
		r := c.Page(p, http.StatusOK).Find(`[data-testid="receipt"]`)
		if r.Find(`[data-testid="receipt-amount"]`).Text() != "฿1,234.50" ||
			r.Find(`[data-testid="receipt-refunded"]`).Text() != "-฿234.50" ||
			r.Find(`[data-testid="receipt-net"]`).Text() != "฿1,000.00" ||
			!strings.Contains(r.Find(`[data-testid="receipt-paid"]`).Text(), "คืนเงินบางส่วน") {
			h, _ := r.Html()
			t.Fatalf("%s after a partial refund: %s", p, h)
		}
	}

	refund(100000)
	r := c.Page("/till/charges/"+a.AttemptID+"/receipt", http.StatusOK).Find(`[data-testid="receipt"]`)
	paid := r.Find(`[data-testid="receipt-paid"]`).Text()
	if r.Find(`[data-testid="receipt-refunded"]`).Text() != "-฿1,234.50" || r.Find(`[data-testid="receipt-net"]`).Text() != "฿0.00" ||
		strings.Contains(paid, "ชำระเงินแล้ว") || !strings.Contains(paid, "คืนเงินเต็มจำนวน") {
		h, _ := r.Html()
		t.Fatalf("after a full refund: %s", h)
	}
	c.SetCookie(handlers.LangCookie, "en")
	paid = c.Page("/till/charges/"+a.AttemptID+"/receipt", http.StatusOK).Find(`[data-testid="receipt-paid"]`).Text()
	if strings.Contains(paid, "PAID") || !strings.Contains(paid, "REFUNDED") {
		t.Fatalf("English, fully refunded: %q", paid)
	}
}
