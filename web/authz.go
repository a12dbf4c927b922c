package web

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/handlers"
	"instore/payments"
)

// Rule says who may call a route. Every route is registered with one (see
// routes.go); New refuses to build an App with a route that has none, and
// the authorize middleware applies the rule before the handler runs.
type Rule struct {
	Public    bool      // anyone, logged in or not
	LoggedIn  bool      // any logged-in user, whatever the role
	Roles     []db.Role // only these roles
	Stateless bool      // no session cookie, no CSRF check: assets, health and machine callers that authenticate themselves (webhook signature, simulator keys)
	JSON      bool      // errors are always JSON, whatever the caller accepts (machine callers)
	// Display also admits a paired customer display (its own credential
	// cookie, no user), which no other rule does; the handler keeps it to
	// its own terminal. Anonymous visitors are sent to the pairing page.
	Display bool
}

// The rules routes are registered with.
var (
	// Public routes answer anyone (the login page, the language switch).
	Public = Rule{Public: true}
	// Stateless routes answer anyone without touching the session:
	// static files, /healthz, /webhooks/omise, the demo simulator.
	Stateless = Rule{Public: true, Stateless: true}
	// Machine routes are Stateless routes for programs (the Omise
	// webhook), whose every error, 413 from the body limit included, is
	// JSON.
	Machine = Rule{Public: true, Stateless: true, JSON: true}
	// LoggedIn routes answer every logged-in user.
	LoggedIn = Rule{LoggedIn: true}
)

// Roles is the rule for routes only the given roles may call.
func Roles(roles ...db.Role) Rule { return Rule{Roles: roles} }

// WithDisplay returns r admitting a paired customer display as well.
func (r Rule) WithDisplay() Rule {
	r.Display = true
	return r
}

// Allows reports whether u (nil = anonymous) passes the rule.
func (r Rule) Allows(u *db.User) bool {
	switch {
	case r.Public:
		return true
	case u == nil || u.Disabled:
		return false
	case r.LoggedIn:
		return true
	}
	return slices.Contains(r.Roles, u.Role)
}

// router registers routes on echo and records each one's rule, keyed by
// "METHOD /path/:param" exactly as echo reports the route.
type router struct {
	e     *echo.Echo
	rules map[string]Rule
}

func ruleKey(method, path string) string { return method + " " + path }

func (r *router) add(method, path string, h echo.HandlerFunc, rule Rule) {
	r.e.Add(method, path, h)
	r.rules[ruleKey(method, path)] = rule
}

// GET registers a GET route with its rule.
func (r *router) GET(path string, h echo.HandlerFunc, rule Rule) {
	r.add(http.MethodGet, path, h, rule)
}

// POST registers a POST route with its rule.
func (r *router) POST(path string, h echo.HandlerFunc, rule Rule) {
	r.add(http.MethodPost, path, h, rule)
}

// Any registers path for every method echo routes, all with one rule.
func (r *router) Any(path string, h echo.HandlerFunc, rule Rule) {
	for _, rt := range r.e.Any(path, h) {
		r.rules[ruleKey(rt.Method, rt.Path)] = rule
	}
}

// ruleFor returns the rule of the route the request matched; ok is false
// when no route matched (echo answers 404 or 405 itself).
func (a *App) ruleFor(c echo.Context) (Rule, bool) {
	r, ok := a.rules[ruleKey(c.Request().Method, c.Path())]
	return r, ok
}

// deniedHeader tells tests (and curious operators) that the authorization
// layer, not the handler, refused the request: "login" or "role".
const deniedHeader = "X-Instore-Denied"

// authorize applies the route's rule: anonymous HTML requests go to the
// login page (coming back afterwards), anonymous JSON requests get 401,
// logged-in users without the role get 403.
func (a *App) authorize(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		rule, ok := a.ruleFor(c)
		if !ok {
			return next(c) // no route matched: echo's 404/405 handler runs
		}
		u, _ := handlers.CurrentUser(c)
		if rule.Allows(u) {
			return next(c)
		}
		if _, ok := handlers.CurrentDisplay(c); ok && rule.Display {
			return next(c)
		}
		if u == nil {
			c.Response().Header().Set(deniedHeader, "login")
			if handlers.WantsJSON(c) {
				return echo.ErrUnauthorized
			}
			target := "/login"
			if rule.Display {
				target = "/display"
			}
			if c.Request().Method == http.MethodGet {
				target += "?next=" + url.QueryEscape(c.Request().URL.RequestURI())
			}
			return c.Redirect(http.StatusFound, target)
		}
		c.Response().Header().Set(deniedHeader, "role")
		a.log.InfoContext(c.Request().Context(), "forbidden", "user", u.Username, "role", u.Role, "route", c.Path())
		return handlers.Refuse(payments.Forbidden, "forbidden", "error.forbidden")
	}
}

// RouteRules returns a copy of the rule table, keyed "METHOD /path".
func (a *App) RouteRules() map[string]Rule {
	out := make(map[string]Rule, len(a.rules))
	for k, v := range a.rules {
		out[k] = v
	}
	return out
}

// checkRules fails when echo has a route without a rule: someone called
// e.GET directly instead of the router, and nothing would guard it.
func (a *App) checkRules() error {
	for _, rt := range a.Echo.Routes() {
		if _, ok := a.rules[ruleKey(rt.Method, rt.Path)]; !ok {
			return &missingRuleError{method: rt.Method, path: rt.Path}
		}
	}
	return nil
}

type missingRuleError struct{ method, path string }

func (e *missingRuleError) Error() string {
	return "web: route " + e.method + " " + e.path + " has no authorization rule; register it through the router in routes.go"
}
