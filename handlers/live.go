package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"instore/payments"
)

// LiveFilter says which changes a live subscriber receives. Empty fields
// match everything; Stores nil means every store (a scope of every store),
// an empty map none.
type LiveFilter struct {
	Stores     map[string]bool
	StoreID    string
	TerminalID string
	ChargeID   string
	AttemptID  string
	// Still, when set, is asked now and then while the stream is open
	// whether its viewer may still watch it; false ends the stream. A
	// stream outlives the request that authorised it by hours, and a
	// logout, a disabled account or a new store must not leave it running.
	Still func(context.Context) bool
}

// LiveSubscription is one open feed.
type LiveSubscription interface {
	// Frames delivers ready-to-write SSE frames.
	Frames() <-chan []byte
	// Dropped is closed when the broker gave up on a slow subscriber.
	Dropped() <-chan struct{}
	Close()
}

// LiveFeed is the broker as the live handler needs it.
type LiveFeed interface {
	Subscribe(LiveFilter) LiveSubscription
}

// LiveDetacher is a feed that can take over a stream's connection: Detach
// writes the response head and keeps the connection, filtered by f, for
// the feed's own writer; false means it could not (nothing was written)
// and the handler streams by itself.
type LiveDetacher interface {
	Detach(w http.ResponseWriter, f LiveFilter) bool
}

// Live serves GET /live as Server-Sent Events.
type Live struct {
	Feed      LiveFeed
	Heartbeat time.Duration // default 15s
	// Viewer returns the check of the request's login that the stream
	// keeps making (LiveFilter.Still); nil checks nothing.
	Viewer func(echo.Context) func(context.Context) bool
	// Recheck is how often a stream served here runs that check; default 10s.
	Recheck time.Duration
}

// openEventStream starts a Server-Sent Events answer: no write deadline (a
// stream lives for hours), no caching or proxy buffering, the client's
// reconnect delay. It reports whether the client is still there.
func openEventStream(c echo.Context) bool {
	w := c.Response()
	_ = http.NewResponseController(w.Writer).SetWriteDeadline(time.Time{})
	hdr := w.Header()
	hdr.Set(echo.HeaderContentType, "text/event-stream; charset=utf-8")
	hdr.Set(echo.HeaderCacheControl, "no-cache, no-store")
	hdr.Set("Connection", "keep-alive")
	hdr.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte("retry: 2000\n: connected\n\n")); err != nil {
		return false
	}
	w.Flush()
	return true
}

// Stream sends every change the user may see that matches the query
// (?store=, ?terminal=, ?charge=, ?attempt=) until the client leaves.
func (h *Live) Stream(c echo.Context) error {
	u, ok := CurrentUser(c)
	if !ok {
		return echo.ErrUnauthorized
	}
	f := LiveFilter{
		StoreID: c.QueryParam("store"), TerminalID: c.QueryParam("terminal"),
		ChargeID: c.QueryParam("charge"), AttemptID: c.QueryParam("attempt"),
	}
	// The user's scope as it is when the stream opens: a group's store
	// removed later is left out from the next connection on (the client
	// reconnects at least every time the broker drops it).
	if limit := payments.ScopeOf(u).Limit(); limit != nil {
		f.Stores = make(map[string]bool, len(limit))
		for _, s := range limit {
			f.Stores[s] = true
		}
	}
	if h.Viewer != nil {
		f.Still = h.Viewer(c)
	}
	// Nothing of the request is needed from here on: a feed that can
	// take the connection over lets the request (its session, CSRF token,
	// logger fields and goroutine) end now.
	if d, ok := h.Feed.(LiveDetacher); ok && d.Detach(c.Response().Writer, f) {
		// The answer went out on the taken-over connection: the access
		// log and metrics count a 200, and nothing else may write.
		res := c.Response()
		res.Status, res.Committed = http.StatusOK, true
		return nil
	}
	sub := h.Feed.Subscribe(f)
	defer sub.Close()

	if !openEventStream(c) {
		return nil
	}
	w := c.Response()

	hb := h.Heartbeat
	if hb <= 0 {
		hb = 15 * time.Second
	}
	ticker := time.NewTicker(hb)
	defer ticker.Stop()
	every := h.Recheck
	if every <= 0 {
		every = 10 * time.Second
	}
	recheck := time.NewTicker(every)
	defer recheck.Stop()
	ctx := c.Request().Context()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-sub.Dropped():
			return nil
		case <-recheck.C:
			if f.Still != nil && !f.Still(ctx) {
				return nil
			}
		case <-ticker.C:
			if _, err := w.Write([]byte(": heartbeat\n\n")); err != nil {
				return nil
			}
			w.Flush()
		case frame := <-sub.Frames():
			if _, err := w.Write(frame); err != nil {
				return nil
			}
			// Coalesce: write whatever else is already queued before one flush.
			for more := true; more; {
				select {
				case f := <-sub.Frames():
					if _, err := w.Write(f); err != nil {
						return nil
					}
				default:
					more = false
				}
			}
			w.Flush()
		}
	}
}
