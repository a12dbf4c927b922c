package payments

import (
	"errors"
	"slices"
	"time"

	"instore/db"
	"instore/money"
	"instore/omise"
)

// Refund limits (Omise's own, docs.omise.co/refunding-charges, which match
// the product spec's 12 months).
const (
	MaxRefundsPerCharge = 15
	RefundWindow        = 365 * 24 * time.Hour
	MaxRefundNote       = 500
	// RefundWindowMonths is RefundWindow as people say it.
	RefundWindowMonths = 12
)

// Refund reasons a person picks from; stored locally and sent to Omise in
// the refund's metadata.
const (
	ReasonRequestedByCustomer = "requested_by_customer"
	ReasonDuplicate           = "duplicate"
	ReasonWrongAmount         = "wrong_amount"
	ReasonOther               = "other"
)

// RefundReasons lists the reasons in the order forms offer them.
var RefundReasons = []string{ReasonRequestedByCustomer, ReasonDuplicate, ReasonWrongAmount, ReasonOther}

// ValidRefundReason reports whether r is one of RefundReasons.
func ValidRefundReason(r string) bool { return slices.Contains(RefundReasons, r) }

// checkRefundRequest validates what does not depend on the charge.
func checkRefundRequest(req RefundRequest) *Refusal {
	switch {
	case !validIdempotencyKey(req.IdempotencyKey):
		return refuse(Invalid, "refund_key_invalid", "", nil)
	case req.Amount <= 0:
		return refuse(Invalid, "refund_amount_invalid", "amount", map[string]any{"Min": money.FormatTHB(0)})
	case !ValidRefundReason(req.Reason):
		return refuse(Invalid, "refund_reason_invalid", "reason", nil)
	case len([]rune(req.Note)) > MaxRefundNote:
		return refuse(Invalid, "refund_note_too_long", "note", map[string]any{"Max": MaxRefundNote})
	}
	return nil
}

// validIdempotencyKey accepts the UUIDs forms are drawn with, and any other
// short token of letters, digits and dashes API callers may choose.
func validIdempotencyKey(k string) bool {
	if len(k) < 8 || len(k) > 64 {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// checkRefundable validates a refund of amount against the charge as we
// hold it, the refunds already made (count) and those whose outcome is not
// known yet (pendingCount, pendingSum), at time now.
func checkRefundable(c *db.Charge, amount int64, count int, pendingCount int, pendingSum int64, now time.Time) *Refusal {
	if !MoneyMoved(c) {
		return refuse(Conflict, "refund_not_successful", "", map[string]any{
			"Status": c.Status, "StatusName": Phrase("refusal.status." + c.Status)})
	}
	if m, ok := MethodBySourceType(c.SourceType); ok && !m.Refundable {
		return refuse(Conflict, "refund_method", "", map[string]any{"Method": Phrase(m.LabelID())})
	}
	if c.Amount-c.RefundedAmount <= 0 {
		return refuse(Conflict, "refund_fully_refunded", "", nil)
	}
	remaining := c.Amount - c.RefundedAmount - pendingSum
	if remaining <= 0 {
		// Held by refunds Omise has not answered: they may never have
		// been made, so "refunded in full" could be untrue.
		return refuse(Conflict, "refund_in_flight", "", map[string]any{"Amount": money.FormatTHB(pendingSum)})
	}
	if count+pendingCount >= MaxRefundsPerCharge {
		return refuse(Conflict, "refund_too_many", "", map[string]any{"Max": MaxRefundsPerCharge})
	}
	if refundWindowOver(c, now) {
		return refuse(Conflict, "refund_too_old", "", map[string]any{
			"Months": RefundWindowMonths, "Day": BusinessDay(paidAt(c))})
	}
	if amount > remaining {
		return refuse(Invalid, "refund_amount_too_high", "amount", map[string]any{"Left": money.FormatTHB(remaining)})
	}
	return nil
}

// codeNotAtOmise marks a request whose refund Omise never made.
const codeNotAtOmise = "refund_not_at_omise"

var (
	errKeyReused     = refuse(Conflict, "refund_key_reused", "", nil)
	errRefundUnknown = refuse(Unavailable, "refund_outcome_unknown", "", nil)
)

// omiseRefusal is the one reading of an Omise error for people. during
// picks the wording: "refund" (nothing was refunded) or "charge" (expire,
// sync). Errors that are not Omise's answers read as Omise unreachable.
func omiseRefusal(err error, during string) *Refusal {
	r := &Refusal{Code: "omise_unavailable", Kind: Unavailable}
	key := "unavailable"
	var oe *omise.Error
	if errors.As(err, &oe) {
		switch {
		case oe.Code == "failed_refund":
			r.Code, r.Kind, key = "omise_failed_refund", Conflict, "failed_refund"
		case oe.Code == "failed_expire" || oe.Code == "expired_charge":
			r.Code, r.Kind, key = "omise_"+oe.Code, Conflict, "failed_expire"
		case oe.Code == "not_found":
			r.Code, r.Kind, key = "omise_not_found", NotFound, "not_found"
		case oe.Code == "authentication_failure" || oe.StatusCode == 401:
			r.Code, r.Kind, key = "omise_auth", Upstream, "auth"
		case oe.StatusCode == 429:
			r.Code, r.Kind, key = "omise_rate_limited", Unavailable, "rate_limited"
		case oe.StatusCode < 500:
			r.Code, r.Kind, key = "omise_"+oe.Code, Upstream, "refused"
			r.Args = map[string]any{"Code": oe.Code}
		}
	}
	r.Msg = "refusal." + during + ".omise_" + key
	return r
}

// ExplainError turns an error from Refund, ExpireCharge or Resync into a
// refusal for people, or reports false when err is internal (then show a
// generic error and log err).
func ExplainError(err error) (*Refusal, bool) {
	var re *Refusal
	switch {
	case err == nil:
		return nil, false
	case errors.As(err, &re):
		return re, true
	case errors.Is(err, ErrNotPending):
		return refuse(Conflict, "expire_not_pending", "", nil), true
	case errors.Is(err, db.ErrNotFound):
		return refuse(NotFound, "charge_not_found", "", nil), true
	}
	var oe *omise.Error
	var ce *omise.CallError
	if errors.As(err, &oe) || errors.As(err, &ce) {
		return omiseRefusal(err, "charge"), true
	}
	return nil, false
}

// ruleByCode rebuilds the refusal a failed request recorded, so a
// resubmitted form gets the same answer as the first submission.
func ruleByCode(code string) *Refusal {
	switch code {
	case "omise_failed_refund":
		return omiseRefusal(&omise.Error{StatusCode: 400, Code: "failed_refund"}, "refund")
	case codeNotAtOmise:
		return refuse(Conflict, codeNotAtOmise, "", nil)
	}
	return &Refusal{Code: code, Kind: Conflict, Msg: "refusal.refund_refused_before", Args: map[string]any{"Code": code}}
}
