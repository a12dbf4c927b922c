package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/i18n"
	"instore/views"
)

// Sessions starts and ends login sessions (web.Sessions implements it).
type Sessions interface {
	// Login replaces the request's session by a new one for u: new
	// session id, new CSRF token; the previous cookie stops working.
	Login(c echo.Context, u *db.User) error
	// Logout ends the session and leaves an anonymous one.
	Logout(c echo.Context) error
}

// LoginLimiter throttles failed logins and password changes per username
// and client address, and per address (web.LoginThrottle has it).
type LoginLimiter interface {
	// Check reports whether a try must be refused now, and until when;
	// it counts the refusal (action names it in the audit log).
	Check(ctx context.Context, action, username, ip string, now time.Time) (until time.Time, blocked bool, err error)
	// Failed records a failed try.
	Failed(ctx context.Context, username, ip string, now time.Time) error
	// Succeeded forgets the username's failures from ip.
	Succeeded(ctx context.Context, username, ip string) error
}

// Auth serves login, logout and the own-password change.
type Auth struct {
	DB       *db.DB
	Sessions Sessions
	Limiter  LoginLimiter
	Now      func() time.Time
	Log      *slog.Logger
	// Demo: the embedded simulator stands in for Omise; the login page
	// says so and lists the demo payment codes.
	Demo bool
}

// dummyHash is checked against when the username is unknown, so a wrong
// username takes as long as a wrong password and does not reveal which
// accounts exist.
var dummyHash = sync.OnceValue(func() string {
	h, _ := db.HashPassword("instore-no-such-user-password")
	return h
})

// LoginForm is GET /login. A logged-in user goes straight on.
func (h *Auth) LoginForm(c echo.Context) error {
	next := LocalPath(c.QueryParam("next"))
	if _, ok := CurrentUser(c); ok {
		return c.Redirect(http.StatusSeeOther, next)
	}
	return Render(c, http.StatusOK, views.LoginPage(views.LoginView{Next: next, Demo: h.Demo}))
}

type loginForm struct {
	Username, Password, Next string
}

// Validate returns field -> message id.
func (f loginForm) Validate() map[string]string {
	errs := map[string]string{}
	if f.Username == "" {
		errs["username"] = "err.required"
	}
	if f.Password == "" {
		errs["password"] = "err.required"
	}
	return errs
}

// Login is POST /login.
func (h *Auth) Login(c echo.Context) error {
	f := loginForm{
		Username: strings.ToLower(strings.TrimSpace(c.FormValue("username"))),
		Password: c.FormValue("password"),
		Next:     LocalPath(c.FormValue("next")),
	}
	// No account has a longer name, so the page need not echo more.
	view := views.LoginView{Username: db.CapText(f.Username, db.MaxAuditName), Next: f.Next, Demo: h.Demo}
	if errs := f.Validate(); len(errs) > 0 {
		view.Errors = errs
		return Render(c, http.StatusUnprocessableEntity, views.LoginPage(view))
	}
	ctx, ip, now := c.Request().Context(), c.RealIP(), h.Now()
	until, blocked, err := h.Limiter.Check(ctx, "login", f.Username, ip, now)
	if err != nil {
		return err
	}
	if blocked {
		view.Alert = throttled(c, "login.err.throttled", until, now)
		return Render(c, http.StatusTooManyRequests, views.LoginPage(view))
	}
	u, reason := h.check(c, f)
	if u == nil {
		if err := h.Limiter.Failed(ctx, f.Username, ip, now); err != nil {
			return err
		}
		h.audit(c, nil, f.Username, "denied", reason)
		view.Alert = views.M("login.err.wrong")
		return Render(c, http.StatusUnauthorized, views.LoginPage(view))
	}
	if err := h.Sessions.Login(c, u); err != nil {
		return err
	}
	if err := h.Limiter.Succeeded(ctx, f.Username, ip); err != nil {
		h.Log.ErrorContext(ctx, "login: clearing the throttle", "err", err)
	}
	h.audit(c, u, u.Username, "ok", "")
	// A cashier has one place to be: the till, not a home page with one card.
	if f.Next == "/" && u.Role == db.RoleCashier {
		return Redirect(c, "/till")
	}
	return Redirect(c, f.Next)
}

// throttled sets Retry-After and returns the message saying when to retry.
func throttled(c echo.Context, msgID string, until, now time.Time) *views.Msg {
	c.Response().Header().Set("Retry-After", strconv.Itoa(int(until.Sub(now).Seconds())+1))
	return &views.Msg{ID: msgID, Data: map[string]any{
		"Time": until.In(i18n.Bangkok).Format("15:04"), "Minutes": int(until.Sub(now).Minutes()) + 1,
	}}
}

// check returns the user when the credentials are right, else nil and the
// reason for the audit log (never shown to the person logging in).
func (h *Auth) check(c echo.Context, f loginForm) (*db.User, string) {
	ctx := c.Request().Context()
	if !db.ValidUsername(f.Username) {
		db.CheckPassword(dummyHash(), f.Password)
		return nil, "unknown_user"
	}
	u, err := h.DB.GetUserByUsername(ctx, f.Username)
	if err != nil {
		if !errors.Is(err, db.ErrNotFound) {
			h.Log.ErrorContext(ctx, "login: user lookup", "err", err)
		}
		db.CheckPassword(dummyHash(), f.Password)
		return nil, "unknown_user"
	}
	hash, err := h.DB.UserPasswordHash(ctx, u.ID)
	if err != nil || !db.CheckPassword(hash, f.Password) {
		return nil, "wrong_password"
	}
	if u.Disabled {
		return nil, "disabled"
	}
	return u, ""
}

func (h *Auth) audit(c echo.Context, u *db.User, username, result, detail string) {
	e := db.AuditEntry{At: h.Now(), Username: username, Action: "login", Target: username, IP: c.RealIP(), Result: result, Detail: detail}
	if u != nil {
		e.UserID, e.Role = u.ID, string(u.Role)
	}
	if err := h.DB.Audit(c.Request().Context(), e); err != nil {
		h.Log.ErrorContext(c.Request().Context(), "audit write failed", "action", "login", "err", err)
	}
}

// Logout is POST /logout.
func (h *Auth) Logout(c echo.Context) error {
	a := Actor(c)
	if err := h.Sessions.Logout(c); err != nil {
		return err
	}
	if a.UserID != 0 {
		e := db.AuditEntry{At: h.Now(), UserID: a.UserID, Username: a.Username, Role: a.Role, Action: "logout", Target: a.Username, IP: a.IP, Result: "ok"}
		if err := h.DB.Audit(c.Request().Context(), e); err != nil {
			h.Log.ErrorContext(c.Request().Context(), "audit write failed", "action", "logout", "err", err)
		}
	}
	Flash(c, "ok", "flash.logged_out")
	return c.Redirect(http.StatusSeeOther, "/login")
}
