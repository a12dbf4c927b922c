package handlers

import (
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/i18n"
	"instore/payments"
	"instore/views"
)

// pageState is what a re-rendered charge page carries from a failed form.
type pageState struct {
	refund      views.RefundFormView
	expireError *views.BiText
	expireKey   string
	alert       *views.BiText
}

// Show is GET /charges/:id.
func (h *Charges) Show(c echo.Context) error {
	u, ch, err := h.visibleCharge(c)
	if err != nil {
		return err
	}
	return h.renderDetail(c, u, ch, pageState{}, http.StatusOK)
}

// Expire is POST /charges/:id/expire (confirm=yes required): Omise is asked
// to expire the pending charge and the page then shows what Omise says.
func (h *Charges) Expire(c echo.Context) error {
	u, ch, err := h.visibleCharge(c)
	if err != nil {
		return err
	}
	key := c.FormValue("idempotency_key")
	if c.FormValue("confirm") != "yes" {
		// Nothing was asked of Omise: the form drawn again keeps its key.
		return h.refuse(c, u, ch, &payments.Refusal{Code: "confirm_required", Kind: payments.Invalid, Msg: "bo.err.confirm"},
			func(st *pageState, t *views.BiText) { st.expireError, st.expireKey = t, key })
	}
	after, err := h.Payments.ExpireRequested(c.Request().Context(), payActor(c), ch.ID, key)
	if err != nil {
		re, ok := payments.ExplainError(err)
		if !ok {
			return err
		}
		if after != nil {
			ch = after
		}
		return h.refuse(c, u, ch, re, func(st *pageState, t *views.BiText) { st.expireError = t })
	}
	if WantsJSON(c) {
		return c.JSON(http.StatusOK, map[string]any{"charge": NewChargeJSON(after)})
	}
	Flash(c, "ok", "bo.expire.done")
	return Redirect(c, "/charges/"+ch.ID)
}

// Sync is POST /charges/:id/sync: re-read the charge from Omise now.
func (h *Charges) Sync(c echo.Context) error {
	u, ch, err := h.visibleCharge(c)
	if err != nil {
		return err
	}
	after, err := h.Payments.Resync(c.Request().Context(), payActor(c), ch.ID)
	if err != nil {
		re, ok := payments.ExplainError(err)
		if !ok {
			return err
		}
		return h.refuse(c, u, ch, re, func(st *pageState, t *views.BiText) { st.alert = t })
	}
	if WantsJSON(c) {
		return c.JSON(http.StatusOK, map[string]any{"charge": NewChargeJSON(after)})
	}
	Flash(c, "ok", "bo.sync.done")
	return Redirect(c, "/charges/"+ch.ID)
}

// refuse answers a refused action: JSON with the code and both texts, or
// the charge page again with the message where place puts it.
func (h *Charges) refuse(c echo.Context, u *db.User, ch *db.Charge, re *payments.Refusal, place func(*pageState, *views.BiText)) error {
	if WantsJSON(c) {
		return RefusalJSON(c, re)
	}
	var st pageState
	if place != nil {
		t := RefusalText(re)
		place(&st, &t)
	}
	if fresh, err := h.DB.GetCharge(c.Request().Context(), ch.ID); err == nil {
		ch = fresh
	}
	return h.renderDetail(c, u, ch, st, RefusalStatus(re))
}

// renderDetail draws the charge page with its timeline, refunds and forms.
func (h *Charges) renderDetail(c echo.Context, u *db.User, ch *db.Charge, st pageState, status int) error {
	ctx := c.Request().Context()
	now := h.now()
	act, err := h.Payments.ChargeActions(ctx, ch, now)
	if err != nil {
		return err
	}
	v := views.ChargeDetailView{
		QRSale: payments.PaidByQR(ch.SourceType),
		ID:     ch.ID, Livemode: ch.Livemode, Status: ch.Status, FailureCode: ch.FailureCode, FailureMessage: ch.FailureMessage,
		SourceType: ch.SourceType, MethodNameID: payments.MethodNameID(ch.SourceType), BarcodeMasked: ch.BarcodeMasked, StoreID: ch.StoreID, TerminalID: ch.TerminalID,
		Cashier: ch.Cashier, AttemptID: ch.AttemptID, TransactionID: ch.TransactionID, Amount: ch.Amount, Fee: ch.Fee,
		FeeVat: ch.FeeVat, Net: ch.Net, Refunded: ch.RefundedAmount, Refundable: act.RefundUpTo, CreatedAt: ch.CreatedAt,
		PaidAt: ch.PaidAt, ExpiresAt: ch.ExpiresAt, ExpiredAt: ch.ExpiredAt, UpdatedAt: ch.UpdatedAt, SyncedAt: ch.SyncedAt,
		State: payments.ChargeState(ch), MoneyMoved: payments.MoneyMoved(ch), FeeUnknown: ch.FeeUnknown,
		LastRefundDay: act.RefundUntil,
		CanAct:        u.HasRole(db.RoleManager, db.RoleAdmin),
		Reasons:       payments.RefundReasons, Refund: st.refund, ExpireError: st.expireError, ExpireKey: st.expireKey, Alert: st.alert,
	}
	v.RefundWindowOver = v.LastRefundDay != "" && v.LastRefundDay < payments.BusinessDay(now)
	// Offer exactly what the rules would accept now: the refund cap, the
	// window and refunds still in flight are counted, not just the status.
	v.CanExpire = act.Expire
	v.CanRefund = act.RefundUpTo > 0
	if v.Refund.Key == "" {
		v.Refund.Key = uuid.NewString()
	}
	if v.ExpireKey == "" {
		v.ExpireKey = uuid.NewString()
	}
	// A refusal for a form the charge no longer offers (it stopped being
	// pending, it is refunded in full) is shown at the top instead.
	if !v.CanExpire && v.ExpireError != nil && v.Alert == nil {
		v.Alert, v.ExpireError = v.ExpireError, nil
	}
	if !v.CanRefund && len(v.Refund.Errors) > 0 && v.Alert == nil {
		for _, k := range []string{"refund", "amount", "reason", "note"} {
			if t, ok := v.Refund.Errors[k]; ok {
				v.Alert = &t
				break
			}
		}
	}
	if s, err := h.DB.GetStore(ctx, ch.StoreID); err == nil {
		v.StoreName = s.StoreName
	}
	v.TerminalLabel = ch.TerminalID
	if t, err := h.DB.GetTerminal(ctx, ch.StoreID, ch.TerminalID); err == nil && t.Label != "" {
		v.TerminalLabel = t.Label
	}
	v.ShowRaw = u.HasRole(db.RoleAdmin)
	refunds, err := h.DB.ListRefunds(ctx, ch.ID)
	if err != nil {
		return err
	}
	people := []string{ch.Cashier}
	for _, f := range refunds {
		people = append(people, f.CreatedBy)
	}
	names, err := h.DB.DisplayNames(ctx, people)
	if err != nil {
		return err
	}
	v.Cashier = personLabel(names, ch.Cashier)
	for _, f := range refunds {
		v.Refunds = append(v.Refunds, views.RefundLine{ID: f.ID, Amount: f.Amount, Status: f.Status, Voided: f.Voided,
			Reason: f.Reason, Note: f.Note, By: personLabel(names, f.CreatedBy), At: f.CreatedAt})
	}
	if v.Timeline, err = h.timeline(c, ch, refunds); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return Render(c, status, views.ChargeDetailPage(v))
}

func (h *Charges) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// biMsg is a catalog message in both languages.
func biMsg(id string) views.BiText {
	return views.BiText{TH: i18n.TLang(i18n.TH, id), EN: i18n.TLang(i18n.EN, id)}
}
