package handlers_test

import (
	"context"
	"database/sql"
	"net/http"
	"strings"
	"testing"
	"time"

	"instore/db"
	"instore/i18n"
	"instore/omise"
	"instore/payments"
)

// TestChargePageOffersWhatTheRulesAccept: the refund form is shown only
// while a refund would be accepted, up to what it would accept: a refund
// in flight and the 12-month window count, not just the status.
func TestChargePageOffersWhatTheRulesAccept(t *testing.T) {
	e := newBOEnv(t)
	ch := e.charge("store_1", "T1", 48000, omise.StatusSuccessful)
	m := e.login("manager")
	path := "/charges/" + ch.ID
	refundable := func() (string, bool) {
		code, page := m.get(path)
		if code != http.StatusOK {
			t.Fatalf("page: %d %.300s", code, page)
		}
		doc := parseDoc(t, page)
		return strings.TrimSpace(doc.Find(`[data-testid=field-refundable]`).Text()),
			doc.Find(`[data-testid=refund-form]`).Length() == 1
	}
	if got, form := refundable(); !form || !strings.Contains(got, "480.00") {
		t.Fatalf("paid charge: refundable %q, form %v", got, form)
	}

	// A refund of ฿300 whose outcome Omise has not confirmed yet.
	now := time.Now()
	if err := e.db.Tx(context.Background(), func(tx *sql.Tx) error {
		return db.InsertRefundRequestTx(context.Background(), tx, &db.RefundRequest{IdempotencyKey: "in-flight-0001",
			ChargeID: ch.ID, Amount: 30000, Reason: payments.ReasonOther, Username: "manager",
			Status: db.RefundRequestInFlight, CreatedAt: now, UpdatedAt: now})
	}); err != nil {
		t.Fatal(err)
	}
	if got, form := refundable(); !form || !strings.Contains(got, "180.00") {
		t.Fatalf("with ฿300 in flight: refundable %q, form %v", got, form)
	}
	_, page := m.get(path, "Accept-Language", "en")
	hint := parseDoc(t, page).Find(`[data-testid=refund-form] .hint`).First().Text()
	if !strings.Contains(hint, "180.00") || !strings.Contains(hint, i18n.Day(i18n.WithLang(context.Background(), i18n.EN), payments.LastRefundDay(ch))) {
		t.Fatalf("refund hint %q: want the amount and the last day", hint)
	}

	// Past the refund window nothing may be refunded, whatever is left.
	e.clock.Advance(payments.RefundWindow + 48*time.Hour)
	m = e.login("manager") // the old session has long expired
	if got, form := refundable(); form || !strings.Contains(got, "0.00") {
		t.Fatalf("past the window: refundable %q, form %v", got, form)
	}
}
