package handlers

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"
)

// Display feed timing: a heartbeat keeps proxies from closing an idle
// stream; the credential re-check ends a revoked display's stream soon
// after the admin revokes it.
const (
	displayHeartbeat = 15 * time.Second
	displayRecheck   = 5 * time.Second
)

// Events is GET /till/display/events: Server-Sent Events for one
// terminal's display. Each event is only a nudge ("change", no data): the
// page then reads /till/display/state, so no charge id or attempt id ever
// reaches the display. A revoked display gets "revoked" and the stream ends.
func (h *Display) Events(c echo.Context) error {
	t, err := h.target(c)
	if err != nil {
		return err
	}
	dev, isDisplay := CurrentDisplay(c)
	var still func(context.Context) bool // a person's login, checked as a display's credential is
	if _, isUser := CurrentUser(c); isUser {
		isDisplay = false
		if h.Viewer != nil {
			still = h.Viewer(c)
		}
	}
	sub := h.Feed.Subscribe(LiveFilter{StoreID: t.StoreID, TerminalID: t.TerminalID})
	defer sub.Close()

	if !openEventStream(c) {
		return nil
	}
	w := c.Response()
	send := func(s string) bool {
		if _, err := w.Write([]byte(s)); err != nil {
			return false
		}
		w.Flush()
		return true
	}
	heartbeat := time.NewTicker(displayHeartbeat)
	defer heartbeat.Stop()
	recheck := time.NewTicker(displayRecheck)
	defer recheck.Stop()
	ctx := c.Request().Context()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-sub.Dropped():
			return nil
		case <-heartbeat.C:
			if !send(": heartbeat\n\n") {
				return nil
			}
		case <-recheck.C:
			if still != nil && !still(ctx) {
				return nil
			}
			if !isDisplay {
				continue
			}
			if ok, err := h.DB.DisplayActive(ctx, dev.ID); err == nil && !ok {
				send("event: revoked\ndata: {}\n\n")
				return nil
			}
		case <-sub.Frames():
			// Coalesce: whatever else is queued needs the same one re-read.
			for more := true; more; {
				select {
				case <-sub.Frames():
				default:
					more = false
				}
			}
			if !send("event: change\ndata: {}\n\n") {
				return nil
			}
		}
	}
}
