package payments

import (
	"errors"
	"net/http"
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

// RuleError is a refusal a person can act on: a stable code, the form field
// it concerns ("" for the whole form), an HTTP status, and the explanation
// in English and Thai. It never carries internal error text.
type RuleError struct {
	Code   string
	Field  string
	Status int
	EN, TH string
}

// Error returns the code and the English text.
func (e *RuleError) Error() string { return "payments: " + e.Code + ": " + e.EN }

// Text is the message shown to people: Thai, then English.
func (e *RuleError) Text() string { return e.TH + " / " + e.EN }

func rule(code, field string, status int, en, th string) *RuleError {
	return &RuleError{Code: code, Field: field, Status: status, EN: en, TH: th}
}

// checkRefundRequest validates what does not depend on the charge.
func checkRefundRequest(req RefundRequest) *RuleError {
	switch {
	case !validIdempotencyKey(req.IdempotencyKey):
		return rule("refund_key_invalid", "", http.StatusUnprocessableEntity,
			"This form is out of date. Reload the page and try again.",
			"แบบฟอร์มนี้หมดอายุแล้ว กรุณาโหลดหน้าใหม่แล้วลองอีกครั้ง")
	case req.Amount <= 0:
		return rule("refund_amount_invalid", "amount", http.StatusUnprocessableEntity,
			"Enter an amount above ฿0.00.", "กรุณาระบุจำนวนเงินที่มากกว่า ฿0.00")
	case !ValidRefundReason(req.Reason):
		return rule("refund_reason_invalid", "reason", http.StatusUnprocessableEntity,
			"Choose a reason from the list.", "กรุณาเลือกเหตุผลจากรายการ")
	case len([]rune(req.Note)) > MaxRefundNote:
		return rule("refund_note_too_long", "note", http.StatusUnprocessableEntity,
			"The note is too long (at most 500 characters).", "หมายเหตุยาวเกินไป (ไม่เกิน 500 ตัวอักษร)")
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
func checkRefundable(c *db.Charge, amount int64, count int, pendingCount int, pendingSum int64, now time.Time) *RuleError {
	if c.Status != string(omise.StatusSuccessful) {
		return rule("refund_not_successful", "", http.StatusConflict,
			"Only successful charges can be refunded; this one is "+c.Status+".",
			"คืนเงินได้เฉพาะรายการที่ชำระสำเร็จแล้วเท่านั้น รายการนี้มีสถานะ "+statusTH(c.Status))
	}
	remaining := c.Amount - c.RefundedAmount - pendingSum
	if remaining <= 0 {
		return rule("refund_fully_refunded", "", http.StatusConflict,
			"This charge has already been refunded in full.", "รายการนี้คืนเงินครบเต็มจำนวนแล้ว")
	}
	if count+pendingCount >= MaxRefundsPerCharge {
		return rule("refund_too_many", "", http.StatusConflict,
			"A charge can be refunded at most 15 times; this one has reached the limit.",
			"รายการหนึ่งคืนเงินได้ไม่เกิน 15 ครั้ง รายการนี้ครบจำนวนแล้ว")
	}
	paid := c.CreatedAt
	if c.PaidAt != nil {
		paid = *c.PaidAt
	}
	if now.Sub(paid) > RefundWindow {
		day := paid.In(Bangkok).Format("2006-01-02")
		return rule("refund_too_old", "", http.StatusConflict,
			"Refunds are possible only within 12 months of the payment; this charge was paid on "+day+".",
			"คืนเงินได้ภายใน 12 เดือนนับจากวันที่ชำระเงินเท่านั้น รายการนี้ชำระเมื่อ "+day)
	}
	if amount > remaining {
		left := money.FormatTHB(remaining)
		return rule("refund_amount_too_high", "amount", http.StatusUnprocessableEntity,
			"The amount is more than what is left to refund ("+left+").",
			"จำนวนเงินเกินยอดที่ยังคืนได้ ("+left+")")
	}
	return nil
}

func statusTH(s string) string {
	switch s {
	case "pending":
		return "รอชำระ (pending)"
	case "failed":
		return "ไม่สำเร็จ (failed)"
	case "expired":
		return "หมดอายุ (expired)"
	case "reversed":
		return "ยกเลิกแล้ว (reversed)"
	}
	return s
}

// codeNotAtOmise marks a request whose refund Omise never made.
const codeNotAtOmise = "refund_not_at_omise"

var (
	errKeyReused = rule("refund_key_reused", "", http.StatusConflict,
		"This form was already used for a different refund. Reload the page and try again.",
		"แบบฟอร์มนี้ถูกใช้กับการคืนเงินรายการอื่นแล้ว กรุณาโหลดหน้าใหม่แล้วลองอีกครั้ง")
	errRefundUnknown = rule("refund_outcome_unknown", "", http.StatusServiceUnavailable,
		"Omise has not confirmed this refund yet. Nothing more will be refunded with this form: submit the same form again in a minute to see the result.",
		"Omise ยังไม่ยืนยันการคืนเงินนี้ แบบฟอร์มนี้จะไม่คืนเงินซ้ำ กรุณาส่งแบบฟอร์มเดิมอีกครั้งในอีกสักครู่เพื่อดูผล")
)

// omiseRefundError explains why Omise refused (or could not take) a refund.
func omiseRefundError(err error) *RuleError {
	var oe *omise.Error
	if errors.As(err, &oe) {
		switch {
		case oe.Code == "failed_refund":
			return rule("omise_failed_refund", "", http.StatusConflict,
				"Omise refused the refund: the charge cannot be refunded (already fully refunded, too old, or too many refunds). Nothing was refunded.",
				"Omise ปฏิเสธการคืนเงิน: รายการนี้คืนเงินไม่ได้ (คืนครบแล้ว เกินกำหนดเวลา หรือคืนเกินจำนวนครั้ง) ยังไม่มีการคืนเงิน")
		case oe.Code == "not_found":
			return rule("omise_not_found", "", http.StatusNotFound,
				"Omise does not know this charge. Nothing was refunded.",
				"Omise ไม่พบรายการนี้ ยังไม่มีการคืนเงิน")
		case oe.Code == "authentication_failure" || oe.StatusCode == http.StatusUnauthorized:
			return rule("omise_auth", "", http.StatusBadGateway,
				"Omise rejected our API key. Nothing was refunded; tell an administrator.",
				"Omise ไม่ยอมรับคีย์ API ยังไม่มีการคืนเงิน กรุณาแจ้งผู้ดูแลระบบ")
		case oe.StatusCode == http.StatusTooManyRequests:
			return rule("omise_rate_limited", "", http.StatusServiceUnavailable,
				"Omise is busy. Nothing was refunded; try again in a minute.",
				"Omise มีคำขอมากเกินไป ยังไม่มีการคืนเงิน กรุณาลองใหม่ในอีกสักครู่")
		case oe.StatusCode < 500:
			return rule("omise_"+oe.Code, "", http.StatusBadGateway,
				"Omise refused the refund ("+oe.Code+"). Nothing was refunded.",
				"Omise ปฏิเสธการคืนเงิน ("+oe.Code+") ยังไม่มีการคืนเงิน")
		}
	}
	return rule("omise_unavailable", "", http.StatusServiceUnavailable,
		"Omise could not be reached. Nothing was refunded; try again in a minute.",
		"ติดต่อ Omise ไม่ได้ ยังไม่มีการคืนเงิน กรุณาลองใหม่ในอีกสักครู่")
}

// ExplainError turns an error from Refund, ExpireCharge or Resync into a
// message for people, or reports false when err is internal (then show a
// generic error and log err).
func ExplainError(err error) (*RuleError, bool) {
	var re *RuleError
	switch {
	case err == nil:
		return nil, false
	case errors.As(err, &re):
		return re, true
	case errors.Is(err, ErrNotPending):
		return rule("expire_not_pending", "", http.StatusConflict,
			"Only a pending charge can be expired; this one has already finished.",
			"ยกเลิกได้เฉพาะรายการที่รอชำระเท่านั้น รายการนี้สิ้นสุดแล้ว"), true
	case errors.Is(err, db.ErrNotFound):
		return rule("charge_not_found", "", http.StatusNotFound,
			"No such charge.", "ไม่พบรายการนี้"), true
	}
	var oe *omise.Error
	if errors.As(err, &oe) {
		switch {
		case oe.Code == "failed_expire" || oe.Code == "expired_charge":
			return rule("omise_"+oe.Code, "", http.StatusConflict,
				"Omise could not expire the charge.", "Omise ยกเลิกรายการนี้ไม่ได้"), true
		case oe.Code == "not_found":
			return rule("omise_not_found", "", http.StatusNotFound,
				"Omise does not know this charge.", "Omise ไม่พบรายการนี้"), true
		case oe.StatusCode == http.StatusUnauthorized:
			return rule("omise_auth", "", http.StatusBadGateway,
				"Omise rejected our API key; tell an administrator.",
				"Omise ไม่ยอมรับคีย์ API กรุณาแจ้งผู้ดูแลระบบ"), true
		case oe.StatusCode == http.StatusTooManyRequests:
			return rule("omise_rate_limited", "", http.StatusServiceUnavailable,
				"Omise is busy; try again in a minute.", "Omise มีคำขอมากเกินไป กรุณาลองใหม่ในอีกสักครู่"), true
		case oe.StatusCode < 500:
			return rule("omise_"+oe.Code, "", http.StatusBadGateway,
				"Omise refused the request ("+oe.Code+").", "Omise ปฏิเสธคำขอ ("+oe.Code+")"), true
		}
	}
	var ce *omise.CallError
	if oe != nil || errors.As(err, &ce) {
		return rule("omise_unavailable", "", http.StatusServiceUnavailable,
			"Omise could not be reached. Try again in a minute.",
			"ติดต่อ Omise ไม่ได้ กรุณาลองใหม่ในอีกสักครู่"), true
	}
	return nil, false
}

// ruleByCode rebuilds the error a failed request recorded, so a resubmitted
// form gets the same answer as the first submission.
func ruleByCode(code string) *RuleError {
	switch code {
	case "omise_failed_refund":
		return omiseRefundError(&omise.Error{StatusCode: 400, Code: "failed_refund"})
	case codeNotAtOmise:
		return rule(codeNotAtOmise, "", http.StatusConflict,
			"This form was sent before but the refund never reached Omise. Nothing was refunded. Reload the page to try again.",
			"แบบฟอร์มนี้เคยส่งแล้วแต่คำขอคืนเงินไม่ถึง Omise ยังไม่มีการคืนเงิน กรุณาโหลดหน้าใหม่เพื่อลองอีกครั้ง")
	}
	return rule(code, "", http.StatusConflict,
		"This form was already submitted and Omise refused it ("+code+"). Nothing was refunded. Reload the page to try again.",
		"แบบฟอร์มนี้ส่งไปแล้วและ Omise ปฏิเสธ ("+code+") ยังไม่มีการคืนเงิน กรุณาโหลดหน้าใหม่เพื่อลองอีกครั้ง")
}
