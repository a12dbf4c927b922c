package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/views"
)

// PasswordForm is GET /account/password.
func (h *Auth) PasswordForm(c echo.Context) error {
	return Render(c, http.StatusOK, views.PasswordPage(views.PasswordView{}))
}

type passwordForm struct {
	Current, Password, Confirm string
}

// Validate returns field -> message id (the current password is checked
// against the database separately).
func (f passwordForm) Validate() map[string]string {
	errs := map[string]string{}
	if f.Current == "" {
		errs["current"] = "err.required"
	}
	if !db.ValidPassword(f.Password) {
		errs["password"] = "err.password.length"
	} else if f.Password != f.Confirm {
		errs["confirm"] = "err.password.mismatch"
	}
	return errs
}

// ChangePassword is POST /account/password: every other session of the
// user ends (the epoch moves on), and this browser gets a fresh session.
func (h *Auth) ChangePassword(c echo.Context) error {
	u, ok := CurrentUser(c)
	if !ok {
		return echo.ErrUnauthorized
	}
	f := passwordForm{Current: c.FormValue("current"), Password: c.FormValue("password"), Confirm: c.FormValue("confirm")}
	errs := f.Validate()
	ctx, ip, now := c.Request().Context(), c.RealIP(), h.Now()
	// A session left open at a till must not become a way to guess the
	// password: wrong current passwords count like failed logins.
	until, blocked, err := h.Limiter.Check(ctx, "password.change", u.Username, ip, now)
	if err != nil {
		return err
	}
	if blocked {
		return Render(c, http.StatusTooManyRequests, views.PasswordPage(views.PasswordView{Alert: throttled(c, "account.password.throttled", until, now)}))
	}
	if f.Current != "" {
		hash, err := h.DB.UserPasswordHash(ctx, u.ID)
		if err != nil {
			return err
		}
		if !db.CheckPassword(hash, f.Current) {
			errs["current"] = "err.password.current"
			if err := h.Limiter.Failed(ctx, u.Username, ip, now); err != nil {
				return err
			}
		}
	}
	if len(errs) > 0 {
		return Render(c, http.StatusUnprocessableEntity, views.PasswordPage(views.PasswordView{Errors: errs}))
	}
	hash, err := db.HashPassword(f.Password)
	if err != nil {
		return err
	}
	updated, err := h.DB.SetUserPassword(ctx, Actor(c), u.ID, hash)
	if err != nil {
		return err
	}
	if err := h.Sessions.Login(c, updated); err != nil {
		return err
	}
	if err := h.Limiter.Succeeded(ctx, u.Username, ip); err != nil {
		h.Log.ErrorContext(ctx, "password change: clearing the throttle", "err", err)
	}
	Flash(c, "ok", "flash.password_changed")
	return Redirect(c, "/")
}
