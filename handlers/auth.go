package handlers

import (
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

// LoginLimiter throttles failed logins per username and per IP.
type LoginLimiter interface {
	// Blocked reports whether a try must be refused now, and until when.
	Blocked(username, ip string, now time.Time) (until time.Time, blocked bool)
	// Failed records a failed try.
	Failed(username, ip string, now time.Time)
	// Succeeded forgets the username's failures.
	Succeeded(username string)
}

// Auth serves login, logout and the own-password change.
type Auth struct {
	DB       *db.DB
	Sessions Sessions
	Limiter  LoginLimiter
	Now      func() time.Time
	Log      *slog.Logger
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
	return Render(c, http.StatusOK, views.LoginPage(views.LoginView{Next: next}))
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
	view := views.LoginView{Username: f.Username, Next: f.Next}
	if errs := f.Validate(); len(errs) > 0 {
		view.Errors = errs
		return Render(c, http.StatusUnprocessableEntity, views.LoginPage(view))
	}
	ip, now := c.RealIP(), h.Now()
	if until, blocked := h.Limiter.Blocked(f.Username, ip, now); blocked {
		h.audit(c, nil, f.Username, "throttled", "")
		minutes := int(until.Sub(now).Minutes()) + 1
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(until.Sub(now).Seconds())+1))
		view.Alert = &views.Msg{ID: "login.err.throttled", Data: map[string]any{
			"Time": until.In(i18n.Bangkok).Format("15:04"), "Minutes": minutes,
		}}
		return Render(c, http.StatusTooManyRequests, views.LoginPage(view))
	}
	u, reason := h.check(c, f)
	if u == nil {
		h.Limiter.Failed(f.Username, ip, now)
		h.audit(c, nil, f.Username, "denied", reason)
		view.Alert = views.M("login.err.wrong")
		return Render(c, http.StatusUnauthorized, views.LoginPage(view))
	}
	if err := h.Sessions.Login(c, u); err != nil {
		return err
	}
	h.Limiter.Succeeded(f.Username)
	h.audit(c, u, u.Username, "ok", "")
	return Redirect(c, f.Next)
}

// check returns the user when the credentials are right, else nil and the
// reason for the audit log (never shown to the person logging in).
func (h *Auth) check(c echo.Context, f loginForm) (*db.User, string) {
	ctx := c.Request().Context()
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
