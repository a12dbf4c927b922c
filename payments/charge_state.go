package payments

import (
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

// LastRefundDay is the last Bangkok day a charge may be refunded on
// (RefundWindow after it was paid, or created when Omise gave no paid_at),
// or "" when it was never successful.
func LastRefundDay(c *db.Charge) string {
	if !PaidStatus(c.Status) {
		return ""
	}
	paid := c.CreatedAt
	if c.PaidAt != nil {
		paid = *c.PaidAt
	}
	return BusinessDay(paid.Add(RefundWindow))
}

// ShowsFee reports whether a charge's fee, VAT and net are worth showing:
// only where money moved, and only when Omise reported them.
func ShowsFee(c *db.Charge) bool { return MoneyMoved(c) && !c.FeeUnknown }
