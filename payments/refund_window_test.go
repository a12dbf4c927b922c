package payments

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"instore/db"
)

// TestRefundLastDayHoldsAllDay: the charge page names the last Bangkok
// day a refund is possible; a refund is then possible all of that day, in
// Bangkok, and not at all the day after, and the shown day is never past
// what Omise allows (365 days from payment), leap day or not.
func TestRefundLastDayHoldsAllDay(t *testing.T) {
	t.Parallel()
	bkk := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, Bangkok)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name, paid, lastDay string
	}{
		// Paid in the Bangkok evening: a different UTC day.
		{"evening", "2026-03-10 20:00", "2027-03-09"},
		// Paid just after Bangkok midnight: still the previous UTC day.
		{"after midnight", "2026-03-10 00:30", "2027-03-09"},
		// 365 days from 1 March 2027 end on 29 February 2028.
		{"across a leap day", "2027-03-01 14:00", "2028-02-28"},
		{"paid on a leap day", "2028-02-29 10:00", "2029-02-27"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newRefundEnv(t)
			paid := bkk(tc.paid)
			e.clock.Set(paid)
			c := e.paidCharge(t, 100000)
			shown := LastRefundDay(c)
			// Late on the day shown as the last, Bangkok time: refundable,
			// by the page and by the service, and Omise agrees.
			e.clock.Set(bkk(shown + " 23:59"))
			act, err := e.svc.ChargeActions(ctx, c, e.clock.Now())
			if err != nil || act.RefundUpTo != 100000 || act.RefundUntil != shown {
				t.Fatalf("actions on the last day: %+v, %v", act, err)
			}
			if _, err := e.svc.Refund(ctx, manager, RefundRequest{ChargeID: c.ID, Amount: 1000, Reason: ReasonOther, IdempotencyKey: newKey()}); err != nil {
				t.Fatalf("refund on the last day: %v", err)
			}
			// The first minute of the next Bangkok day: over.
			e.clock.Set(bkk(shown + " 23:59").Add(time.Minute))
			c, _ = e.svc.DB.GetCharge(ctx, c.ID)
			act, err = e.svc.ChargeActions(ctx, c, e.clock.Now())
			if err != nil || act.RefundUpTo != 0 {
				t.Fatalf("actions the day after: %+v, %v", act, err)
			}
			before := e.sim.Stats().RefundsCreated
			_, err = e.svc.Refund(ctx, manager, RefundRequest{ChargeID: c.ID, Amount: 1000, Reason: ReasonOther, IdempotencyKey: newKey()})
			if got := ruleCode(err); got != "refund_too_old" || e.sim.Stats().RefundsCreated != before {
				t.Fatalf("refund the day after: %q, omise refunds %d -> %d", got, before, e.sim.Stats().RefundsCreated)
			}
			if shown != tc.lastDay {
				t.Fatalf("last refund day %s, want %s (paid %s)", shown, tc.lastDay, c.PaidAt.In(Bangkok))
			}
		})
	}
}

// TestRefundHeldByUnknownOutcomeSaysSo: when what is left of a charge is
// held by a refund Omise has not answered yet, a further refund is
// refused with that reason, never "already refunded in full" (nothing may
// have been refunded at all).
func TestRefundHeldByUnknownOutcomeSaysSo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newRefundEnv(t)
	c := e.paidCharge(t, 50000)
	now := e.clock.Now().UTC()
	if err := e.svc.DB.Tx(ctx, func(tx *sql.Tx) error {
		return db.InsertRefundRequestTx(ctx, tx, &db.RefundRequest{IdempotencyKey: newKey(), ChargeID: c.ID, Amount: 50000,
			Reason: ReasonOther, Username: "mgr", Status: db.RefundRequestInFlight, CreatedAt: now, UpdatedAt: now})
	}); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.Refund(ctx, manager, RefundRequest{ChargeID: c.ID, Amount: 100, Reason: ReasonOther, IdempotencyKey: newKey()})
	var re *Refusal
	if !errors.As(err, &re) || re.Code != "refund_in_flight" || !inCatalog(re) {
		t.Fatalf("refund while the rest is in flight: %+v (%v)", re, err)
	}
	if n := e.sim.Stats().RefundsCreated; n != 0 {
		t.Fatalf("omise refunds = %d", n)
	}
}
