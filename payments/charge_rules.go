package payments

import (
	"context"
	"time"

	"instore/db"
	"instore/omise"
)

// Expirable reports whether the charge may still be expired: only a
// pending charge can be (Omise answers failed_expire otherwise), and only
// when its method allows it.
func Expirable(c *db.Charge) bool {
	if m, ok := MethodBySourceType(c.SourceType); ok && !m.Expirable {
		return false
	}
	return c.Status == string(omise.StatusPending)
}

// MoneyMoved reports whether the charge moved money: only a successful
// charge has a fee, VAT and net worth showing or adding up.
func MoneyMoved(c *db.Charge) bool { return PaidStatus(c.Status) }

// Unrefunded is what of a successful charge has not been refunded yet, in
// satang, before refunds in flight, the refund cap and the window are
// counted (ChargeActions counts them).
func Unrefunded(c *db.Charge) int64 {
	if !MoneyMoved(c) {
		return 0
	}
	return c.Amount - c.RefundedAmount
}

// CanAccessStore reports whether u may see or act on storeID's data: the
// one rule of store access (what their role allows them to do is the
// route's rule). Admins and head-office users see every store, a group's
// user the group's stores as they are now, anyone else their own store.
func CanAccessStore(u *db.User, storeID string) bool {
	return ScopeOf(u).Has(storeID)
}

// Actions is what may be done to a charge now, by the same rules Refund
// and ExpireCharge apply, so a page offers only what they would accept.
type Actions struct {
	// Expire: the charge may be expired now.
	Expire bool
	// RefundUpTo is the most a refund may be now, in satang; 0 = none.
	// It leaves out refunds whose outcome is not known yet.
	RefundUpTo int64
	// RefundUntil is the last Bangkok day (YYYY-MM-DD) a refund is possible,
	// "" when the charge never moved money.
	RefundUntil string
	// RefundsLeft is how many more refunds the charge may have.
	RefundsLeft int
	// InFlight is the number of refunds whose outcome is not known yet.
	InFlight int
}

// ChargeActions reads the refunds made and in flight for c and says what
// may be done to it at now.
func (s *Service) ChargeActions(ctx context.Context, c *db.Charge, now time.Time) (Actions, error) {
	refunds, err := db.ListRefundsQ(ctx, s.DB.R, c.ID)
	if err != nil {
		return Actions{}, err
	}
	open, err := db.ListInFlightRefundRequestsQ(ctx, s.DB.R, c.ID)
	if err != nil {
		return Actions{}, err
	}
	var openSum int64
	for _, r := range open {
		openSum += r.Amount
	}
	return chargeActions(c, len(refunds), len(open), openSum, now), nil
}

// chargeActions is ChargeActions on counts already read: count refunds
// made, pendingCount of pendingSum satang in flight.
func chargeActions(c *db.Charge, count, pendingCount int, pendingSum int64, now time.Time) Actions {
	a := Actions{Expire: Expirable(c), InFlight: pendingCount, RefundUntil: LastRefundDay(c)}
	if !MoneyMoved(c) {
		return a
	}
	if m, ok := MethodBySourceType(c.SourceType); ok && !m.Refundable {
		return a
	}
	a.RefundsLeft = max(MaxRefundsPerCharge-count-pendingCount, 0)
	if a.RefundsLeft == 0 || refundWindowOver(c, now) {
		return a
	}
	a.RefundUpTo = max(Unrefunded(c)-pendingSum, 0)
	return a
}

// paidAt is when the charge was paid, or created when Omise gave no paid_at.
func paidAt(c *db.Charge) time.Time {
	if c.PaidAt != nil {
		return *c.PaidAt
	}
	return c.CreatedAt
}
