package handlers_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"instore/db"
	"instore/handlers"
	"instore/omise"
)

// enablePromptPay lets the till's store take PromptPay beside Alipay.
func enablePromptPay(t *testing.T, env *tillEnv) {
	t.Helper()
	ctx := context.Background()
	st, err := env.DB.GetStore(ctx, tillStore)
	if err != nil {
		t.Fatal(err)
	}
	st.Methods = []string{omise.SourceBarcodeAlipay, omise.SourcePromptPay}
	if _, err := env.DB.UpdateStore(ctx, db.Actor{Username: "test"}, *st); err != nil {
		t.Fatal(err)
	}
}

func (env *tillEnv) sellQR(c interface {
	PostForm(string, url.Values, ...string) *http.Response
}, attemptID, amount string) *http.Response {
	form := url.Values{"attempt_id": {attemptID}, "terminal_id": {tillTerm}, "amount": {amount}, "method": {omise.SourcePromptPay}}
	return c.PostForm("/till/charges", form, "Accept: application/json")
}

func TestTillPromptPaySale(t *testing.T) {
	env := newTillEnv(t)
	c := env.Login("cashier")

	// A store that does not take PromptPay refuses it, and calls nothing.
	res := env.sellQR(c, uuid.NewString(), "150")
	refusal := decodeJSON[handlers.TillRefusalJSON](t, res, http.StatusUnprocessableEntity)
	if refusal.Fields["method"].Code != "method_not_offered" || env.Sim.CountCharges() != 0 {
		t.Fatalf("PromptPay at a store without it: %+v, %d charges", refusal, env.Sim.CountCharges())
	}

	enablePromptPay(t, env)
	id := uuid.NewString()
	a := decodeJSON[handlers.TillAttemptJSON](t, env.sellQR(c, id, "150"), http.StatusOK)
	if a.Status != "pending" || a.Method != omise.SourcePromptPay || a.QRURL != "/till/charges/"+id+"/qr" || a.Amount != 15000 || a.BarcodeMasked != "" {
		t.Fatalf("PromptPay sale: %+v", a)
	}
	// Pressing the PromptPay key twice is the same sale.
	again := decodeJSON[handlers.TillAttemptJSON](t, env.sellQR(c, id, "150"), http.StatusOK)
	if again.ChargeID != a.ChargeID || env.Sim.CountCharges() != 1 {
		t.Fatalf("second press: %d charges", env.Sim.CountCharges())
	}

	// The QR comes through our server with its exact type, nosniff and a
	// policy that lets nothing run; it is read from Omise once.
	before := env.omiseRequests()
	for i := 0; i < 3; i++ {
		qr := c.Get(a.QRURL)
		body, _ := io.ReadAll(qr.Body)
		qr.Body.Close()
		if qr.StatusCode != http.StatusOK || qr.Header.Get("Content-Type") != "image/svg+xml" ||
			qr.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(qr.Header.Get("Content-Security-Policy"), "sandbox") ||
			!strings.Contains(string(body), "<svg") {
			t.Fatalf("QR: %d %v %.80s", qr.StatusCode, qr.Header, body)
		}
	}
	if n := env.omiseRequests() - before; n != 2 {
		t.Fatalf("three QR views made %d Omise calls, want 2 (the charge and its document, once)", n)
	}
	payload, ok := env.Sim.PromptPayQR(a.ChargeID)
	if !ok || !strings.Contains(payload, "5406150.00") {
		t.Fatalf("QR payload %q does not carry the amount", payload)
	}
	// Another store's staff cannot see it.
	if res := env.Login("manager2").Get(a.QRURL); res.StatusCode == http.StatusOK {
		t.Fatalf("another store's manager got the QR: %d", res.StatusCode)
	}

	// The customer pays: the sale is paid, and the QR is gone.
	paid, err := env.Sim.MarkPaid(a.ChargeID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.svc.ApplyCharge(context.Background(), paid); err != nil {
		t.Fatal(err)
	}
	done := decodeJSON[handlers.TillAttemptJSON](t, c.GetJSON("/till/charges/"+id), http.StatusOK)
	if done.Status != "successful" || done.QRURL != "" {
		t.Fatalf("after payment: %+v", done)
	}
	if res := c.Get(a.QRURL); res.StatusCode != http.StatusNotFound {
		t.Fatalf("QR of a paid sale: %d", res.StatusCode)
	}
}
