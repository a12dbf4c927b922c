package web

import (
	"context"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"instore/handlers"
	"instore/i18n"
	"instore/reqctx"
)

// requestID gives every request a fresh id (an incoming X-Request-ID is not
// trusted: it would let a client forge log lines), returned in the
// response header and carried by the request context.
func (a *App) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := hex.EncodeToString(randomBytes(8))
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		r := c.Request()
		c.SetRequest(r.WithContext(reqctx.WithRequestID(r.Context(), id)))
		return next(c)
	}
}

// observe writes one access log line and the request metrics per request.
// It renders a returned error first (through the error handler) so the
// logged and counted status is the one the client got.
func (a *App) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		var clocked context.Context
		if r := c.Request(); r.Method == http.MethodPost {
			// POSTs may call Omise on the request path; their clock
			// separates our time from Omise's.
			clocked = reqctx.WithOmiseClock(r.Context())
			c.SetRequest(r.WithContext(clocked))
		}
		if err := next(c); err != nil {
			c.Error(err)
		}
		route := c.Path()
		if _, ok := a.ruleFor(c); !ok {
			route = "unmatched" // keeps label cardinality bounded on scans of random paths
		}
		r, res := c.Request(), c.Response()
		status := strconv.Itoa(res.Status)
		a.metrics.HTTPRequests.WithLabelValues(route, r.Method, status).Inc()
		took := time.Since(start)
		a.metrics.HTTPDuration.WithLabelValues(route, r.Method).Observe(took.Seconds())
		if clocked != nil {
			if om, _ := reqctx.OmiseTime(clocked); om > 0 {
				a.metrics.BeyondOmise.WithLabelValues(route, r.Method).Observe((took - om).Seconds())
			}
		}
		level := slog.LevelInfo
		// In demo mode the app's own syncer calls the embedded simulator
		// every few seconds; at INFO those lines would scroll the demo
		// passwords off the screen.
		if strings.HasPrefix(r.URL.Path, "/sim/omise/") {
			level = slog.LevelDebug
		}
		if res.Status >= 500 {
			level = slog.LevelError
		}
		attrs := []slog.Attr{
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", route),
			slog.Int("status", res.Status), slog.Int64("bytes", res.Size),
			slog.Duration("duration", time.Since(start)), slog.String("ip", c.RealIP()),
		}
		if u, ok := handlers.CurrentUser(c); ok {
			attrs = append(attrs, slog.String("user", u.Username))
		}
		a.log.LogAttrs(r.Context(), level, "request", attrs...)
		return nil
	}
}

// contentSecurityPolicy allows only our own scripts, styles, images and
// connections: no inline script, no framing, forms post only to us.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"

// secureHeaders sets the security headers on every response. Pages are
// personal and change every second, so nothing dynamic is cached; the
// static handler overrides Cache-Control for its immutable files.
func (a *App) secureHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	hsts := a.deps.Config.CookieSecure
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(self), microphone=(), geolocation=(), payment=()")
		h.Set("Cache-Control", "no-store")
		if hsts {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		return next(c)
	}
}

// language puts the visitor's language in the request context: the
// language cookie when set, else the browser's Accept-Language, Thai when
// neither says. It also hands the flash message of the previous request to
// the page being navigated to.
func (a *App) language(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		lang := ""
		if ck, err := r.Cookie(handlers.LangCookie); err == nil && (ck.Value == i18n.TH || ck.Value == i18n.EN) {
			lang = ck.Value
		} else {
			lang = i18n.Match(r.Header.Get("Accept-Language"))
		}
		ctx := i18n.WithLang(r.Context(), lang)
		ctx = reqctx.WithRequestURI(ctx, r.URL.RequestURI())
		if r.Method == http.MethodGet && strings.Contains(r.Header.Get(echo.HeaderAccept), "text/html") {
			if f, ok := handlers.TakeFlash(c); ok {
				ctx = reqctx.WithFlash(ctx, f)
			}
		}
		c.SetRequest(r.WithContext(ctx))
		c.Response().Header().Add("Vary", "Accept-Language, Cookie")
		return next(c)
	}
}
