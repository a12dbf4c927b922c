package payments_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"instore/db"
	"instore/db/dbtest"
	"instore/omise"
	"instore/omise/sim"
	"instore/payments"
)

// The charge and event locks (db.LockKey) are advisory locks on a session
// of their own. These tests cut instance a's lock session (a database
// failover, a network cut, an administrator's pg_terminate_backend) while
// a holds the key and waits for Omise, then send the same work to
// instance b, which then finds the key free. Whatever the lock no longer
// guards, the database's own guards must: Omise is asked once for one
// form, and money and states are stored once.

// holdAtOmise makes Omise answer requests matching match slowly and
// returns a channel that is closed when the first of them arrives.
func (e *twoInstances) holdAtOmise(match func(*http.Request) bool, latency time.Duration) <-chan struct{} {
	arrived := make(chan struct{})
	var once sync.Once
	e.sim.SetFaults(sim.Faults{Latency: latency, Match: func(r *http.Request) bool {
		if !match(r) {
			return false
		}
		once.Do(func() { close(arrived) })
		return true
	}})
	return arrived
}

func waitArrived(t *testing.T, arrived <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s never reached Omise", what)
	}
}

func isPost(suffix string) func(*http.Request) bool {
	return func(r *http.Request) bool {
		return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, suffix)
	}
}

func (e *twoInstances) paidCharge(t *testing.T) *db.Charge {
	t.Helper()
	c := e.pendingCharge(t)
	if _, err := e.sim.MarkPaid(c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.a.SyncCharge(e.ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	return c
}

// One expire form: a's POST /expire is at Omise when its lock session is
// cut, and the same form reaches b. Nothing stored before the call tells
// b that a is at Omise, so b asks Omise too: expiring is idempotent there
// (the second call is refused with failed_expire or expired_charge, or
// both expire the same charge), b then reads the charge back, and both
// answer with the expired charge stored once. This pins that the extra
// call is all the lost lock costs.
func TestLockLostMidExpireSameForm(t *testing.T) {
	t.Parallel()
	dbtest.RequirePostgres(t)
	e := newTwoInstances(t)
	c := e.pendingCharge(t)
	arrived := e.holdAtOmise(isPost("/expire"), time.Second)
	const key = "5d0c1e2a-expire-form"
	type result struct {
		c   *db.Charge
		err error
	}
	doneA := make(chan result, 1)
	go func() {
		got, err := e.a.ExpireRequested(e.ctx, manager, c.ID, key)
		doneA <- result{got, err}
	}()
	waitArrived(t, arrived, "a's expire")
	dbtest.TerminateKeyLock(t, e.b.DB.W, "charge:"+c.ID)
	gotB, errB := e.b.ExpireRequested(e.ctx, manager, c.ID, key)
	ra := <-doneA
	if ra.err != nil || ra.c == nil || ra.c.Status != "expired" {
		t.Fatalf("instance a: %+v, %v", ra.c, ra.err)
	}
	if errB != nil || gotB == nil || gotB.Status != "expired" {
		t.Fatalf("instance b: %+v, %v", gotB, errB)
	}
	t.Logf("POST /charges/{id}/expire = %d for one form", e.requests("POST /charges/{id}/expire"))
	if n := e.requests("POST /charges/{id}/expire"); n > 2 {
		t.Fatalf("POST /charges/{id}/expire = %d, want at most one per instance", n)
	}
	got, err := e.b.DB.GetCharge(e.ctx, c.ID)
	if err != nil || got.Status != "expired" {
		t.Fatalf("stored charge: %+v, %v", got, err)
	}
	// The same form once more, the lock whole again: the first outcome.
	if again, err := e.b.ExpireRequested(e.ctx, manager, c.ID, key); err != nil || again.Status != "expired" {
		t.Fatalf("the form again: %+v, %v", again, err)
	}
	if n := e.requests("POST /charges/{id}/expire"); n > 2 {
		t.Fatalf("POST /charges/{id}/expire = %d after the form again", n)
	}
}

// One refund form: a's POST /refunds is at Omise when its lock session is
// cut, and the same form reaches b. The request's row (its key is the
// primary key) keeps b from asking Omise: one refund, stored once.
func TestLockLostMidRefundSameForm(t *testing.T) {
	t.Parallel()
	dbtest.RequirePostgres(t)
	e := newTwoInstances(t)
	c := e.paidCharge(t)
	arrived := e.holdAtOmise(isPost("/refunds"), time.Second)
	req := payments.RefundRequest{ChargeID: c.ID, Amount: 10000, Reason: payments.ReasonWrongAmount, IdempotencyKey: uuid.NewString()}
	doneA := make(chan error, 1)
	go func() {
		_, err := e.a.Refund(e.ctx, manager, req)
		doneA <- err
	}()
	waitArrived(t, arrived, "a's refund")
	dbtest.TerminateKeyLock(t, e.b.DB.W, "charge:"+c.ID)
	_, errB := e.b.Refund(e.ctx, manager, req)
	if err := <-doneA; err != nil {
		t.Fatalf("instance a: %v", err)
	}
	t.Logf("instance b, same form while a is at Omise: %v", errB)
	if n := e.requests("POST /charges/{id}/refunds"); n != 1 {
		t.Fatalf("POST /refunds = %d for one form, want 1", n)
	}
	// The form again once a is done gets a's refund.
	f, err := e.b.Refund(e.ctx, manager, req)
	if err != nil {
		t.Fatalf("the form again: %v", err)
	}
	refunds, err := e.b.DB.ListRefunds(e.ctx, c.ID)
	if err != nil || len(refunds) != 1 || refunds[0].ID != f.ID {
		t.Fatalf("stored refunds: %+v, %v", refunds, err)
	}
	got, err := e.b.DB.GetCharge(e.ctx, c.ID)
	if err != nil || got.RefundedAmount != 10000 {
		t.Fatalf("stored charge: %+v, %v", got, err)
	}
	assertRefundAudits(t, e, c.ID, map[string]int{"ok": 1})
}

// Another form for the same charge reaches b after a's lock is cut while
// a waits for Omise: a's request, recorded in flight before a's call, is
// counted against b's inside b's transaction, and settling it waits out
// the settling grace (longer than any Omise call may take), so b is
// refused by our own rule and Omise is asked once. That grace is what
// stands in for the lock here: it assumes the instances' clocks agree to
// well within it.
func TestLockLostMidRefundOtherForm(t *testing.T) {
	t.Parallel()
	dbtest.RequirePostgres(t)
	e := newTwoInstances(t)
	c := e.paidCharge(t) // 500.00
	arrived := e.holdAtOmise(isPost("/refunds"), time.Second)
	keyA := uuid.NewString()
	doneA := make(chan error, 1)
	go func() {
		_, err := e.a.Refund(e.ctx, manager, payments.RefundRequest{ChargeID: c.ID, Amount: 30000, Reason: payments.ReasonWrongAmount, IdempotencyKey: keyA})
		doneA <- err
	}()
	waitArrived(t, arrived, "a's refund")
	dbtest.TerminateKeyLock(t, e.b.DB.W, "charge:"+c.ID)
	_, errB := e.b.Refund(e.ctx, manager, payments.RefundRequest{ChargeID: c.ID, Amount: 30000, Reason: payments.ReasonWrongAmount, IdempotencyKey: uuid.NewString()})
	onlyARefunded(t, e, c.ID, keyA, <-doneA, errB)
	assertRefundAudits(t, e, c.ID, map[string]int{"ok": 1, "refused": 1})
}

// One event: a's read of the charge is at Omise when its lock session is
// cut, and the same delivery reaches b, whose charge read Omise answers
// after a's. The event is applied once, its stored result is a's (b's
// "unchanged" is not written over it) and b answers duplicate.
func TestLockLostMidWebhook(t *testing.T) {
	t.Parallel()
	dbtest.RequirePostgres(t)
	e := newTwoInstances(t)
	c := e.pendingCharge(t)
	ev := e.paidEvent(t, c.ID)
	raw, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	arrived := e.holdAtOmise(func(r *http.Request) bool {
		return r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/charges/"+c.ID)
	}, time.Second)
	deliver := func(s *payments.Service) (payments.WebhookOutcome, error) {
		delivered, err := omise.DecodeEvent(raw)
		if err != nil {
			return payments.WebhookOutcome{}, err
		}
		return s.ReceiveWebhook(e.ctx, raw, delivered, "valid")
	}
	type result struct {
		out payments.WebhookOutcome
		err error
	}
	doneA := make(chan result, 1)
	go func() {
		out, err := deliver(e.a)
		doneA <- result{out, err}
	}()
	waitArrived(t, arrived, "a's charge read")
	dbtest.TerminateKeyLock(t, e.b.DB.W, "event:"+ev.ID)
	outB, errB := deliver(e.b)
	ra := <-doneA
	if ra.err != nil || errB != nil {
		t.Fatalf("deliveries: a %+v %v, b %+v %v", ra.out, ra.err, outB, errB)
	}
	applied := 0
	for _, o := range []payments.WebhookOutcome{ra.out, outB} {
		if o.Result == db.EventApplied {
			applied++
		}
	}
	if applied != 1 || outB.Result != "duplicate" {
		t.Fatalf("applied %d times, want once: a %+v, b %+v", applied, ra.out, outB)
	}
	stored, err := e.b.DB.GetEvent(e.ctx, ev.ID)
	if err != nil || stored.Result != db.EventApplied {
		t.Fatalf("stored event: %+v, %v", stored, err)
	}
	got, err := e.b.DB.GetCharge(e.ctx, c.ID)
	if err != nil || got.Status != "successful" {
		t.Fatalf("stored charge: %+v, %v", got, err)
	}
}

// assertRefundAudits checks the charge's refund audit entries by result.
func assertRefundAudits(t *testing.T, e *twoInstances, chargeID string, want map[string]int) {
	t.Helper()
	entries, err := e.b.DB.ListAudit(e.ctx, db.AuditFilter{Action: "refund.create", Target: chargeID})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, a := range entries {
		got[a.Result]++
	}
	for r, n := range want {
		if got[r] != n {
			t.Fatalf("refund audit entries %v, want %v", got, want)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("refund audit entries %v, want %v", got, want)
	}
}
