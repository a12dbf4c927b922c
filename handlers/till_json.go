package handlers

import (
	"time"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/money"
	"instore/payments"
)

// TillAttemptJSON is a till sale as the till's script and API clients see
// it. status is one of creating, pending, successful, failed, expired,
// unknown; a sale Omise refused before any charge existed is failed, with
// failure_code saying why.
type TillAttemptJSON struct {
	AttemptID      string `json:"attempt_id"`
	ChargeID       string `json:"charge_id"`
	Status         string `json:"status"`
	Final          bool   `json:"final"`
	Amount         int64  `json:"amount"`
	AmountDisplay  string `json:"amount_display"`
	Currency       string `json:"currency"`
	FailureCode    string `json:"failure_code"`
	FailureMessage string `json:"failure_message"`
	StoreID        string `json:"store_id"`
	TerminalID     string `json:"terminal_id"`
	BarcodeMasked  string `json:"barcode_masked"`
	MessageTH      string `json:"message_th"`
	MessageEN      string `json:"message_en"`
	ExpiresAt      string `json:"expires_at,omitempty"` // pending: when it is expired if unanswered
	URL            string `json:"url"`
	Method         string `json:"method"`           // the payment method (registry id)
	QRURL          string `json:"qr_url,omitempty"` // a QR method's pending sale: the image the customer scans
}

// tillStatus maps an attempt status to what the till shows: rejected
// (Omise refused before charging) reads as failed.
func tillStatus(status string) string {
	if status == db.AttemptRejected {
		return db.AttemptFailed
	}
	return status
}

func (h *Till) attemptJSON(a *db.Attempt) TillAttemptJSON {
	m := biMsg(payments.OutcomeOf(a).MsgID)
	j := TillAttemptJSON{
		AttemptID: a.AttemptID, ChargeID: a.ChargeID, Status: tillStatus(a.Status), Final: !db.AttemptOpen(a.Status),
		Amount: a.Amount, AmountDisplay: money.FormatTHB(a.Amount), Currency: a.Currency,
		StoreID: a.StoreID, TerminalID: a.TerminalID, BarcodeMasked: a.BarcodeMasked,
		MessageTH: m.TH, MessageEN: m.EN, URL: "/till/charges/" + a.AttemptID,
	}
	if j.Status == db.AttemptFailed {
		j.FailureCode, j.FailureMessage = a.ErrorCode, m.EN
	}
	if a.Status == db.AttemptPending {
		j.ExpiresAt = h.Payments.TillDeadline(a).UTC().Format(time.RFC3339)
	}
	if m, ok := payments.MethodOfAttempt(a); ok {
		j.Method = m.ID
	}
	if payments.ShowsQR(a) {
		j.QRURL = tillQRURL(a.AttemptID)
	}
	return j
}

// tillQRURL serves a QR sale's image through this server.
func tillQRURL(attemptID string) string { return "/till/charges/" + attemptID + "/qr" }

// TillFieldJSON is one field's refusal.
type TillFieldJSON struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageTH string `json:"message_th"`
}

// TillRefusalJSON answers a refused sale: the common error shape plus the
// fields at fault and, for a busy terminal, the open sale.
type TillRefusalJSON struct {
	Error     ErrorDetail              `json:"error"`
	Fields    map[string]TillFieldJSON `json:"fields,omitempty"`
	AttemptID string                   `json:"attempt_id,omitempty"`
}

func tillRefusalJSON(c echo.Context, r *payments.Refusal) TillRefusalJSON {
	out := TillRefusalJSON{AttemptID: r.Ref}
	if r.Fields == nil {
		out.Error = RefusalDetail(c, r)
		return out
	}
	out.Error, out.Fields = fieldRefusals(c, r.Code, r.MessageID(), r.Fields)
	return out
}
