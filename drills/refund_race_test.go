package drills

import (
	"fmt"
	"sync"
	"testing"

	"instore/omise"
	"instore/payments"
)

// TestRefundRace: 50 refunds of a tenth of a charge each, sent at once by
// different people (different idempotency keys). At most ten can succeed;
// the refunded total never exceeds the amount and equals what Omise says.
// Then the same 50 forms are submitted again: nothing more is refunded.
func TestRefundRace(t *testing.T) {
	t.Parallel()
	const amount, part, racers = 100000, 10000, 50
	e := newEnv(t, envOpts{})
	oc := e.createCharge(1, amount, nil)
	if _, err := e.sim.MarkPaid(oc.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SyncCharge(e.ctx, oc.ID); err != nil {
		t.Fatal(err)
	}
	key := func(i int) string { return fmt.Sprintf("6f1c2a4e-0000-4000-8000-%012d", i) }
	race := func() (ok int) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for i := 0; i < racers; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				a := payments.Actor{UserID: int64(i + 1), Username: fmt.Sprintf("manager%d", i), Role: "manager"}
				_, err := e.svc.Refund(e.ctx, a, payments.RefundRequest{ChargeID: oc.ID, Amount: part,
					Reason: payments.ReasonRequestedByCustomer, IdempotencyKey: key(i)})
				if err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			}(i)
		}
		wg.Wait()
		return ok
	}
	first := race()
	again := race()

	local, err := e.db.GetCharge(e.ctx, oc.ID)
	if err != nil {
		t.Fatal(err)
	}
	remote, err := e.client.GetCharge(e.ctx, oc.ID)
	if err != nil {
		t.Fatal(err)
	}
	refunds, err := e.db.ListRefunds(e.ctx, oc.ID)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, r := range refunds {
		sum += r.Amount
	}
	t.Logf("%d of %d refunds succeeded (then %d replays answered ok); local refunded %d, Omise %d, %d refund rows",
		first, racers, again, local.RefundedAmount, remote.RefundedAmount, len(refunds))
	if local.RefundedAmount > amount || remote.RefundedAmount > amount {
		t.Fatalf("refunded more than the charge: local %d, Omise %d, amount %d", local.RefundedAmount, remote.RefundedAmount, amount)
	}
	if local.RefundedAmount != remote.RefundedAmount || sum != remote.RefundedAmount {
		t.Fatalf("local refunded %d (rows sum %d) != Omise %d", local.RefundedAmount, sum, remote.RefundedAmount)
	}
	if int64(first)*part != remote.RefundedAmount {
		t.Fatalf("%d refunds reported ok but Omise refunded %d", first, remote.RefundedAmount)
	}
	if first > amount/part || first == 0 {
		t.Fatalf("%d refunds succeeded, want 1..%d", first, amount/part)
	}
	if n := e.sim.Stats().RefundsCreated; n != int64(first) {
		t.Fatalf("Omise made %d refunds, %d reported ok", n, first)
	}
	var list *omise.List[omise.Refund]
	if list, err = e.client.ListChargeRefunds(e.ctx, oc.ID, omise.ListParams{Limit: 100}); err != nil {
		t.Fatal(err)
	}
	if len(list.Data) != first {
		t.Fatalf("Omise lists %d refunds, want %d", len(list.Data), first)
	}
}
