package handlers

import (
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"instore/money"
	"instore/payments"
	"instore/views"
)

// refundForm is POST /charges/:id/refunds as submitted.
type refundForm struct {
	Amount string // baht, as typed
	Reason string
	Note   string
	Key    string // idempotency key drawn with the form
}

func readRefundForm(c echo.Context) refundForm {
	return refundForm{Amount: strings.TrimSpace(c.FormValue("amount")), Reason: c.FormValue("reason"),
		Note: c.FormValue("note"), Key: c.FormValue("idempotency_key")}
}

// Validate checks what the form alone can tell; the refund rules proper
// (what is left, the 12 months, the 15 refunds) are the service's.
func (f refundForm) Validate() (int64, map[string]views.BiText) {
	amount, err := money.ParseBaht(f.Amount)
	if err != nil || f.Amount == "" {
		return 0, map[string]views.BiText{"amount": biMsg("bo.err.amount")}
	}
	return amount, nil
}

// CreateRefund is POST /charges/:id/refunds. From a page it takes two
// steps: without confirm=yes it shows the question ("Refund ฿380.00 of
// ฿480.00?") and moves nothing; with it, the refund is made. JSON clients
// send one request. A success redirects to the charge page; a refusal
// shows the page again with the reason in Thai and English and changes
// nothing. Resubmitting the same form (same
// idempotency_key) returns the first result and makes no second refund.
func (h *Charges) CreateRefund(c echo.Context) error {
	u, ch, err := h.visibleCharge(c)
	if err != nil {
		return err
	}
	form := readRefundForm(c)
	state := func(errs map[string]views.BiText, key string) pageState {
		return pageState{refund: views.RefundFormView{Amount: form.Amount, Reason: form.Reason, Note: form.Note, Key: key, Errors: errs}}
	}
	amount, errs := form.Validate()
	if errs != nil {
		if WantsJSON(c) {
			return h.refuse(c, u, ch, &payments.Refusal{Code: "refund_amount_invalid", Field: "amount",
				Kind: payments.Invalid, Msg: "bo.err.amount"}, nil)
		}
		return h.renderDetail(c, u, ch, state(errs, form.Key), http.StatusUnprocessableEntity)
	}
	req := payments.RefundRequest{ChargeID: ch.ID, Amount: amount, Reason: form.Reason, Note: form.Note, IdempotencyKey: form.Key}
	refused := func(err error) error {
		re, ok := payments.ExplainError(err)
		if !ok {
			return err
		}
		if WantsJSON(c) {
			return h.refuse(c, u, ch, re, nil)
		}
		// Only an unknown outcome keeps the key: sending this same form
		// again then settles it. Anything else changed nothing, so the
		// next submission is a new request.
		key := uuid.NewString()
		if re.Code == "refund_outcome_unknown" {
			key = form.Key
		}
		field := re.Field
		if field == "" {
			field = "refund"
		}
		fresh, gerr := h.DB.GetCharge(c.Request().Context(), ch.ID)
		if gerr == nil {
			ch = fresh
		}
		return h.renderDetail(c, u, ch, state(map[string]views.BiText{field: RefusalText(re)}, key), RefusalStatus(re))
	}
	if !WantsJSON(c) && c.FormValue("confirm") != "yes" {
		// First step of two: nothing moves yet, whatever the amount. The
		// page asks the question in full and carries the same key into
		// the confirming form, so a double-clicked confirmation is still
		// one refund; an amount the rules refuse gets their reason.
		re, err := h.Payments.RefundRefusal(c.Request().Context(), req)
		if err != nil {
			return err
		}
		if re != nil {
			return refused(re)
		}
		st := state(nil, form.Key)
		st.refund.Confirm, st.refund.ConfirmAmount = true, amount
		return h.renderDetail(c, u, ch, st, http.StatusOK)
	}
	f, err := h.Payments.Refund(c.Request().Context(), payActor(c), req)
	if err != nil {
		return refused(err)
	}
	if WantsJSON(c) {
		return c.JSON(http.StatusCreated, map[string]any{"refund": refundJSON{ID: f.ID, ChargeID: f.ChargeID,
			Amount: f.Amount, Currency: f.Currency, Reason: f.Reason, Note: f.Note, CreatedBy: f.CreatedBy,
			CreatedAt: f.CreatedAt.UTC().Format(time.RFC3339)}})
	}
	Flash(c, "ok", "bo.refund.done")
	return Redirect(c, "/charges/"+ch.ID)
}

// refundJSON is a refund as JSON clients see it.
type refundJSON struct {
	ID        string `json:"id"`
	ChargeID  string `json:"charge_id"`
	Amount    int64  `json:"amount"`
	Currency  string `json:"currency"`
	Reason    string `json:"reason"`
	Note      string `json:"note,omitempty"`
	CreatedBy string `json:"created_by"`
	CreatedAt string `json:"created_at"`
}
