package web

import (
	"crypto/subtle"
	"net/http"

	"github.com/labstack/echo/v4"

	"instore/handlers"
	"instore/payments"
)

// csrfHeader is how scripts send the token (read from <meta name="csrf-token">).
const csrfHeader = "X-CSRF-Token"

// csrfProtect refuses every state-changing request (anything but GET,
// HEAD, OPTIONS) that does not carry the session's token in the body's
// _csrf field or the X-CSRF-Token header. Stateless routes (webhooks, the
// simulator) authenticate otherwise and are exempt. A refused request
// reaches no handler, so nothing changes.
func (a *App) csrfProtect(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if rule, ok := a.ruleFor(c); ok && rule.Stateless {
			return next(c)
		}
		want := csrfToken(c)
		got := c.Request().Header.Get(csrfHeader)
		if got == "" {
			// The body only, never the URL: a token in a URL leaks through
			// logs, history and Referer. PostFormValue parses url-encoded
			// and multipart bodies alike and ignores the query.
			got = c.Request().PostFormValue("_csrf")
		}
		if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			a.log.InfoContext(c.Request().Context(), "csrf check failed", "path", c.Request().URL.Path, "token_sent", got != "")
			return handlers.Refuse(payments.Forbidden, "csrf_failed", "error.csrf")
		}
		return next(c)
	}
}
