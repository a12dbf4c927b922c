package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/payments"
	"instore/views"
)

// DisplayCookie holds a paired customer display's credential. Its path
// keeps browsers from sending it anywhere but the display's own routes.
const (
	DisplayCookie     = "instore_display"
	displayCookiePath = "/till/display"
	displayCookieAge  = 400 * 24 * time.Hour // the longest browsers keep a cookie
)

// displayKey is where the web layer leaves the request's paired display.
const displayKey = "instore.display"

// CurrentDisplay returns the paired customer display making the request,
// if any (set only on routes that admit displays).
func CurrentDisplay(c echo.Context) (*db.DisplayDevice, bool) {
	d, ok := c.Get(displayKey).(*db.DisplayDevice)
	return d, ok && d != nil
}

// SetCurrentDisplay records the paired display of the request.
func SetCurrentDisplay(c echo.Context, d *db.DisplayDevice) { c.Set(displayKey, d) }

// DisplayPayments is what the customer display needs of the payments service.
type DisplayPayments interface {
	RefreshTillAttempt(ctx context.Context, attemptID string) (*db.Attempt, error)
}

// Display serves the customer display: the screen, its state, its live
// feed, and pairing (a short code shown by a cashier or admin, typed on
// the display, exchanged for a display-only credential).
type Display struct {
	DB           *db.DB
	Payments     DisplayPayments
	Feed         LiveFeed
	Limiter      PairingLimiter
	CodeKey      []byte // keys the stored hashes of pairing codes
	CookieSecure bool
	Now          func() time.Time
	Log          *slog.Logger
	// Viewer returns the check of a person's login that their open feed
	// keeps making (logout, disabled, new store end it); nil checks nothing.
	Viewer func(echo.Context) func(context.Context) bool
}

func (h *Display) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Display) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

// target is the terminal whose display the request may read: for a
// cashier one of their store's terminals (an admin names the store), for a
// paired display its own terminal and no other.
func (h *Display) target(c echo.Context) (*db.TillTerminal, error) {
	ctx := c.Request().Context()
	term := c.QueryParam("terminal")
	forbidden := Refuse(payments.Forbidden, "display_forbidden", "display.forbidden")
	if u, ok := CurrentUser(c); ok && (u.Role == db.RoleCashier || u.Role == db.RoleAdmin) {
		store := tillStore(c, u)
		if store == "" {
			return nil, Refuse(payments.NotFound, "not_found", "display.not_found")
		}
		if term == "" {
			if ck, err := c.Cookie(tillTerminalCookie); err == nil {
				term = ck.Value
			}
		}
		if term == "" {
			terms, err := h.DB.ListTillTerminals(ctx, store)
			if err != nil {
				return nil, err
			}
			if len(terms) > 0 {
				term = terms[0].TerminalID
			}
		}
		t, err := h.DB.GetTillTerminal(ctx, store, term)
		if errors.Is(err, db.ErrNotFound) {
			return nil, forbidden
		}
		return t, err
	}
	d, ok := CurrentDisplay(c)
	if !ok {
		return nil, echo.ErrUnauthorized
	}
	if (term != "" && term != d.TerminalID) || (c.QueryParam("store") != "" && c.QueryParam("store") != d.StoreID) {
		return nil, forbidden
	}
	return h.DB.GetTillTerminal(ctx, d.StoreID, d.TerminalID)
}

// displayQuery names the terminal in the display's URLs.
func displayQuery(c echo.Context, t *db.TillTerminal) string {
	q := url.Values{"terminal": {t.TerminalID}}
	if u, ok := CurrentUser(c); ok && u.Role == db.RoleAdmin {
		q.Set("store", t.StoreID)
	}
	return q.Encode()
}

// Page is GET /till/display: the customer-facing screen.
func (h *Display) Page(c echo.Context) error {
	t, err := h.target(c)
	if err != nil {
		return err
	}
	st, err := h.state(c.Request().Context(), t)
	if err != nil {
		return err
	}
	if _, isUser := CurrentUser(c); !isUser {
		if ck, err := c.Cookie(DisplayCookie); err == nil {
			h.setCookie(c, ck.Value) // a display in daily use never reaches the cookie's end
		}
	}
	q := displayQuery(c, t)
	return Render(c, http.StatusOK, views.DisplayPage(views.DisplayView{
		StoreName: t.StoreName, TerminalID: t.TerminalID, State: st.State, Amount: st.Amount, HoldMs: st.HoldMs,
		QR:       displayQRURL(c, t, st.QR),
		StateURL: "/till/display/state?" + q, EventsURL: "/till/display/events?" + q,
	}))
}

// setCookie gives the display its credential.
func (h *Display) setCookie(c echo.Context, token string) {
	c.SetCookie(&http.Cookie{Name: DisplayCookie, Value: token, Path: displayCookiePath,
		MaxAge: int(displayCookieAge / time.Second), HttpOnly: true, Secure: h.CookieSecure, SameSite: http.SameSiteStrictMode})
}
