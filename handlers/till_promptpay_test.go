package handlers_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"instore/db"
	"instore/handlers"
	"instore/omise"
	"instore/omise/omisehttp"
	"instore/omise/sim"
	"instore/web"
	"instore/web/webtest"
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

func TestTillPromptPayInRealBrowser(t *testing.T) {
	st := newScanTill(t)
	enablePromptPay(t, st.env)

	// The customer display, opened with the cashier's own session in a
	// second tab.
	dctx, cancelDisplay := chromedp.NewContext(st.ctx)
	defer cancelDisplay()
	if err := chromedp.Do(dctx, chromedp.Navigate(st.base+"/till/display?terminal="+tillTerm),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="display-idle"]`))); err != nil {
		t.Fatal(err)
	}

	st.open(tillTerm, false)
	if n := st.eval(`String(document.querySelectorAll("[data-testid=till-method-promptpay]").length)`); n != "1" {
		t.Fatalf("PromptPay buttons on the till: %s", n)
	}
	// The amount by hand, then F2 pressed twice.
	plan := (&keyPlan{}).text("150", false, every(150*time.Millisecond)).wait(500*time.Millisecond).
		press("F2", "F2", 113).wait(40*time.Millisecond).press("F2", "F2", 113)
	st.do(chromedp.Click(chromedp.CSS(`#till-amount`)), plan.play())
	if got := st.outcome(8 * time.Second); got != "sale" {
		t.Fatalf("PromptPay by F2: %s", got)
	}
	st.do(chromedp.WaitVisible(chromedp.CSS(`[data-testid="till-qr"]`)))
	if n := st.env.Sim.CountCharges(); n != 1 {
		t.Fatalf("F2 twice made %d charges", n)
	}
	ch := st.lastCharge()
	if ch.Amount != 15000 || ch.Source == nil || ch.Source.Type != omise.SourcePromptPay {
		t.Fatalf("charge %+v", ch)
	}
	if payload, ok := st.env.Sim.PromptPayQR(ch.ID); !ok || !strings.Contains(payload, "5406150.00") {
		t.Fatalf("QR payload %q", payload)
	}
	imageShown := func(ctx context.Context, sel string) bool {
		end := time.Now().Add(8 * time.Second)
		for time.Now().Before(end) {
			c, cancel := context.WithTimeout(ctx, 2*time.Second)
			v, err := chromedp.Run(c, chromedp.Evaluate[bool](`(function(){ var i = document.querySelector('`+sel+`');
				return !!i && !i.hidden && i.complete && i.naturalWidth > 0; })()`))
			cancel()
			if err == nil && v {
				return true
			}
			time.Sleep(100 * time.Millisecond)
		}
		return false
	}
	if !imageShown(st.ctx, `[data-testid="till-qr"]`) {
		t.Fatal("the QR image did not load on the till")
	}
	if !imageShown(dctx, `[data-testid="display-qr"]`) {
		t.Fatal("the QR image did not show on the customer display")
	}

	// The customer pays (the webhook arrives): both screens say paid.
	paid, err := st.env.Sim.MarkPaid(ch.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.env.svc.ApplyCharge(context.Background(), paid); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		ctx context.Context
		sel string
	}{"till": {st.ctx, `[data-testid="till-sale"][data-status="successful"]`}, "display": {dctx, `[data-testid="display-paid"]:not([hidden])`}} {
		wctx, cancel := context.WithTimeout(c.ctx, 6*time.Second)
		err := chromedp.Do(wctx, chromedp.WaitVisible(chromedp.CSS(c.sel)))
		cancel()
		if err != nil {
			t.Fatalf("%s did not show paid within 6 s: %v", name, err)
		}
	}
}

// The rest of a PromptPay sale's life, as for Alipay: not paid, cancelled,
// a cancel racing the payment, a partial refund, and a lost answer found
// again by the sale's metadata (never charged twice).
func TestTillPromptPayOutcomes(t *testing.T) {
	env := newTillEnv(t)
	enablePromptPay(t, env)
	c := env.Login("cashier")
	ctx := context.Background()

	a := decodeJSON[handlers.TillAttemptJSON](t, env.sellQR(c, uuid.NewString(), "120"), http.StatusOK)
	failed, err := env.Sim.MarkFailed(a.ChargeID, omise.FailurePaymentRejected)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.svc.ApplyCharge(ctx, failed); err != nil {
		t.Fatal(err)
	}
	got := decodeJSON[handlers.TillAttemptJSON](t, c.GetJSON("/till/charges/"+a.AttemptID), http.StatusOK)
	if got.Status != "failed" || got.FailureCode != omise.FailurePaymentRejected || got.QRURL != "" {
		t.Fatalf("not paid: %+v", got)
	}

	b := decodeJSON[handlers.TillAttemptJSON](t, env.sellQR(c, uuid.NewString(), "130"), http.StatusOK)
	if _, err := env.Sim.MarkPaid(b.ChargeID); err != nil {
		t.Fatal(err)
	}
	raced := decodeJSON[handlers.TillAttemptJSON](t, c.PostForm("/till/charges/"+b.AttemptID+"/cancel", nil, "Accept: application/json"), http.StatusOK)
	if raced.Status != "successful" {
		t.Fatalf("cancel racing the payment: %+v", raced)
	}

	d := decodeJSON[handlers.TillAttemptJSON](t, env.sellQR(c, uuid.NewString(), "140"), http.StatusOK)
	cancelled := decodeJSON[handlers.TillAttemptJSON](t, c.PostForm("/till/charges/"+d.AttemptID+"/cancel", nil, "Accept: application/json"), http.StatusOK)
	if cancelled.Status != "expired" {
		t.Fatalf("cancel: %+v", cancelled)
	}

	// The paid one is refunded in part by the manager.
	m := env.Login("manager")
	res := m.PostForm("/charges/"+b.ChargeID+"/refunds", url.Values{"amount": {"30"}, "reason": {"requested_by_customer"},
		"idempotency_key": {uuid.NewString()}, "confirm": {"yes"}})
	res.Body.Close()
	if res.StatusCode >= 400 {
		t.Fatalf("refund: %d", res.StatusCode)
	}
	oc, err := env.svc.Omise.GetCharge(ctx, b.ChargeID)
	if err != nil || oc.RefundedAmount != 3000 {
		t.Fatalf("refunded at Omise: %+v %v", oc, err)
	}
}

func TestTillPromptPayLostAnswerFoundByMetadata(t *testing.T) {
	env := newTillEnv(t, webtest.Options{Deps: func(d *web.Deps) {
		short, err := omisehttp.New(omisehttp.Config{BaseURL: d.Config.APIURL, PublicKey: d.Config.PublicKey,
			SecretKey: d.Config.SecretKey, Timeout: 300 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		d.Payments.Omise = short
	}})
	enablePromptPay(t, env)
	env.Sim.SetFaults(sim.Faults{TimeoutAfterCommitNext: 1})
	c := env.Login("cashier")
	id := uuid.NewString()
	a := decodeJSON[handlers.TillAttemptJSON](t, env.sellQR(c, id, "150"), http.StatusOK)
	if a.Status != "unknown" || a.QRURL != "" {
		t.Fatalf("after a lost answer: %+v", a)
	}
	if err := env.svc.ResolveUnknownAttempts(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := decodeJSON[handlers.TillAttemptJSON](t, c.GetJSON("/till/charges/"+id), http.StatusOK)
	if got.Status != "pending" || got.ChargeID == "" || got.QRURL == "" || env.Sim.CountCharges() != 1 {
		t.Fatalf("after resolution: %+v (charges %d)", got, env.Sim.CountCharges())
	}
	if qr := c.Get(got.QRURL); qr.StatusCode != http.StatusOK {
		t.Fatalf("QR after resolution: %d", qr.StatusCode)
	}
}
