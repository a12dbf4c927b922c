package handlers

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/payments"
	"instore/views"
)

// EventProcessor re-applies a stored event (payments.Service has it).
type EventProcessor interface {
	ProcessEvent(ctx context.Context, eventID string) (payments.WebhookOutcome, error)
}

// WebhookInbox serves the admin's webhook inbox.
type WebhookInbox struct {
	DB        *db.DB
	Payments  EventProcessor
	SecretSet bool
	Now       func() time.Time
}

// silenceWindow is how long charges may change with no webhook before the
// inbox warns that deliveries are probably failing.
const silenceWindow = 15 * time.Minute

const inboxPageSize = 100

// List is GET /admin/webhooks?result=&before=.
func (h *WebhookInbox) List(c echo.Context) error {
	ctx := c.Request().Context()
	f := db.EventFilter{Result: c.QueryParam("result"), Limit: inboxPageSize + 1}
	if b := c.QueryParam("before"); b != "" {
		f.Before = db.ParseTime(b)
	}
	evs, err := h.DB.ListEvents(ctx, f)
	if err != nil {
		return err
	}
	v := views.WebhookInboxView{Result: f.Result, SecretSet: h.SecretSet,
		UnsignedBurst: payments.UnsignedLookupBurst, UnsignedPerMinute: payments.UnsignedLookupsPerSecond * 60}
	if len(evs) > inboxPageSize {
		evs = evs[:inboxPageSize]
		v.NextPage = db.FormatTime(evs[len(evs)-1].ReceivedAt)
	}
	for _, e := range evs {
		v.Rows = append(v.Rows, views.WebhookRow{ID: e.ID, Key: e.Key, ChargeID: e.ChargeID, Signature: e.Signature,
			Result: e.Result, Detail: e.Detail, ReceivedAt: e.ReceivedAt, ProcessedAt: e.ProcessedAt, Attempts: e.Attempts, Size: e.RawSize})
	}
	if v.LastReceived, err = h.DB.LastEventReceivedAt(ctx); err != nil {
		return err
	}
	if v.LastChange, err = h.DB.LastChargeChangeAt(ctx); err != nil {
		return err
	}
	v.Silent = WebhooksSilent(h.now(), v.LastReceived, v.LastChange)
	return Render(c, http.StatusOK, views.WebhookInboxPage(v))
}

// WebhooksSilent reports whether charges changed recently while no webhook
// arrived in the last silenceWindow.
func WebhooksSilent(now, lastWebhook, lastChange time.Time) bool {
	changedRecently := !lastChange.IsZero() && now.Sub(lastChange) < silenceWindow
	heardRecently := !lastWebhook.IsZero() && now.Sub(lastWebhook) < silenceWindow
	return changedRecently && !heardRecently
}

func (h *WebhookInbox) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// Reprocess is POST /admin/webhooks/:id/reprocess: ask Omise again and
// apply what it says.
func (h *WebhookInbox) Reprocess(c echo.Context) error {
	id := c.Param("id")
	if _, err := h.DB.GetEvent(c.Request().Context(), id); errors.Is(err, db.ErrNotFound) {
		return Refuse(payments.NotFound, "not_found", "error.not_found")
	} else if err != nil {
		return err
	}
	out, err := h.Payments.ProcessEvent(c.Request().Context(), id)
	a := Actor(c)
	_ = h.DB.Audit(c.Request().Context(), db.AuditEntry{UserID: a.UserID, Username: a.Username, Role: a.Role, IP: a.IP,
		Action: "webhook.reprocess", Target: id, Result: out.Result})
	if err != nil {
		if errors.Is(err, payments.ErrOmiseUnavailable) {
			Flash(c, "error", "webhooks.unavailable")
			return Redirect(c, "/admin/webhooks")
		}
		return err
	}
	Flash(c, "ok", "webhooks.reprocess")
	return Redirect(c, "/admin/webhooks")
}
