package handlers

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/i18n"
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
		return NewUserError(http.StatusUnprocessableEntity, "terminal_required", "display.pair.terminal_required")
	}
	if _, err := h.DB.GetTillTerminal(ctx, v.StoreID, v.TerminalID); errors.Is(err, db.ErrNotFound) {
		return NewUserError(http.StatusForbidden, "terminal_forbidden", "till.sale.terminal_forbidden")
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

// normalizePairCode keeps the digits of what was typed (Thai digits too,
// spaces and dashes dropped); ok is false unless exactly six remain.
func normalizePairCode(s string) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '๐' && r <= '๙':
			b.WriteRune('0' + (r - '๐'))
		case r == ' ' || r == '-':
		default:
			return "", false
		}
	}
	return b.String(), b.Len() == pairCodeDigits
}

// EnterForm is GET /display: the public page where a display types its code.
func (h *Display) EnterForm(c echo.Context) error {
	return Render(c, http.StatusOK, views.DisplayEnterPage(views.DisplayEnterView{LoginHref: h.loginHref(c)}))
}

func (h *Display) loginHref(c echo.Context) string {
	return "/login?next=" + url.QueryEscape(LocalPath(c.QueryParam("next")))
}

// Enter is POST /display: exchange a pairing code for the display's
// credential (a cookie), then show the terminal's display.
func (h *Display) Enter(c echo.Context) error {
	ctx, ip, now := c.Request().Context(), c.RealIP(), h.now()
	fail := func(status int, msg *views.Msg) error {
		if WantsJSON(c) {
			return JSONError(c, status, "pairing_refused", msg.ID, msg.Data)
		}
		return Render(c, status, views.DisplayEnterPage(views.DisplayEnterView{Alert: msg, LoginHref: h.loginHref(c)}))
	}
	if until, blocked := h.Limiter.Blocked(ip, ip, now); blocked {
		return fail(http.StatusTooManyRequests, &views.Msg{ID: "display.enter.throttled",
			Data: map[string]any{"Time": i18n.Clock(until)}})
	}
	code, ok := normalizePairCode(c.FormValue("code"))
	if !ok {
		return fail(http.StatusUnprocessableEntity, views.M("display.enter.format"))
	}
	token := newDisplayToken()
	d, err := h.DB.RedeemPairingCode(ctx, h.codeHash(code), db.NewDisplay{Token: token, UserAgent: c.Request().UserAgent(), IP: ip},
		now, pairCodeFailures)
	if errors.Is(err, db.ErrNotFound) {
		h.Limiter.Failed(ip, ip, now)
		h.log().InfoContext(ctx, "display: wrong pairing code", "ip", ip)
		return fail(http.StatusUnprocessableEntity, views.M("display.enter.wrong"))
	}
	if err != nil {
		return err
	}
	h.setCookie(c, token)
	target := "/till/display?" + url.Values{"terminal": {d.TerminalID}}.Encode()
	if WantsJSON(c) {
		return c.JSON(http.StatusOK, map[string]string{"display": target})
	}
	return Redirect(c, target)
}

func newDisplayToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
