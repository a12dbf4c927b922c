package handlers

import (
	"encoding/json"
	"errors"
	"sort"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/money"
	"instore/views"
)

// timeline merges, oldest first, the till attempt, the charge's own times,
// the Omise events received for it, our audit entries and its refunds. Each
// entry is a sentence from the catalog; the technical record (ids, codes,
// before/after) goes in Detail, which only admins see.
func (h *Charges) timeline(c echo.Context, ch *db.Charge, refunds []*db.Refund) ([]views.TimelineItem, error) {
	ctx := c.Request().Context()
	var out []views.TimelineItem
	add := func(it views.TimelineItem) { out = append(out, it) }
	if ch.AttemptID != "" {
		a, err := h.DB.GetAttempt(ctx, ch.AttemptID)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			return nil, err
		}
		if a != nil {
			add(views.TimelineItem{At: a.CreatedAt, Kind: "attempt", Msg: &views.Msg{ID: "bo.timeline.attempt",
				Data: map[string]any{"Cashier": a.Cashier, "Amount": money.FormatTHB(a.Amount)}},
				Detail: rawRecord(map[string]any{"attempt": a.AttemptID, "amount": a.Amount})})
			if a.ResolvedAt != nil {
				add(views.TimelineItem{At: *a.ResolvedAt, Kind: "attempt", Msg: views.M(oneOf("ui.timeline.attempt.", a.Status,
					db.AttemptCreating, db.AttemptPending, db.AttemptSuccessful, db.AttemptFailed, db.AttemptExpired, db.AttemptUnknown, db.AttemptRejected)),
					Detail: rawRecord(map[string]any{"attempt": a.AttemptID, "status": a.Status, "error_code": a.ErrorCode})})
			}
		}
	}
	add(views.TimelineItem{At: ch.CreatedAt, Kind: "charge", Msg: views.M("bo.timeline.created")})
	if ch.PaidAt != nil {
		add(views.TimelineItem{At: *ch.PaidAt, Kind: "charge", Msg: views.M("bo.timeline.paid")})
	}
	if ch.ExpiredAt != nil {
		add(views.TimelineItem{At: *ch.ExpiredAt, Kind: "charge", Msg: views.M("bo.timeline.expired")})
	}
	events, err := h.DB.ListEvents(ctx, db.EventFilter{ChargeID: ch.ID, Limit: 200})
	if err != nil {
		return nil, err
	}
	for _, e := range events {
		add(views.TimelineItem{At: e.ReceivedAt, Kind: "event",
			Msg:    views.M(oneOf("ui.timeline.event.", eventWord(e.Key), "charge_create", "charge_complete", "charge_expire", "charge_update", "refund_create")),
			Result: oneOf("ui.timeline.result.", e.Result, db.EventReceived, db.EventApplied, db.EventUnchanged, db.EventRejected, db.EventError),
			Detail: rawRecord(map[string]any{"id": e.ID, "key": e.Key, "result": e.Result, "detail": e.Detail,
				"signature": e.Signature, "bytes": e.RawSize, "attempts": e.Attempts})})
	}
	audit, err := h.DB.ListAudit(ctx, db.AuditFilter{Target: ch.ID, Limit: 200})
	if err != nil {
		return nil, err
	}
	for _, a := range audit {
		add(views.TimelineItem{At: a.At, Kind: "audit",
			Msg: &views.Msg{ID: oneOf("ui.timeline.audit.", eventWord(a.Action), "charge_expire", "charge_sync", "refund_create", "reconcile_resync"),
				Data: map[string]any{"User": a.Username}},
			Result: oneOf("ui.timeline.audit_result.", a.Result, "ok", "refused", "error"),
			Detail: rawRecord(map[string]any{"action": a.Action, "result": a.Result, "detail": a.Detail,
				"before": rawJSON(a.Before), "after": rawJSON(a.After), "ip": a.IP})})
	}
	for _, f := range refunds {
		add(views.TimelineItem{At: f.CreatedAt, Kind: "refund", Msg: &views.Msg{ID: "bo.timeline.refund",
			Data: map[string]any{"Amount": money.FormatTHB(f.Amount)}}, Detail: rawRecord(map[string]any{"refund": f.ID, "amount": f.Amount})})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}

// oneOf is prefix+v when v is a known value, prefix+"something_else" otherwise, so
// a value the catalog has no words for still reads as a sentence.
func oneOf(prefix, v string, known ...string) string {
	for _, k := range known {
		if v == k {
			return prefix + v
		}
	}
	return prefix + "something_else"
}

// eventWord turns an Omise key such as charge.complete into the catalog
// spelling charge_complete (a dot would nest the TOML table).
func eventWord(key string) string {
	b := []byte(key)
	for i, c := range b {
		if c == '.' {
			b[i] = '_'
		}
	}
	return string(b)
}

// rawJSON keeps a stored JSON snapshot as JSON inside the record, or as
// text when it is not JSON.
func rawJSON(s string) any {
	if s == "" {
		return nil
	}
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	return s
}

// rawRecord is the technical record of a timeline entry, indented JSON.
func rawRecord(m map[string]any) string {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return ""
	}
	return string(b)
}
