package payments_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"

	"instore/db"
	"instore/omise"
	"instore/payments"
)

// These tests race two instances on paths whose safety on PostgreSQL
// rests on row and key locks taken inside the transaction, with no lock
// shared by every writer. On SQLite they run too, where the single writer
// keeps the same promises.

// A webhook and the syncer applying one charge at once, one with Omise's
// pending answer and one with its successful one, leave it successful
// whichever commits last, counted once in the rollup. The charge is new to
// the database, so neither has a row to lock: the charge's own lock orders
// them.
func TestInstancesApplyChargeNewestWins(t *testing.T) {
	t.Parallel()
	e := newTwoInstances(t)
	const rounds = 12
	for round := range rounds {
		oc, err := e.client.CreateCharge(e.ctx, omise.CreateChargeParams{
			Amount: 20000, Currency: "THB", Metadata: map[string]string{payments.MetaStoreID: tillStore, payments.MetaTerminalID: tillTerminal},
			InlineSource: &omise.CreateSourceParams{Type: omise.SourceBarcodeAlipay, Barcode: tillCode,
				StoreID: tillStore, StoreName: "Main Store", TerminalID: tillTerminal},
		})
		if err != nil {
			t.Fatal(err)
		}
		paid, err := e.sim.MarkPaid(oc.ID)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := oc // the pending answer, as an older webhook carries it
				if (i+round)%2 == 1 {
					c = paid
				}
				_, errs[i] = e.instance(i).ApplyCharge(e.ctx, c)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d caller %d: %v", round, i, err)
			}
		}
		got, err := e.a.DB.GetCharge(e.ctx, oc.ID)
		if err != nil || got.Status != "successful" {
			t.Fatalf("round %d: stored charge %+v, %v; want successful", round, got, err)
		}
	}
	var pending, successful, gross int64
	if err := e.a.DB.W.QueryRowContext(e.ctx, `SELECT COALESCE(SUM(pending_count), 0), COALESCE(SUM(successful_count), 0),
		COALESCE(SUM(gross), 0) FROM daily_totals`).Scan(&pending, &successful, &gross); err != nil {
		t.Fatal(err)
	}
	if pending != 0 || successful != rounds || gross != rounds*20000 {
		t.Fatalf("daily totals: pending %d successful %d gross %d; want 0, %d, %d", pending, successful, gross, rounds, rounds*20000)
	}
}

// Refund forms for more than a charge's amount, sent to both instances at
// once, refund at most the amount: the in-flight and done refunds are
// added up under the charge's lock.
func TestInstancesRefundsNeverExceedCharge(t *testing.T) {
	t.Parallel()
	e := newTwoInstances(t)
	c := e.pendingCharge(t) // 50000
	if _, err := e.sim.MarkPaid(c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.a.SyncCharge(e.ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := payments.RefundRequest{ChargeID: c.ID, Amount: 15000, Reason: payments.ReasonWrongAmount, IdempotencyKey: uuid.NewString()}
			_, errs[i] = e.instance(i).Refund(e.ctx, manager, req)
		}()
	}
	wg.Wait()
	made := 0
	for i, err := range errs {
		var re *payments.Refusal
		switch {
		case err == nil:
			made++
		case errors.As(err, &re):
		default:
			t.Fatalf("caller %d: %v", i, err)
		}
	}
	if made != 3 {
		t.Fatalf("%d refunds of 15000 made on a charge of 50000, want 3", made)
	}
	if n := e.sim.Stats().RefundsCreated; n != 3 {
		t.Fatalf("refunds made at Omise = %d, want 3", n)
	}
	got, err := e.b.DB.GetCharge(e.ctx, c.ID)
	if err != nil || got.RefundedAmount != 45000 {
		t.Fatalf("stored charge: %+v, %v", got, err)
	}
}

// One payment code shown at several terminals at once (each claim holding
// only its own terminal's row) makes one sale; the others are told the
// code was used.
func TestInstancesBarcodeAcrossTerminalsOnce(t *testing.T) {
	t.Parallel()
	e := newTwoInstances(t)
	e.slowOmise()
	terms := make([]string, callers)
	for i := range terms {
		terms[i] = fmt.Sprintf("T-%d", i)
		if _, err := e.a.DB.CreateTerminal(e.ctx, db.CLI, db.Terminal{StoreID: tillStore, TerminalID: terms[i], Label: terms[i]}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := payments.CheckoutRequest{AttemptID: uuid.NewString(), StoreID: tillStore, TerminalID: terms[i], Amount: 5000, Barcode: tillCode}
			_, errs[i] = e.instance(i).Checkout(e.ctx, tillCashier, req)
		}()
	}
	wg.Wait()
	taken := 0
	for i, err := range errs {
		var re *payments.Refusal
		switch {
		case err == nil:
			taken++
		case errors.As(err, &re) && re.Fields["barcode"] != nil && re.Fields["barcode"].Code == "barcode_reused":
		default:
			t.Fatalf("caller %d: %v", i, err)
		}
	}
	if taken != 1 {
		t.Fatalf("%d sales took one payment code, want 1", taken)
	}
	if n := e.requests("POST /charges"); n != 1 {
		t.Fatalf("POST /charges = %d, want 1", n)
	}
}
