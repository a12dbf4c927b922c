// Package web builds the HTTP application: the echo instance, the
// middleware chain, every route with its authorization rule, sessions,
// CSRF, the error handler and the live-update broker.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"instore/config"
	"instore/db"
	"instore/i18n"
	"instore/metrics"
	"instore/payments"
)

// Deps is everything the application needs, built once in main. Add fields
// here rather than reaching for globals.
type Deps struct {
	Config  config.Config
	DB      *db.DB
	Metrics *metrics.M   // nil: a fresh registry (tests)
	Log     *slog.Logger // nil: slog.Default()
	Now     func() time.Time
	// Sim is the embedded Omise simulator (demo mode), mounted at
	// /sim/omise outside sessions and CSRF; nil leaves it unmounted.
	Sim http.Handler

	// Payments is the domain service (till, refunds, webhooks, reports).
	Payments *payments.Service
	// Broker fans committed changes out to /live subscribers.
	Broker *Broker
	// Work is cancelled at shutdown; background jobs started by requests
	// (reconciliation runs) use it instead of the request's context.
	Work context.Context
	// Reconciler runs reconciliation on Work; nil makes one (tests that
	// build the app without Wire).
	Reconciler *payments.Reconciler
}

// App is the assembled HTTP application.
type App struct {
	Echo     *echo.Echo
	deps     Deps
	rules    map[string]Rule
	sessions *Sessions
	logins   *LoginThrottle
	log      *slog.Logger
	now      func() time.Time
	metrics  *metrics.M
	pairKey  []byte // keys the stored hashes of display pairing codes
}

// bodyLimit bounds every request body (the login throttle is in
// login_throttle.go).
const bodyLimit = "1M"

// New builds the application. It fails when the message catalog does not
// load, when session keys cannot be set up, or when a route was registered
// without an authorization rule.
func New(d Deps) (*App, error) {
	if err := i18n.Load(); err != nil {
		return nil, err
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Metrics == nil {
		d.Metrics = metrics.New()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	keys, err := sessionKeys(ctx, d.Config, d.DB)
	if err != nil {
		return nil, err
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.IPExtractor = echo.ExtractIPDirect()
	if d.Config.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader() // trusts loopback and private-network proxies only
	}
	a := &App{
		Echo: e, deps: d, rules: map[string]Rule{}, log: d.Log, now: d.Now, metrics: d.Metrics,
		sessions: newSessions(keys, d.Config.CookieSecure, d.DB, d.Now, d.Log),
		logins:   NewLoginThrottle(d.DB, d.Log),
		pairKey:  pairingKey(keys[0]),
	}
	e.HTTPErrorHandler = a.handleError

	// Middleware, outermost first.
	e.Use(a.requestID)                     // id on the response, in the context and in every log line
	e.Use(a.observe)                       // access log and metrics by route template; errors rendered here
	e.Use(a.recoverPanics())               // a panic becomes a 500 with the stack in the log
	e.Use(a.secureHeaders)                 // CSP without inline script, nosniff, frame denial, referrer policy
	e.Use(a.language)                      // Thai or English: cookie, else Accept-Language
	e.Use(middleware.BodyLimit(bodyLimit)) // no request body above 1 MB
	e.Use(a.sessions.middleware(a))        // session cookie, CSRF token, logged-in user
	e.Use(a.displayCredential)             // a paired customer display, on display routes only
	e.Use(a.csrfProtect)                   // token check on every state-changing request
	e.Use(a.authorize)                     // the route's rule: login redirect, 401 or 403

	a.routes(&router{e: e, rules: a.rules})
	if err := a.checkRules(); err != nil {
		return nil, err
	}
	return a, nil
}

// recoverPanics turns a panic into an error for observe to render, and
// logs the stack with the request id.
func (a *App) recoverPanics() echo.MiddlewareFunc {
	return middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableErrorHandler: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			a.log.ErrorContext(c.Request().Context(), "panic", "err", err, "stack", string(stack))
			return err
		},
	})
}

// ServeHTTP makes App an http.Handler.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.Echo.ServeHTTP(w, r) }

// Logins exposes the login throttle (main sweeps it; tests inspect it).
func (a *App) Logins() *LoginThrottle { return a.logins }
