package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"instore/handlers"
	"instore/omise"
	"instore/payments"
)

// Omise refuses the store's payment method: the cashier is told the
// method is not enabled and to call the manager (not to ask for a new
// code), and the manager's board shows it on the terminal's tile until a
// sale goes through again.
func TestTillSourceTypeRefusedByOmise(t *testing.T) {
	env := newTillEnv(t)
	env.Sim.RefuseSourceType(omise.SourceBarcodeAlipay)
	c := env.Login("cashier")
	a := decodeJSON[handlers.TillAttemptJSON](t, env.sellForm(c, url.Values{"amount": {"100"}, "barcode": {tillCode}}), http.StatusOK)
	if a.Status != "failed" || a.FailureCode != payments.CodeMethodNotEnabled || a.ChargeID != "" ||
		!strings.Contains(a.MessageEN, "not enabled at Omise") || !strings.Contains(a.MessageEN, "call the manager") ||
		strings.Contains(a.MessageEN, "Ask") || !strings.Contains(a.MessageTH, "ผู้จัดการ") {
		t.Fatalf("attempt %+v", a)
	}
	if env.Sim.CountCharges() != 0 {
		t.Fatal("a charge was made")
	}
	doc := c.Page("/till/charges/"+a.AttemptID, http.StatusOK)
	if msg := doc.Find(`[data-testid="till-message"]`).Text(); !strings.Contains(msg, "call the manager") || !strings.Contains(msg, "แจ้งผู้จัดการ") {
		t.Fatalf("sale page message %q", msg)
	}

	m := env.Login("manager")
	tile := m.Page("/board", http.StatusOK).Find(`[data-testid="tile-store_1234-POS-01"]`)
	warn := tile.Find(`[data-testid="tile-method-not-enabled"]`)
	if warn.Length() != 1 || !strings.Contains(warn.Text(), "not enabled on the Omise account") || !strings.Contains(warn.Text(), "ยังไม่ได้เปิดใช้") {
		t.Fatalf("board tile: %s", mustHTML(tile))
	}
	if m.Page("/board", http.StatusOK).Find(`[data-testid="tile-store_1234-POS-02"] [data-testid="tile-method-not-enabled"]`).Length() != 0 {
		t.Fatal("warning on a terminal that did not sell")
	}
	if m.Page("/board/tiles/store_1234/POS-01", http.StatusOK).Find(`[data-testid="tile-method-not-enabled"]`).Length() != 1 {
		t.Fatal("the live tile lacks the warning")
	}
	// Once Omise accepts the method again, the next sale clears it.
	env.Sim.RefuseSourceType()
	b := decodeJSON[handlers.TillAttemptJSON](t, env.sellForm(c, url.Values{"amount": {"100"}, "barcode": {"281099999999999999"}}), http.StatusOK)
	if b.Status != "pending" {
		t.Fatalf("sale after enabling: %+v", b)
	}
	if m.Page("/board/tiles/store_1234/POS-01", http.StatusOK).Find(`[data-testid="tile-method-not-enabled"]`).Length() != 0 {
		t.Fatal("the warning outlived the problem")
	}
}
