package omisehttp_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"instore/omise"
	"instore/omise/omisehttp"
	"instore/omise/sim"
)

// asError is errors.As for *omise.Error, for one-line conditions.
func asError(err error, target **omise.Error) bool { return errors.As(err, target) }

func TestWrongKey(t *testing.T) {
	h := newHarness(t, omisehttp.Config{})
	ctx := testCtx(t)
	bad := h.newClient(t, omisehttp.Config{SecretKey: "skey_test_wrong", PublicKey: "pkey_test_wrong"})

	_, err := bad.CreateCharge(ctx, barcodeCharge(2000, "att-wrong"))
	var e *omise.Error
	if !asError(err, &e) || e.StatusCode != 401 || e.Code != "authentication_failure" {
		t.Fatalf("wrong secret key: %v", err)
	}
	if omise.IsUncertain(err) {
		t.Error("401 is certain")
	}
	noKeys(t, "Error()", err.Error())

	_, err = bad.CreateSource(ctx, omise.CreateSourceParams{Type: omise.SourceBarcodeAlipay, Amount: 2000, Currency: "THB", Barcode: "281234567890123456"})
	if omise.ErrorCode(err) != "authentication_failure" {
		t.Errorf("wrong public key: %v", err)
	}
	if h.sim.CountCharges() != 0 {
		t.Error("a rejected call created a charge")
	}
}

func TestServerErrorIsUncertainAndNotRetried(t *testing.T) {
	h := newHarness(t, omisehttp.Config{})
	h.sim.SetFaults(sim.Faults{FailNext5xx: 1})
	_, err := h.client.CreateCharge(testCtx(t), barcodeCharge(2000, "att-5xx"))
	var e *omise.Error
	if !asError(err, &e) || e.StatusCode < 500 {
		t.Fatalf("got %v, want a 5xx *Error", err)
	}
	if !omise.IsUncertain(err) || omise.IsRateLimited(err) || omise.IsNotFound(err) {
		t.Errorf("5xx: uncertain=%v ratelimited=%v", omise.IsUncertain(err), omise.IsRateLimited(err))
	}
	if n := h.rec.count("POST", "/charges"); n != 1 {
		t.Errorf("POST /charges sent %d times, want exactly 1", n)
	}
	// The fault was one-shot; the next call goes through.
	h.mustCharge(t, 2000, "att-after-5xx")
}

func TestRateLimitIsCertain(t *testing.T) {
	h := newHarness(t, omisehttp.Config{})
	h.sim.SetFaults(sim.Faults{FailNext429: 1})
	_, err := h.client.CreateCharge(testCtx(t), barcodeCharge(2000, "att-429"))
	if !omise.IsRateLimited(err) {
		t.Fatalf("got %v, want 429", err)
	}
	if omise.IsUncertain(err) {
		t.Error("429 must not be uncertain: Omise refuses before acting")
	}
	if n := h.sim.CountCharges(); n != 0 {
		t.Errorf("a 429 created %d charges", n)
	}
	if n := h.rec.count("POST", "/charges"); n != 1 {
		t.Errorf("POST /charges sent %d times, want 1", n)
	}
}

func TestTimeoutAfterCommitIsUncertainAndFindable(t *testing.T) {
	h := newHarness(t, omisehttp.Config{})
	short := h.newClient(t, omisehttp.Config{Timeout: 300 * time.Millisecond})
	h.sim.SetFaults(sim.Faults{TimeoutAfterCommitNext: 1})

	_, err := short.CreateCharge(testCtx(t), barcodeCharge(7700, "att-lost"))
	if err == nil {
		t.Fatal("want a timeout")
	}
	if !omise.IsUncertain(err) {
		t.Fatalf("timeout after commit must be uncertain: %v", err)
	}
	var ce *omise.CallError
	if !errors.As(err, &ce) || !ce.Timeout || !ce.Sent || ce.Endpoint != "POST /charges" {
		t.Errorf("CallError %+v", ce)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("want errors.Is(err, context.DeadlineExceeded): %v", err)
	}
	noKeys(t, "Error()", err.Error())
	if n := h.rec.count("POST", "/charges"); n != 1 {
		t.Errorf("POST /charges sent %d times, want 1", n)
	}

	// The recovery path the payments code takes: list recent charges and
	// match our own attempt id instead of charging again.
	list, err := h.client.ListCharges(testCtx(t), omise.ListParams{
		From: time.Now().Add(-5 * time.Minute), Order: omise.OrderReverseChronological, Limit: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	var found *omise.Charge
	for i := range list.Data {
		if list.Data[i].MetadataString("attempt_id") == "att-lost" {
			found = &list.Data[i]
		}
	}
	if found == nil || found.Amount != 7700 || found.Status != omise.StatusPending {
		t.Fatalf("charge not found after the timeout: %+v", found)
	}
}

func TestCallerDeadlineWins(t *testing.T) {
	h := newHarness(t, omisehttp.Config{Timeout: time.Minute})
	h.sim.SetFaults(sim.Faults{Latency: 5 * time.Second})
	ctx, cancel := context.WithTimeout(testCtx(t), 100*time.Millisecond)
	defer cancel()
	_, err := h.client.GetCharge(ctx, "chrg_test_any")
	var ce *omise.CallError
	if !errors.As(err, &ce) || !ce.Timeout {
		t.Fatalf("got %v, want a timeout CallError", err)
	}
}

func TestConnectionRefusedIsCertain(t *testing.T) {
	// A port that was listening a moment ago and is now closed.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, err := omisehttp.New(omisehttp.Config{BaseURL: "http://" + addr, PublicKey: testPublicKey, SecretKey: testSecretKey,
		HTTPClient: &http.Client{Transport: &http.Transport{}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateCharge(testCtx(t), barcodeCharge(2000, "att-refused"))
	var ce *omise.CallError
	if !errors.As(err, &ce) || ce.Sent {
		t.Fatalf("got %v, want an unsent CallError", err)
	}
	if omise.IsUncertain(err) {
		t.Error("a request that never reached a connection cannot have taken effect")
	}
	noKeys(t, "Error()", err.Error())
}

func TestObserve(t *testing.T) {
	type obs struct{ endpoint, result string }
	var got []obs
	record := func(endpoint, result string, d time.Duration) {
		if d < 0 {
			t.Errorf("negative duration for %s", endpoint)
		}
		got = append(got, obs{endpoint, result})
	}
	h := newHarness(t, omisehttp.Config{Observe: record, Timeout: 300 * time.Millisecond})
	ctx := testCtx(t)

	ch := h.mustPaid(t, 2000, "att-obs")
	_, _ = h.client.GetCharge(ctx, ch.ID)
	_, _ = h.client.GetCharge(ctx, "chrg_test_missing")
	h.sim.SetFaults(sim.Faults{FailNext429: 1})
	_, _ = h.client.ListCharges(ctx, omise.ListParams{})
	h.sim.SetFaults(sim.Faults{FailNext5xx: 1})
	_, _ = h.client.ExpireCharge(ctx, ch.ID)
	h.sim.SetFaults(sim.Faults{TimeoutAfterCommitNext: 1})
	_, _ = h.client.CreateCharge(ctx, barcodeCharge(2000, "att-obs-timeout"))
	_, _ = h.client.CreateRefund(ctx, ch.ID, omise.CreateRefundParams{Amount: 100})
	_, _ = h.client.ListRefunds(ctx, omise.ListParams{})
	_, _ = h.client.ListChargeRefunds(ctx, ch.ID, omise.ListParams{})
	_, _ = h.client.ListEvents(ctx, omise.ListParams{})

	want := []obs{
		{"POST /charges", "ok"},
		{"GET /charges/:id", "ok"},
		{"GET /charges/:id", "4xx"},
		{"GET /charges", "429"},
		{"POST /charges/:id/expire", "5xx"},
		{"POST /charges", "timeout"},
		{"POST /charges/:id/refunds", "ok"},
		{"GET /refunds", "ok"},
		{"GET /charges/:id/refunds", "ok"},
		{"GET /events", "ok"},
	}
	if len(got) != len(want) {
		t.Fatalf("observed %v", got)
	}
	for i := range want {
		if got[i].endpoint != want[i].endpoint {
			t.Errorf("call %d endpoint %q, want %q", i, got[i].endpoint, want[i].endpoint)
		}
		if got[i].result != want[i].result {
			t.Errorf("call %d (%s) result %q, want %q", i, got[i].endpoint, got[i].result, want[i].result)
		}
	}
}

func TestCancelledContextSendsNothing(t *testing.T) {
	h := newHarness(t, omisehttp.Config{})
	ctx, cancel := context.WithCancel(testCtx(t))
	cancel()
	_, err := h.client.CreateCharge(ctx, barcodeCharge(2000, "att-cancelled"))
	var ce *omise.CallError
	if !errors.As(err, &ce) || ce.Sent || omise.IsUncertain(err) || !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want a certain, unsent CallError", err)
	}
	if n := len(h.rec.all()); n != 0 {
		t.Errorf("%d requests reached the simulator", n)
	}
}

// opaqueTransport fails every request without reporting any trace events,
// like a third-party RoundTripper might.
type opaqueTransport struct{}

func (opaqueTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("connection reset by peer")
}

func TestOpaqueTransportFailureIsUncertain(t *testing.T) {
	c, err := omisehttp.New(omisehttp.Config{PublicKey: testPublicKey, SecretKey: testSecretKey,
		HTTPClient: &http.Client{Transport: opaqueTransport{}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateCharge(testCtx(t), barcodeCharge(2000, "att-opaque"))
	if !omise.IsUncertain(err) {
		t.Errorf("without evidence that nothing was sent, the outcome is unknown: %v", err)
	}
}
