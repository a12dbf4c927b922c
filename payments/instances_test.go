package payments_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"instore/db"
	"instore/db/dbtest"
	"instore/fakeclock"
	"instore/omise"
	"instore/omise/omisehttp"
	"instore/omise/sim"
	"instore/payments"
)

// twoInstances is two application instances on one database and one
// Omise, as behind a load balancer: on PostgreSQL the database is opened
// twice (two instances' pools and lock sessions); SQLite is served by one
// process, so there the two services share one *db.DB. Omise is the
// simulator over HTTP, counting every request.
type twoInstances struct {
	ctx    context.Context
	a, b   *payments.Service
	sim    *sim.Sim
	client *omisehttp.Client
}

func newTwoInstances(t *testing.T) *twoInstances {
	t.Helper()
	ctx := context.Background()
	src := dbtest.Source(t, "instances.db")
	open := func() *db.DB {
		d, err := db.Open(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	da := open()
	dbb := da
	if dbtest.OnPostgres() {
		dbb = open()
	}
	sm := sim.New(sim.Options{})
	t.Cleanup(sm.Close)
	srv := httptest.NewServer(sm)
	t.Cleanup(srv.Close)
	cl, err := omisehttp.New(omisehttp.Config{BaseURL: srv.URL, PublicKey: sim.DefaultPublicKey,
		SecretKey: sim.DefaultSecretKey, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := da.CreateStore(ctx, db.CLI, db.Store{StoreID: tillStore, StoreName: "Main Store", Methods: []string{omise.SourceBarcodeAlipay}}); err != nil {
		t.Fatal(err)
	}
	if _, err := da.CreateTerminal(ctx, db.CLI, db.Terminal{StoreID: tillStore, TerminalID: tillTerminal, Label: "Counter"}); err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := func(d *db.DB) *payments.Service {
		return &payments.Service{DB: d, Omise: cl, TillTimeout: 90 * time.Second,
			BarcodeKey: []byte("test-barcode-key"), Log: quiet}
	}
	return &twoInstances{ctx: ctx, a: svc(da), b: svc(dbb), sim: sm, client: cl}
}

// instance is the i-th caller's instance: callers alternate between the two.
func (e *twoInstances) instance(i int) *payments.Service {
	if i%2 == 0 {
		return e.a
	}
	return e.b
}

// slowOmise makes every Omise answer take a while, so that callers on
// both instances arrive while the first one's call is in flight.
func (e *twoInstances) slowOmise() {
	e.sim.SetFaults(sim.Faults{Latency: 100 * time.Millisecond})
}

func (e *twoInstances) requests(route string) int64 { return e.sim.Stats().Requests[route] }

// pendingCharge makes a charge at Omise and stores it through instance a.
func (e *twoInstances) pendingCharge(t *testing.T) *db.Charge {
	t.Helper()
	oc, err := e.client.CreateCharge(e.ctx, omise.CreateChargeParams{
		Amount: 50000, Currency: "THB", Metadata: map[string]string{payments.MetaStoreID: tillStore, payments.MetaTerminalID: tillTerminal},
		InlineSource: &omise.CreateSourceParams{Type: omise.SourceBarcodeAlipay, Barcode: tillCode,
			StoreID: tillStore, StoreName: "Main Store", TerminalID: tillTerminal},
	})
	if err != nil {
		t.Fatal(err)
	}
	applied, err := e.a.ApplyCharge(e.ctx, oc)
	if err != nil {
		t.Fatal(err)
	}
	return applied.Charge
}

const callers = 8

// The same refund form sent to both instances at once makes one Omise
// refund, and every caller gets that refund: none is told the key was
// reused, none asks Omise again.
func TestInstancesRefundFormOnce(t *testing.T) {
	t.Parallel()
	e := newTwoInstances(t)
	c := e.pendingCharge(t)
	if _, err := e.sim.MarkPaid(c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.a.SyncCharge(e.ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	e.slowOmise()
	req := payments.RefundRequest{ChargeID: c.ID, Amount: 10000, Reason: payments.ReasonWrongAmount, IdempotencyKey: uuid.NewString()}
	var wg sync.WaitGroup
	ids := make([]string, callers)
	errs := make([]error, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, err := e.instance(i).Refund(e.ctx, manager, req)
			if err == nil {
				ids[i] = f.ID
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("caller %d (instance %c): %v", i, "ab"[i%2], err)
		}
		if ids[i] != ids[0] {
			t.Fatalf("different refunds for one form: %v", ids)
		}
	}
	if n := e.sim.Stats().RefundsCreated; n != 1 {
		t.Fatalf("refunds made at Omise = %d, want 1", n)
	}
	if n := e.requests("POST /charges/{id}/refunds"); n != 1 {
		t.Fatalf("POST /refunds = %d, want 1", n)
	}
	for _, s := range []*payments.Service{e.a, e.b} {
		got, err := s.DB.GetCharge(e.ctx, c.ID)
		if err != nil || got.RefundedAmount != 10000 {
			t.Fatalf("stored charge: %+v, %v", got, err)
		}
		refunds, err := s.DB.ListRefunds(e.ctx, c.ID)
		if err != nil || len(refunds) != 1 {
			t.Fatalf("stored refunds: %d, %v", len(refunds), err)
		}
	}
}

// Two different forms for one charge on two instances: the second waits
// for the first's Omise call instead of settling its request as never
// made, and both refunds stand.
func TestInstancesRefundsOfOneChargeWaitForEachOther(t *testing.T) {
	t.Parallel()
	e := newTwoInstances(t)
	c := e.pendingCharge(t)
	if _, err := e.sim.MarkPaid(c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.a.SyncCharge(e.ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	e.slowOmise()
	var wg sync.WaitGroup
	errs := make([]error, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := payments.RefundRequest{ChargeID: c.ID, Amount: 1000, Reason: payments.ReasonWrongAmount, IdempotencyKey: uuid.NewString()}
			_, errs[i] = e.instance(i).Refund(e.ctx, manager, req)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("caller %d: %v", i, err)
		}
	}
	if n := e.sim.Stats().RefundsCreated; n != callers {
		t.Fatalf("refunds made at Omise = %d, want %d", n, callers)
	}
	got, err := e.b.DB.GetCharge(e.ctx, c.ID)
	if err != nil || got.RefundedAmount != callers*1000 {
		t.Fatalf("stored charge: %+v, %v", got, err)
	}
}

// A refund request in flight on one instance is never settled by another:
// while instance a waits for Omise's answer to its POST /refunds, long
// enough that its request looks abandoned (older than the settling grace),
// instance b's form for the same charge waits for a's to finish instead of
// declaring a's refund never made and refunding the same money again.
func TestInstancesRefundInFlightElsewhereIsLeftAlone(t *testing.T) {
	t.Parallel()
	e := newTwoInstances(t)
	clock := fakeclock.Running()
	e.a.Now, e.b.Now = clock.Now, clock.Now
	c := e.pendingCharge(t) // 500.00
	if _, err := e.sim.MarkPaid(c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.a.SyncCharge(e.ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	e.sim.SetFaults(sim.Faults{Latency: 700 * time.Millisecond, Match: func(r *http.Request) bool {
		return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/refunds")
	}})
	keyA := uuid.NewString()
	doneA := make(chan error, 1)
	go func() {
		_, err := e.a.Refund(e.ctx, manager, payments.RefundRequest{ChargeID: c.ID, Amount: 30000, Reason: payments.ReasonWrongAmount, IdempotencyKey: keyA})
		doneA <- err
	}()
	for deadline := time.Now().Add(5 * time.Second); ; {
		if r, err := db.GetRefundRequestQ(e.ctx, e.b.DB.R, keyA); err == nil && r.Status == db.RefundRequestInFlight {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("instance a never recorded its request")
		}
		time.Sleep(5 * time.Millisecond)
	}
	clock.Advance(10 * time.Minute)
	_, errB := e.b.Refund(e.ctx, manager, payments.RefundRequest{ChargeID: c.ID, Amount: 30000, Reason: payments.ReasonWrongAmount, IdempotencyKey: uuid.NewString()})
	onlyARefunded(t, e, c.ID, keyA, <-doneA, errB)
}

// The same event delivered to both instances at once is stored once,
// applied once, and costs one read of its charge from Omise.
func TestInstancesWebhookEventOnce(t *testing.T) {
	t.Parallel()
	e := newTwoInstances(t)
	c := e.pendingCharge(t)
	ev := e.paidEvent(t, c.ID)
	raw, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	e.slowOmise()
	reads := e.requests("GET /charges/{id}")
	var wg sync.WaitGroup
	outs := make([]payments.WebhookOutcome, callers)
	errs := make([]error, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			delivered, err := omise.DecodeEvent(raw)
			if err != nil {
				errs[i] = err
				return
			}
			outs[i], errs[i] = e.instance(i).ReceiveWebhook(e.ctx, raw, delivered, "valid")
		}()
	}
	wg.Wait()
	applied := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("delivery %d: %v", i, err)
		}
		switch outs[i].Result {
		case db.EventApplied:
			applied++
		case "duplicate":
		default:
			t.Fatalf("delivery %d: %+v", i, outs[i])
		}
	}
	if applied != 1 {
		t.Fatalf("applied %d times, want once: %+v", applied, outs)
	}
	if n := e.requests("GET /charges/{id}") - reads; n != 1 {
		t.Fatalf("charge read from Omise %d times, want 1", n)
	}
	stored, err := e.b.DB.GetEvent(e.ctx, ev.ID)
	if err != nil || stored.Attempts != 1 || stored.Result != db.EventApplied {
		t.Fatalf("stored event: %+v, %v", stored, err)
	}
	got, err := e.b.DB.GetCharge(e.ctx, c.ID)
	if err != nil || got.Status != "successful" {
		t.Fatalf("stored charge: %+v, %v", got, err)
	}
}

// Expiring one charge from both instances at once asks Omise once; the
// others find the charge no longer pending.
func TestInstancesExpireOnce(t *testing.T) {
	t.Parallel()
	e := newTwoInstances(t)
	c := e.pendingCharge(t)
	e.slowOmise()
	var wg sync.WaitGroup
	errs := make([]error, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = e.instance(i).ExpireCharge(e.ctx, manager, c.ID)
		}()
	}
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, payments.ErrNotPending):
		default:
			t.Fatalf("caller %d: %v", i, err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d callers expired the charge, want 1", ok)
	}
	if n := e.requests("POST /charges/{id}/expire"); n != 1 {
		t.Fatalf("POST /charges/{id}/expire = %d, want 1", n)
	}
	got, err := e.b.DB.GetCharge(e.ctx, c.ID)
	if err != nil || got.Status != "expired" {
		t.Fatalf("stored charge: %+v, %v", got, err)
	}
}

// One expire form sent to both instances at once (a double click behind a
// load balancer) asks Omise once, and every copy gets the first outcome:
// the charge expired, not a refusal that it is no longer pending.
func TestInstancesExpireSameFormOnce(t *testing.T) {
	t.Parallel()
	e := newTwoInstances(t)
	c := e.pendingCharge(t)
	e.slowOmise()
	var wg sync.WaitGroup
	got := make([]*db.Charge, callers)
	errs := make([]error, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = e.instance(i).ExpireRequested(e.ctx, manager, c.ID, "0b7f3c2e-expire-form")
		}()
	}
	wg.Wait()
	for i := range callers {
		if errs[i] != nil || got[i] == nil || got[i].Status != "expired" {
			t.Fatalf("caller %d: %+v, %v", i, got[i], errs[i])
		}
	}
	if n := e.requests("POST /charges/{id}/expire"); n != 1 {
		t.Fatalf("POST /charges/{id}/expire = %d, want 1", n)
	}
}

// One till sale submitted to both instances at once makes one Omise
// charge; different sales on one terminal make one charge and the rest
// are told the terminal is busy.
func TestInstancesTillAttemptOnce(t *testing.T) {
	t.Parallel()
	for _, sameAttempt := range []bool{true, false} {
		t.Run(fmt.Sprintf("same_attempt=%v", sameAttempt), func(t *testing.T) {
			t.Parallel()
			e := newTwoInstances(t)
			e.slowOmise()
			id := uuid.NewString()
			var wg sync.WaitGroup
			atts := make([]*db.Attempt, callers)
			errs := make([]error, callers)
			for i := range callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					attemptID, code := id, tillCode
					if !sameAttempt {
						attemptID, code = uuid.NewString(), fmt.Sprintf("28101234567890%04d", i)
					}
					req := payments.CheckoutRequest{AttemptID: attemptID, StoreID: tillStore, TerminalID: tillTerminal, Amount: 5000, Barcode: code}
					atts[i], errs[i] = e.instance(i).Checkout(e.ctx, tillCashier, req)
				}()
			}
			wg.Wait()
			taken := 0
			for i, err := range errs {
				var re *payments.Refusal
				switch {
				case err == nil:
					taken++
					if sameAttempt && atts[i].AttemptID != id {
						t.Fatalf("caller %d answered attempt %s", i, atts[i].AttemptID)
					}
				case !sameAttempt && errors.As(err, &re) && re.Code == "terminal_busy":
				default:
					t.Fatalf("caller %d: %v", i, err)
				}
			}
			if want := map[bool]int{true: callers, false: 1}[sameAttempt]; taken != want {
				t.Fatalf("%d sales taken, want %d", taken, want)
			}
			if n := e.requests("POST /charges"); n != 1 {
				t.Fatalf("POST /charges = %d, want 1", n)
			}
		})
	}
}

var manager = payments.Actor{UserID: 7, Username: "mgr", Role: "manager", IP: "192.0.2.1"}

// onlyARefunded checks the end of two instances refunding 300.00 of a
// 500.00 charge at once: a's request (keyA) made the refund; b was refused
// by our own rule (only 200.00 left) and never asked Omise.
func onlyARefunded(t *testing.T, e *twoInstances, chargeID, keyA string, errA, errB error) {
	t.Helper()
	if errA != nil {
		t.Fatalf("instance a: %v", errA)
	}
	var re *payments.Refusal
	if !errors.As(errB, &re) || strings.HasPrefix(re.Code, "omise_") {
		t.Fatalf("instance b: %v, want our own refusal (only 200.00 left), Omise never asked", errB)
	}
	if n := e.requests("POST /charges/{id}/refunds"); n != 1 {
		t.Fatalf("POST /refunds = %d, want 1 (only 200.00 was left for b)", n)
	}
	r, err := db.GetRefundRequestQ(e.ctx, e.b.DB.R, keyA)
	if err != nil || r.Status != db.RefundRequestDone {
		t.Fatalf("instance a's request: %+v, %v", r, err)
	}
	got, err := e.b.DB.GetCharge(e.ctx, chargeID)
	if err != nil || got.RefundedAmount != 30000 {
		t.Fatalf("stored charge: %+v, %v", got, err)
	}
}

// paidEvent pays chargeID at the simulator and returns the charge.complete
// event Omise holds for it.
func (e *twoInstances) paidEvent(t *testing.T, chargeID string) *omise.Event {
	t.Helper()
	if _, err := e.sim.MarkPaid(chargeID); err != nil {
		t.Fatal(err)
	}
	list, err := e.client.ListEvents(e.ctx, omise.ListParams{Limit: 100, Order: omise.OrderReverseChronological})
	if err != nil {
		t.Fatal(err)
	}
	for i := range list.Data {
		if list.Data[i].Key == "charge.complete" && list.Data[i].ChargeID() == chargeID {
			return &list.Data[i]
		}
	}
	t.Fatal("no charge.complete event at the simulator")
	return nil
}
