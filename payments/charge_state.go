package payments

import (
	"time"

	"instore/db"
	"instore/omise"
)

// Refund states shown, and filtered on, beside Omise's statuses. Omise keeps
// a refunded charge successful; people need to see that its money went back.
const (
	StatePartiallyRefunded = db.StatePartiallyRefunded
	StateRefunded          = db.StateRefunded
)

// DisplayState is the state a charge is shown in: Omise's status, except
// that a successful charge refunded in part or in full is
// partially_refunded or refunded.
func DisplayState(status string, amount, refunded int64) string {
	if !PaidStatus(status) || refunded <= 0 {
		return status
	}
	if refunded >= amount {
		return StateRefunded
	}
	return StatePartiallyRefunded
}

// PaidStatus reports whether a charge in this Omise status moved money:
// only a successful one did (a refund keeps it successful).
func PaidStatus(status string) bool { return status == string(omise.StatusSuccessful) }

// ChargeState is DisplayState of a stored charge.
func ChargeState(c *db.Charge) string { return DisplayState(c.Status, c.Amount, c.RefundedAmount) }

// LastRefundDay is the last Bangkok day a charge may be refunded on, all
// of it (refundCutoff), or "" when it was never successful.
func LastRefundDay(c *db.Charge) string {
	if !PaidStatus(c.Status) {
		return ""
	}
	return BusinessDay(refundCutoff(paidAt(c)).AddDate(0, 0, -1))
}

// refundCutoff is when refunds of a charge paid at paid end: the Bangkok
// midnight that starts the day RefundWindow after payment falls on. Ending
// at a midnight makes the last day people are shown refundable to its end,
// and ending before paid+RefundWindow keeps every refund we offer inside
// Omise's own 365 days, leap years included.
func refundCutoff(paid time.Time) time.Time {
	end := paid.Add(RefundWindow).In(Bangkok)
	return time.Date(end.Year(), end.Month(), end.Day(), 0, 0, 0, 0, Bangkok)
}

// refundWindowOver reports whether refunds of c have ended at now.
func refundWindowOver(c *db.Charge, now time.Time) bool {
	return !now.Before(refundCutoff(paidAt(c)))
}

// ShowsFee reports whether a charge's fee, VAT and net are worth showing:
// only where money moved, and only when Omise reported them.
func ShowsFee(c *db.Charge) bool { return MoneyMoved(c) && !c.FeeUnknown }
