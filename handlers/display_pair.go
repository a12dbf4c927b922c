package handlers

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/payments"
	"instore/views"
)

// PairingLimiter throttles wrong pairing codes per client address
// (web.Throttle implements it; the address is passed as both keys).
type PairingLimiter interface {
	Blocked(key, ip string, now time.Time) (until time.Time, blocked bool)
	Failed(key, ip string, now time.Time)
}

// Pairing rules: a code is 6 digits, lives 10 minutes, is used once, and
// dies after a few wrong guesses made while it was live; together with the
// per-address throttle this keeps guessing a live code hopeless.
const (
	pairCodeDigits   = 6
	pairCodeTTL      = 10 * time.Minute
	pairCodeFailures = 10
)

// PairForm is GET /till/display/pair: a cashier (their store) or an admin
// picks a terminal to pair a customer display with.
func (h *Display) PairForm(c echo.Context) error {
	v, err := h.pairView(c, c.QueryParam("terminal"))
	if err != nil {
		return err
	}
	return Render(c, http.StatusOK, views.DisplayPairPage(v))
}

// pairView lists the terminals the user may pair (an admin without a store
// chooses a store first).
func (h *Display) pairView(c echo.Context, terminal string) (views.DisplayPairView, error) {
	u, ok := CurrentUser(c)
	if !ok {
		return views.DisplayPairView{}, echo.ErrUnauthorized
	}
	ctx := c.Request().Context()
	v := views.DisplayPairView{StoreID: tillStore(c, u), Admin: u.Role == db.RoleAdmin, TerminalID: terminal,
		EnterURL: c.Scheme() + "://" + c.Request().Host + "/display"}
	if v.StoreID == "" {
		stores, err := h.DB.ListStores(ctx)
		for _, s := range stores {
			v.Stores = append(v.Stores, views.StoreOption{ID: s.StoreID, Name: s.StoreName})
		}
		return v, err
	}
	terms, err := h.DB.ListTillTerminals(ctx, v.StoreID)
	for _, t := range terms {
		v.StoreName = t.StoreName
		v.Terminals = append(v.Terminals, views.StoreOption{ID: t.TerminalID, Name: t.Label})
	}
	return v, err
}

// PairCodeJSON answers a JSON request for a pairing code.
type PairCodeJSON struct {
	Code      string `json:"code"`
	ExpiresAt string `json:"expires_at"`
	EnterURL  string `json:"enter_url"`
}

// CreateCode is POST /till/display/pair: a new pairing code for the
// terminal (terminal_id; an admin also sends store_id), shown once.
func (h *Display) CreateCode(c echo.Context) error {
	v, err := h.pairView(c, c.FormValue("terminal_id"))
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if v.TerminalID == "" {
		return Refuse(payments.Invalid, "terminal_required", "display.pair.terminal_required")
	}
	if _, err := h.DB.GetTillTerminal(ctx, v.StoreID, v.TerminalID); errors.Is(err, db.ErrNotFound) {
		return Refuse(payments.Forbidden, "terminal_forbidden", "till.sale.terminal_forbidden")
	} else if err != nil {
		return err
	}
	now := h.now()
	p := db.PairingCode{StoreID: v.StoreID, TerminalID: v.TerminalID, ExpiresAt: now.Add(pairCodeTTL)}
	for try := 0; ; try++ {
		v.Code = newPairCode()
		p.CodeHash = h.codeHash(v.Code)
		err = h.DB.CreatePairingCode(ctx, Actor(c), p, now)
		if !errors.Is(err, db.ErrExists) || try == 5 {
			break
		}
	}
	if err != nil {
		return err
	}
	v.ExpiresAt = p.ExpiresAt
	q := url.Values{"terminal": {v.TerminalID}}
	if v.Admin {
		q.Set("store", v.StoreID)
	}
	v.DisplayHref = "/till/display?" + q.Encode()
	if WantsJSON(c) {
		return c.JSON(http.StatusOK, PairCodeJSON{Code: v.Code, ExpiresAt: p.ExpiresAt.UTC().Format(time.RFC3339), EnterURL: v.EnterURL})
	}
	return Render(c, http.StatusOK, views.DisplayPairPage(v))
}

func newPairCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return fmt.Sprintf("%0*d", pairCodeDigits, n.Int64())
}

// codeHash is the stored form of a code: keyed, because six digits are
// too few for a plain hash to hide anything.
func (h *Display) codeHash(code string) string {
	m := hmac.New(sha256.New, h.CodeKey)
	m.Write([]byte(code))
	return hex.EncodeToString(m.Sum(nil))
}
