package payments_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"

	"instore/db"
	"instore/db/dbtest"
	"instore/omise"
	"instore/omise/omisehttp"
	"instore/omise/sim"
	"instore/payments"
)

// A charge Omise made for a sale whose answer was lost is found by its
// attempt id even when Omise's clock is minutes behind ours: Omise filters
// its list on its own clock, so a list read from our clock's "just before
// the sale" would leave the charge out, the sale would be called never
// made ("ask for a new code") and the customer would pay twice.
func TestUnknownOutcomeFoundWhenOmiseClockIsBehind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, err := db.Open(ctx, dbtest.Source(t, "clock.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	sm := sim.New(sim.Options{Now: func() time.Time { return time.Now().Add(-3 * time.Minute) }})
	t.Cleanup(sm.Close)
	srv := httptest.NewServer(sm)
	t.Cleanup(srv.Close)
	client := func(timeout time.Duration) *omisehttp.Client {
		cl, err := omisehttp.New(omisehttp.Config{BaseURL: srv.URL, PublicKey: sim.DefaultPublicKey,
			SecretKey: sim.DefaultSecretKey, Timeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		return cl
	}
	if _, err := d.CreateStore(ctx, db.CLI, db.Store{StoreID: tillStore, StoreName: "Main Store", Methods: []string{omise.SourceBarcodeAlipay}}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateTerminal(ctx, db.CLI, db.Terminal{StoreID: tillStore, TerminalID: tillTerminal, Label: "Counter"}); err != nil {
		t.Fatal(err)
	}
	svc := &payments.Service{DB: d, Omise: client(300 * time.Millisecond), TillTimeout: 90 * time.Second,
		BarcodeKey: []byte("test-barcode-key"), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}

	sm.SetFaults(sim.Faults{TimeoutAfterCommitNext: 1})
	id := uuid.NewString()
	att, err := svc.Checkout(ctx, tillCashier, payments.CheckoutRequest{AttemptID: id, StoreID: tillStore,
		TerminalID: tillTerminal, Amount: 7500, Barcode: tillCode})
	if err != nil || att.Status != db.AttemptUnknown {
		t.Fatalf("after the lost answer: %+v, %v", att, err)
	}
	svc.Omise = client(5 * time.Second)
	// Past the grace period: a missing charge would now be concluded.
	svc.Now = func() time.Time { return time.Now().Add(3 * time.Minute) }
	if err := svc.ResolveUnknownAttempts(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := d.GetAttempt(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != db.AttemptPending || got.ChargeID == "" {
		t.Fatalf("Omise holds the sale's charge, but the attempt is %s (%s) with charge %q", got.Status, got.ErrorCode, got.ChargeID)
	}
	if sm.CountCharges() != 1 || sm.Stats().Requests["POST /charges"] != 1 {
		t.Fatal("resolution must never create a charge")
	}
}
