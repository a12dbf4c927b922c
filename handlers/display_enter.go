package handlers

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/i18n"
	"instore/views"
)

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
