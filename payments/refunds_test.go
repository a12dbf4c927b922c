package payments

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"instore/db"
	"instore/db/dbtest"
	"instore/fakeclock"
	"instore/omise"
	"instore/omise/omisehttp"
	"instore/omise/sim"
)

type refundEnv struct {
	svc    *Service
	sim    *sim.Sim
	client *omisehttp.Client
	clock  *fakeclock.Clock // the service's and the simulator's, so "364 days later" holds for both
}

func newRefundEnv(t *testing.T) *refundEnv {
	t.Helper()
	return newRefundEnvOn(t, sim.Options{}, "")
}

// newRefundEnvOn is newRefundEnv on a simulator with opts, the client
// sending Omise-Version version ("" for the client's default).
func newRefundEnvOn(t *testing.T, opts sim.Options, version string) *refundEnv {
	t.Helper()
	d, err := db.Open(context.Background(), dbtest.Source(t, "refunds.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	clock := fakeclock.Running()
	opts.Now = clock.Now
	s := sim.New(opts)
	srv := httptest.NewServer(s)
	t.Cleanup(func() { srv.Close(); s.Close() })
	cl, err := omisehttp.New(omisehttp.Config{BaseURL: srv.URL, PublicKey: sim.DefaultPublicKey, SecretKey: sim.DefaultSecretKey,
		Timeout: 5 * time.Second, Version: version})
	if err != nil {
		t.Fatal(err)
	}
	return &refundEnv{svc: &Service{DB: d, Omise: cl, Now: clock.Now}, sim: s, client: cl, clock: clock}
}

// paidCharge makes a charge at the simulator, pays it and stores it.
func (e *refundEnv) paidCharge(t *testing.T, amount int64) *db.Charge {
	t.Helper()
	c := e.pendingCharge(t, amount)
	if _, err := e.sim.MarkPaid(c.ID); err != nil {
		t.Fatal(err)
	}
	applied, err := e.svc.SyncCharge(context.Background(), c.ID)
	if err != nil || applied.Charge.Status != "successful" {
		t.Fatalf("sync paid charge: %+v, %v", applied, err)
	}
	return applied.Charge
}

func (e *refundEnv) pendingCharge(t *testing.T, amount int64) *db.Charge {
	t.Helper()
	oc, err := e.client.CreateCharge(context.Background(), omise.CreateChargeParams{
		Amount: amount, Currency: "THB", Metadata: map[string]string{MetaStoreID: "store_1", MetaTerminalID: "T1"},
		InlineSource: &omise.CreateSourceParams{Type: omise.SourceBarcodeAlipay, Barcode: "2810000000000004321",
			StoreID: "store_1", StoreName: "Shop", TerminalID: "T1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	applied, err := e.svc.ApplyCharge(context.Background(), oc)
	if err != nil {
		t.Fatal(err)
	}
	return applied.Charge
}

func (e *refundEnv) omiseCharge(t *testing.T, id string) *omise.Charge {
	t.Helper()
	oc, err := e.client.GetCharge(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return oc
}

var manager = Actor{UserID: 7, Username: "mgr", Role: "manager", IP: "192.0.2.1"}

var keySeq atomic.Int64

func newKey() string { return fmt.Sprintf("key-%08d-%d", keySeq.Add(1), time.Now().UnixNano()) }

func ruleCode(err error) string {
	var re *Refusal
	if errors.As(err, &re) {
		return re.Code
	}
	if err != nil {
		return "other: " + err.Error()
	}
	return ""
}

func TestRefundRules(t *testing.T) {
	t.Parallel()
	const day = 24 * time.Hour
	cases := []struct {
		name    string
		setup   func(t *testing.T, e *refundEnv, c *db.Charge) // before the refund under test
		amount  int64
		reason  string
		want    string // rule code, "" = refunded
		omiseOK bool   // the simulator itself would accept this refund
	}{
		{name: "zero", amount: 0, want: "refund_amount_invalid"},
		{name: "negative", amount: -100, want: "refund_amount_invalid"},
		{name: "above the charge", amount: 100001, want: "refund_amount_too_high"},
		{name: "above the remainder", amount: 70001, want: "refund_amount_too_high", setup: refundFirst(30000)},
		{name: "exact remainder", amount: 70000, want: "", setup: refundFirst(30000), omiseOK: true},
		{name: "whole charge", amount: 100000, want: "", omiseOK: true},
		{name: "fully refunded", amount: 100, want: "refund_fully_refunded", setup: refundFirst(100000)},
		{name: "15th refund", amount: 100, want: "", setup: refundTimes(14), omiseOK: true},
		{name: "16th refund", amount: 100, want: "refund_too_many", setup: refundTimes(15)},
		{name: "day 364", amount: 5000, want: "", setup: advance(364 * day), omiseOK: true},
		{name: "day 366", amount: 5000, want: "refund_too_old", setup: advance(366 * day)},
		{name: "unknown reason", amount: 5000, reason: "because", want: "refund_reason_invalid"},
		{name: "no reason", amount: 5000, reason: "-", want: "refund_reason_invalid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newRefundEnv(t)
			c := e.paidCharge(t, 100000)
			if tc.setup != nil {
				tc.setup(t, e, c)
			}
			before, _ := e.svc.DB.GetCharge(ctx, c.ID)
			omiseBefore := e.sim.Stats().RefundsCreated
			reason := tc.reason
			switch reason {
			case "":
				reason = ReasonRequestedByCustomer
			case "-":
				reason = ""
			}
			f, err := e.svc.Refund(ctx, manager, RefundRequest{ChargeID: c.ID, Amount: tc.amount, Reason: reason, Note: "n", IdempotencyKey: newKey()})
			if got := ruleCode(err); got != tc.want {
				t.Fatalf("refund %d: got %q, want %q", tc.amount, got, tc.want)
			}
			after, _ := e.svc.DB.GetCharge(ctx, c.ID)
			made := e.sim.Stats().RefundsCreated - omiseBefore
			if tc.want != "" {
				if made != 0 || after.RefundedAmount != before.RefundedAmount {
					t.Fatalf("refused refund changed something: omise refunds %d, refunded %d -> %d", made, before.RefundedAmount, after.RefundedAmount)
				}
				// The same refund asked of the simulator directly: its own
				// rules agree with ours where they overlap.
				if tc.amount > 0 && reason != "" && tc.reason == "" {
					_, oerr := e.client.CreateRefund(ctx, c.ID, omise.CreateRefundParams{Amount: tc.amount})
					if omise.ErrorCode(oerr) != "failed_refund" {
						t.Fatalf("simulator accepted what we refuse: %v", oerr)
					}
				}
				return
			}
			if made != 1 || f == nil || f.Amount != tc.amount || f.Reason != reason || f.Note != "n" || f.CreatedBy != "mgr" {
				t.Fatalf("refund = %+v, omise refunds made %d", f, made)
			}
			oc := e.omiseCharge(t, c.ID)
			if after.RefundedAmount != before.RefundedAmount+tc.amount || oc.RefundedAmount != after.RefundedAmount {
				t.Fatalf("refunded ours %d, omise %d, want %d", after.RefundedAmount, oc.RefundedAmount, before.RefundedAmount+tc.amount)
			}
			if !tc.omiseOK {
				t.Fatal("case expects the simulator to refuse")
			}
		})
	}
}

func refundFirst(amount int64) func(*testing.T, *refundEnv, *db.Charge) {
	return func(t *testing.T, e *refundEnv, c *db.Charge) {
		t.Helper()
		if _, err := e.svc.Refund(context.Background(), manager, RefundRequest{ChargeID: c.ID, Amount: amount, Reason: ReasonDuplicate, IdempotencyKey: newKey()}); err != nil {
			t.Fatal(err)
		}
	}
}

func refundTimes(n int) func(*testing.T, *refundEnv, *db.Charge) {
	return func(t *testing.T, e *refundEnv, c *db.Charge) {
		t.Helper()
		for i := 0; i < n; i++ {
			refundFirst(100)(t, e, c)
		}
	}
}

func advance(d time.Duration) func(*testing.T, *refundEnv, *db.Charge) {
	return func(_ *testing.T, e *refundEnv, _ *db.Charge) { e.clock.Advance(d) }
}

func TestRefundOfPendingChargeRefused(t *testing.T) {
	t.Parallel()
	e := newRefundEnv(t)
	c := e.pendingCharge(t, 5000)
	_, err := e.svc.Refund(context.Background(), manager, RefundRequest{ChargeID: c.ID, Amount: 100, Reason: ReasonOther, IdempotencyKey: newKey()})
	if ruleCode(err) != "refund_not_successful" || e.sim.Stats().RefundsCreated != 0 {
		t.Fatalf("err = %v", err)
	}
}

// TestConcurrentRefundsNeverExceedTheCharge: 20 managers refund at once.
func TestConcurrentRefundsNeverExceedTheCharge(t *testing.T) {
	t.Parallel()
	for _, each := range []int64{10000, 7000} {
		t.Run(fmt.Sprint(each), func(t *testing.T) {
			ctx := context.Background()
			e := newRefundEnv(t)
			c := e.paidCharge(t, 100000)
			var wg sync.WaitGroup
			var ok, refused atomic.Int64
			for i := 0; i < 20; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := e.svc.Refund(ctx, manager, RefundRequest{ChargeID: c.ID, Amount: each, Reason: ReasonOther, IdempotencyKey: newKey()})
					switch code := ruleCode(err); code {
					case "":
						ok.Add(1)
					case "refund_amount_too_high", "refund_fully_refunded":
						refused.Add(1)
					default:
						t.Errorf("unexpected: %s", code)
					}
				}()
			}
			wg.Wait()
			oc := e.omiseCharge(t, c.ID)
			ours, _ := e.svc.DB.GetCharge(ctx, c.ID)
			refunds, _ := e.svc.DB.ListRefunds(ctx, c.ID)
			var sum int64
			for _, f := range refunds {
				sum += f.Amount
			}
			want := 100000 / each * each
			if oc.RefundedAmount != want || ours.RefundedAmount != want || sum != want || ok.Load() != 100000/each || ok.Load()+refused.Load() != 20 {
				t.Fatalf("omise %d, ours %d, rows %d, ok %d refused %d; want %d", oc.RefundedAmount, ours.RefundedAmount, sum, ok.Load(), refused.Load(), want)
			}
		})
	}
}

func TestRefundSameKeyMakesOneOmiseRefund(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newRefundEnv(t)
	c := e.paidCharge(t, 50000)
	key := newKey()
	req := RefundRequest{ChargeID: c.ID, Amount: 10000, Reason: ReasonWrongAmount, Note: "double click", IdempotencyKey: key}
	var wg sync.WaitGroup
	ids := make([]string, 5)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, err := e.svc.Refund(ctx, manager, req)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = f.ID
		}()
	}
	wg.Wait()
	f, err := e.svc.Refund(ctx, manager, req) // and once more, later
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if id != f.ID {
			t.Fatalf("different refunds for one key: %v vs %s", ids, f.ID)
		}
	}
	if n := e.sim.Stats().RefundsCreated; n != 1 {
		t.Fatalf("omise refunds = %d", n)
	}
	ours, _ := e.svc.DB.GetCharge(ctx, c.ID)
	if ours.RefundedAmount != 10000 {
		t.Fatalf("refunded = %d", ours.RefundedAmount)
	}
	// The key cannot be reused for another amount.
	req.Amount = 500
	if _, err := e.svc.Refund(ctx, manager, req); ruleCode(err) != "refund_key_reused" {
		t.Fatalf("reused key: %v", err)
	}
}

func TestRefundOmiseRefusalRecordsNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newRefundEnv(t)
	c := e.paidCharge(t, 50000)
	// Refunded in full on the Omise dashboard; we have not heard yet.
	if _, err := e.sim.RefundQuietly(c.ID, 50000); err != nil {
		t.Fatal(err)
	}
	req := RefundRequest{ChargeID: c.ID, Amount: 10000, Reason: ReasonOther, IdempotencyKey: newKey()}
	_, err := e.svc.Refund(ctx, manager, req)
	var re *Refusal
	if !errors.As(err, &re) || re.Code != "omise_failed_refund" || !inCatalog(re) {
		t.Fatalf("err = %v", err)
	}
	refunds, _ := e.svc.DB.ListRefunds(ctx, c.ID)
	for _, f := range refunds {
		if f.CreatedBy == "mgr" {
			t.Fatalf("our refund recorded: %+v", f)
		}
	}
	// What Omise said was caught up: the dashboard refund, nothing of ours.
	ours, _ := e.svc.DB.GetCharge(ctx, c.ID)
	if ours.RefundedAmount != 50000 || len(refunds) != 1 {
		t.Fatalf("after refusal: refunded %d, %d refunds", ours.RefundedAmount, len(refunds))
	}
	calls := e.sim.Stats().Requests["POST /charges/{id}/refunds"]
	if _, err := e.svc.Refund(ctx, manager, req); ruleCode(err) != "omise_failed_refund" {
		t.Fatalf("resubmit: %v", err)
	}
	if again := e.sim.Stats().Requests["POST /charges/{id}/refunds"]; again != calls {
		t.Fatalf("resubmitted form called Omise again (%d -> %d)", calls, again)
	}
}

func TestRefundUnansweredCallIsSettledByKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newRefundEnv(t)
	c := e.paidCharge(t, 50000)
	req := RefundRequest{ChargeID: c.ID, Amount: 20000, Reason: ReasonOther, IdempotencyKey: newKey()}
	// The refund POST gets a 500: Omise may or may not have made it.
	e.sim.SetFaults(sim.Faults{FailNext5xx: 1})
	if _, err := e.svc.Refund(ctx, manager, req); ruleCode(err) != "refund_outcome_unknown" {
		t.Fatalf("err = %v", err)
	}
	// Its amount stays reserved: 40,000 more would exceed the charge.
	if _, err := e.svc.Refund(ctx, manager, RefundRequest{ChargeID: c.ID, Amount: 40000, Reason: ReasonOther, IdempotencyKey: newKey()}); ruleCode(err) != "refund_amount_too_high" {
		t.Fatalf("reservation ignored: %v", err)
	}
	// Later, Omise's list shows no refund with the key: it was never made.
	e.clock.Advance(3 * time.Minute)
	if _, err := e.svc.Refund(ctx, manager, req); ruleCode(err) != codeNotAtOmise {
		t.Fatalf("resubmit: %v", err)
	}
	if _, err := e.svc.Refund(ctx, manager, RefundRequest{ChargeID: c.ID, Amount: 40000, Reason: ReasonOther, IdempotencyKey: newKey()}); err != nil {
		t.Fatalf("after settling: %v", err)
	}
	if n := e.sim.Stats().RefundsCreated; n != 1 {
		t.Fatalf("omise refunds = %d", n)
	}
}

func TestRefundInFlightFoundAtOmiseIsCompleted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newRefundEnv(t)
	c := e.paidCharge(t, 50000)
	key := newKey()
	// As if we crashed right after Omise made the refund: the request is in
	// flight here, the refund with our key exists there.
	now := e.svc.now()
	if err := db.InsertRefundRequestTx(ctx, e.svc.DB.W, &db.RefundRequest{IdempotencyKey: key, ChargeID: c.ID, Amount: 15000,
		Reason: ReasonDuplicate, Username: "mgr", Status: db.RefundRequestInFlight, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CreateRefund(ctx, c.ID, omise.CreateRefundParams{Amount: 15000, Metadata: map[string]string{"idempotency_key": key}}); err != nil {
		t.Fatal(err)
	}
	f, err := e.svc.Refund(ctx, manager, RefundRequest{ChargeID: c.ID, Amount: 15000, Reason: ReasonDuplicate, IdempotencyKey: key})
	if err != nil || f.Amount != 15000 || f.Reason != ReasonDuplicate || f.CreatedBy != "mgr" {
		t.Fatalf("resubmit: %+v, %v", f, err)
	}
	if n := e.sim.Stats().RefundsCreated; n != 1 {
		t.Fatalf("omise refunds = %d", n)
	}
	ours, _ := e.svc.DB.GetCharge(ctx, c.ID)
	if ours.RefundedAmount != 15000 {
		t.Fatalf("refunded = %d", ours.RefundedAmount)
	}
}

func TestRefundAndResyncAreAudited(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newRefundEnv(t)
	c := e.paidCharge(t, 50000)
	if _, err := e.svc.Refund(ctx, manager, RefundRequest{ChargeID: c.ID, Amount: 1000, Reason: ReasonOther, Note: "note", IdempotencyKey: newKey()}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Resync(ctx, manager, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ExpireCharge(ctx, manager, c.ID); !errors.Is(err, ErrNotPending) {
		t.Fatalf("expire of a successful charge: %v", err)
	}
	if re, ok := ExplainError(ErrNotPending); !ok || re.Kind != Conflict || !inCatalog(re) {
		t.Fatalf("explain not pending: %+v", re)
	}
	entries, err := e.svc.DB.ListAudit(ctx, db.AuditFilter{Target: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]db.AuditEntry{}
	for _, a := range entries {
		got[a.Action] = a
	}
	for _, action := range []string{"refund.create", "charge.sync", "charge.expire"} {
		a, ok := got[action]
		if !ok || a.Username != "mgr" || a.IP != "192.0.2.1" || a.Before == "" || a.After == "" {
			t.Fatalf("%s audit = %+v", action, a)
		}
	}
	if r := got["refund.create"]; r.Result != "ok" || r.After == r.Before {
		t.Fatalf("refund audit = %+v", r)
	}
}

// TestRefundInFlightWithoutMetadataIsNotDeclaredUnmade: on an account whose
// refunds carry no metadata, a request whose answer was lost cannot be
// found by its key. Omise's refund of its amount, made after it, is taken
// as its outcome instead of declaring it never made, which would offer the
// amount again: a second refund of money already returned. Two such
// refunds are ambiguous and the request stays in flight.
func TestRefundInFlightWithoutMetadataIsNotDeclaredUnmade(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// An account answering in the recorded 2017-11-02 shape.
	e := newRefundEnvOn(t, sim.Options{Recorded2017: true}, omise.Version2017)
	c := e.paidCharge(t, 50000)
	inFlight := func(key string, amount int64) {
		t.Helper()
		now := e.svc.now()
		if err := db.InsertRefundRequestTx(ctx, e.svc.DB.W, &db.RefundRequest{IdempotencyKey: key, ChargeID: c.ID, Amount: amount,
			Reason: ReasonDuplicate, Username: "mgr", Status: db.RefundRequestInFlight, CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	madeAtOmise := func(amount int64, key string) {
		t.Helper()
		if _, err := e.client.CreateRefund(ctx, c.ID, omise.CreateRefundParams{Amount: amount, Metadata: map[string]string{"idempotency_key": key}}); err != nil {
			t.Fatal(err)
		}
	}
	// As if the answer to our call was lost after Omise made the refund.
	key := newKey()
	inFlight(key, 15000)
	madeAtOmise(15000, key)
	e.clock.Advance(3 * time.Minute)
	f, err := e.svc.Refund(ctx, manager, RefundRequest{ChargeID: c.ID, Amount: 15000, Reason: ReasonDuplicate, IdempotencyKey: key})
	if err != nil || f.Amount != 15000 || f.CreatedBy != "mgr" {
		t.Fatalf("resubmit: %+v, %v", f, err)
	}
	if ours, _ := e.svc.DB.GetCharge(ctx, c.ID); ours.RefundedAmount != 15000 {
		t.Fatalf("refunded = %d", ours.RefundedAmount)
	}

	// Two lost requests of one amount, two refunds: which is whose is not
	// known, so neither is settled, and neither is declared never made.
	a, b := newKey(), newKey()
	inFlight(a, 5000)
	inFlight(b, 5000)
	madeAtOmise(5000, a)
	madeAtOmise(5000, b)
	e.clock.Advance(3 * time.Minute)
	if _, err := e.svc.Refund(ctx, manager, RefundRequest{ChargeID: c.ID, Amount: 5000, Reason: ReasonDuplicate, IdempotencyKey: a}); ruleCode(err) != "refund_outcome_unknown" {
		t.Fatalf("ambiguous: %v", err)
	}
	if n := e.sim.Stats().RefundsCreated; n != 3 {
		t.Fatalf("omise refunds = %d, want 3 (no call of ours)", n)
	}
}
