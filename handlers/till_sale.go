package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/payments"
	"instore/views"
)

// visibleAttempt reads the attempt named in the path if the user may see
// it. Another store's attempt is answered as absent, so ids cannot be probed.
func (h *Till) visibleAttempt(c echo.Context) (*db.User, *db.Attempt, error) {
	u, ok := CurrentUser(c)
	if !ok {
		return nil, nil, echo.ErrUnauthorized
	}
	att, err := h.DB.GetAttempt(c.Request().Context(), c.Param("id"))
	if errors.Is(err, db.ErrNotFound) || (err == nil && !payments.CanAccessStore(u, att.StoreID)) {
		return nil, nil, Refuse(payments.NotFound, "not_found", "till.sale.not_found")
	}
	return u, att, err
}

// Show is GET /till/charges/{attempt_id}: the sale as JSON (the till's
// 3-second poll) or as the waiting screen. Each read of a pending sale may
// re-read its charge from Omise (see payments.RefreshTillAttempt).
func (h *Till) Show(c echo.Context) error {
	u, att, err := h.visibleAttempt(c)
	if err != nil {
		return err
	}
	if att, err = h.Payments.RefreshTillAttempt(c.Request().Context(), att.AttemptID); err != nil {
		return err
	}
	if WantsJSON(c) {
		return c.JSON(http.StatusOK, h.attemptJSON(att))
	}
	v, err := h.saleView(c, u, att)
	if err != nil {
		return err
	}
	return Render(c, http.StatusOK, views.TillSalePage(v))
}

// Cancel is POST /till/charges/{attempt_id}/cancel: expire the pending
// charge. If the customer paid meanwhile, the answer says paid.
func (h *Till) Cancel(c echo.Context) error {
	u, att, err := h.visibleAttempt(c)
	if err != nil {
		return err
	}
	got, err := h.Payments.CancelAttempt(c.Request().Context(), paymentsActor(c), att.AttemptID)
	code, status := "", http.StatusOK
	switch {
	case errors.Is(err, payments.ErrAttemptStillOpen):
		code, status = "still_open", http.StatusConflict
	case err != nil:
		h.log().WarnContext(c.Request().Context(), "till: cancel failed", "attempt", att.AttemptID, "err", err)
		code, status = "cancel_failed", http.StatusBadGateway
	}
	if got == nil {
		got = att
	}
	if WantsJSON(c) {
		if code != "" {
			return JSONError(c, status, code, "till.sale."+code, nil)
		}
		return c.JSON(http.StatusOK, h.attemptJSON(got))
	}
	if code == "" {
		return Redirect(c, "/till/charges/"+got.AttemptID)
	}
	v, err := h.saleView(c, u, got)
	if err != nil {
		return err
	}
	t := biMsg("till.sale." + code)
	v.Alert = &t
	return Render(c, status, views.TillSalePage(v))
}

// Receipt is GET /till/charges/{attempt_id}/receipt: the paid sale's
// receipt alone, for reprinting.
func (h *Till) Receipt(c echo.Context) error {
	u, att, err := h.visibleAttempt(c)
	if err != nil {
		return err
	}
	if att, err = h.Payments.RefreshTillAttempt(c.Request().Context(), att.AttemptID); err != nil {
		return err
	}
	if att.Status != db.AttemptSuccessful {
		return Redirect(c, "/till/charges/"+att.AttemptID)
	}
	v, err := h.saleView(c, u, att)
	if err != nil {
		return err
	}
	r := views.ReceiptView{StoreID: v.StoreID, StoreName: v.StoreName, TerminalID: v.TerminalID, Cashier: v.Cashier,
		Amount: v.Amount, ChargeID: v.ChargeID, Time: v.PaidAt, BarcodeMasked: v.BarcodeMasked, AttemptID: v.AttemptID,
		Method: v.Method, Refunded: v.Refunded, ChargeState: v.ChargeState}
	if r.Time.IsZero() {
		r.Time = v.CreatedAt
	}
	return Render(c, http.StatusOK, views.ReceiptPage(r))
}

// saleView builds the waiting screen's view of att.
func (h *Till) saleView(c echo.Context, u *db.User, att *db.Attempt) (views.TillSale, error) {
	ctx := c.Request().Context()
	status := tillStatus(att.Status)
	v := views.TillSale{
		AttemptID: att.AttemptID, ChargeID: att.ChargeID, Status: status, Final: !db.AttemptOpen(att.Status),
		StoreID: att.StoreID, StoreName: att.StoreID, TerminalID: att.TerminalID, Cashier: att.Cashier,
		Amount: att.Amount, BarcodeMasked: att.BarcodeMasked, Message: biMsg(payments.OutcomeOf(att).MsgID),
		CreatedAt: att.CreatedAt, CanCancel: att.Status == db.AttemptPending && att.ChargeID != "",
		NewSaleHref: "/till?terminal=" + att.TerminalID,
	}
	if status == db.AttemptFailed {
		v.FailureCode = att.ErrorCode
	}
	if u.Role == db.RoleAdmin {
		v.NewSaleHref += "&store=" + att.StoreID
	}
	if st, err := h.DB.GetStore(ctx, att.StoreID); err == nil {
		v.StoreName = st.StoreName
		if m, ok := payments.StoreMethod(st.Methods, ""); ok && m.Scanned() {
			v.Scan.MinLen, v.Scan.MaxLen, v.Scan.Prefixes = payments.CodeShape(m.ID)
		}
	} else if !errors.Is(err, db.ErrNotFound) {
		return v, err
	}
	// The receipt goes home with the customer: it names the cashier as the
	// shop named them, never by the username they sign in with.
	names, err := h.DB.DisplayNames(ctx, []string{att.Cashier})
	if err != nil {
		return v, err
	}
	v.Cashier = names[att.Cashier]
	if m, ok := payments.MethodOfAttempt(att); ok {
		v.Method = m.ID
	}
	if payments.ShowsQR(att) {
		v.QRURL = tillQRURL(att.AttemptID)
	}
	if att.Status == db.AttemptPending {
		v.Deadline = h.Payments.TillDeadline(att)
		v.SecondsLeft = int(v.Deadline.Sub(h.now()).Seconds() + 0.999)
	}
	if att.Status == db.AttemptSuccessful && att.ChargeID != "" {
		ch, err := h.DB.GetCharge(ctx, att.ChargeID)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			return v, err
		}
		if err == nil {
			if ch.PaidAt != nil {
				v.PaidAt = *ch.PaidAt
			}
			// A reprint after a refund must say so: the receipt is what the
			// customer keeps as proof of what they paid.
			v.Refunded, v.ChargeState = ch.RefundedAmount, payments.ChargeState(ch)
		}
	}
	return v, nil
}
