package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/payments"
	"instore/views"
)

// Admin serves the admin pages: users, stores, terminals and the audit log.
type Admin struct {
	DB                *db.DB
	DefaultSourceType string // preselected for new stores (INSTORE_SOURCE_TYPE)
	// Logins lists login lockouts for the users page (web.LoginThrottle);
	// nil shows none.
	Logins LoginLocks
	Now    func() time.Time
}

func roleNames() []string {
	out := make([]string, len(db.Roles))
	for i, r := range db.Roles {
		out[i] = string(r)
	}
	return out
}

// userForm is a new account or a role change.
type userForm struct {
	Username, Role, StoreID, Password string
}

// Validate returns field -> message id. create also checks the username
// and password.
func (f userForm) Validate(create bool) map[string]string {
	errs := map[string]string{}
	if create && !db.ValidUsername(f.Username) {
		errs["username"] = "err.username.format"
	}
	if create && !db.ValidPassword(f.Password) {
		errs["password"] = "err.password.length"
	}
	role := db.Role(f.Role)
	switch {
	case !role.Valid():
		errs["role"] = "err.role.invalid"
	case role != db.RoleAdmin && f.StoreID == "":
		errs["store_id"] = "err.store.required"
	}
	// store_id is the user's scope: a store, a group or every store.
	if sc, ok := parseScope(f.StoreID); !ok {
		errs["store_id"] = "err.store.unknown"
	} else if role == db.RoleCashier && (sc.GroupID != 0 || sc.AllStores) {
		errs["store_id"] = "groups.err.cashier"
	}
	return errs
}

// scope is the form's scope for role (admins have none).
func (f userForm) scope() db.UserScope {
	if db.Role(f.Role) == db.RoleAdmin {
		return db.UserScope{}
	}
	sc, _ := parseScope(f.StoreID)
	return sc
}

// usersView loads the list around a form state.
func (h *Admin) usersView(c echo.Context, form views.UserForm, errs map[string]string, alert *views.Msg) (views.AdminUsersView, error) {
	ctx := c.Request().Context()
	users, err := h.DB.ListUsers(ctx)
	if err != nil {
		return views.AdminUsersView{}, err
	}
	stores, err := h.storeOptions(c)
	if err != nil {
		return views.AdminUsersView{}, err
	}
	groups, err := h.groupOptions(c)
	if err != nil {
		return views.AdminUsersView{}, err
	}
	me, _ := CurrentUser(c)
	v := views.AdminUsersView{Stores: stores, Groups: groups, Roles: roleNames(), Form: form, Errors: errs, Alert: alert}
	// A fresh form is valid as it stands: a cashier needs a store, so the
	// first one is chosen rather than "none".
	if form.Username == "" && form.StoreID == "" && form.Role != string(db.RoleAdmin) && len(stores) > 0 && errs == nil {
		v.Form.StoreID = stores[0].ID
	}
	locked, err := h.lockouts(c, &v)
	if err != nil {
		return views.AdminUsersView{}, err
	}
	for _, u := range users {
		v.Users = append(v.Users, views.UserRow{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: string(u.Role), StoreID: scopeValue(u),
			Disabled: u.Disabled, Self: me != nil && me.ID == u.ID, CreatedAt: u.CreatedAt, LockedUntil: locked[db.LoginUserHash(u.Username)]})
	}
	return v, nil
}

func (h *Admin) renderUsers(c echo.Context, status int, form views.UserForm, errs map[string]string, alert *views.Msg) error {
	v, err := h.usersView(c, form, errs, alert)
	if err != nil {
		return err
	}
	return Render(c, status, views.AdminUsersPage(v))
}

// Users is GET /admin/users.
func (h *Admin) Users(c echo.Context) error {
	return h.renderUsers(c, http.StatusOK, views.UserForm{Role: string(db.RoleCashier)}, nil, nil)
}

// CreateUser is POST /admin/users.
func (h *Admin) CreateUser(c echo.Context) error {
	f := userForm{Username: strings.ToLower(strings.TrimSpace(c.FormValue("username"))), Role: c.FormValue("role"),
		StoreID: c.FormValue("store_id"), Password: c.FormValue("password")}
	form := views.UserForm{Username: f.Username, Role: f.Role, StoreID: f.StoreID}
	errs := f.Validate(true)
	form.DisplayName = displayNameError(c.FormValue("display_name"), errs)
	if len(errs) == 0 {
		hash, err := db.HashPassword(f.Password)
		if err != nil {
			return err
		}
		sc := f.scope()
		_, err = h.DB.CreateUser(c.Request().Context(), Actor(c), db.NewUser{Username: f.Username, DisplayName: form.DisplayName, Role: db.Role(f.Role), StoreID: sc.StoreID,
			GroupID: sc.GroupID, AllStores: sc.AllStores, PasswordHash: hash})
		switch {
		case errors.Is(err, db.ErrExists):
			errs["username"] = "err.username.taken"
		case errors.Is(err, db.ErrNotFound):
			errs["store_id"] = "err.store.unknown"
		case err != nil:
			return err
		}
	}
	if len(errs) > 0 {
		return h.renderUsers(c, http.StatusUnprocessableEntity, form, errs, nil)
	}
	Flash(c, "ok", "flash.user_created")
	return Redirect(c, "/admin/users")
}

// target loads the user of :id and refuses changes to oneself, so an admin
// cannot lock themselves out.
func (h *Admin) target(c echo.Context, allowSelf bool) (*db.User, *views.Msg, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return nil, nil, Refuse(payments.NotFound, "not_found", "error.not_found")
	}
	u, err := h.DB.GetUser(c.Request().Context(), id)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil, Refuse(payments.NotFound, "not_found", "error.not_found")
	}
	if err != nil {
		return nil, nil, err
	}
	if me, _ := CurrentUser(c); !allowSelf && me != nil && me.ID == u.ID {
		return u, views.M("err.self"), nil
	}
	return u, nil, nil
}

// UpdateUser is POST /admin/users/:id: role and store.
func (h *Admin) UpdateUser(c echo.Context) error {
	u, alert, err := h.target(c, false)
	if err != nil {
		return err
	}
	if alert == nil {
		f := userForm{Role: c.FormValue("role"), StoreID: c.FormValue("store_id")}
		if errs := f.Validate(false); len(errs) > 0 {
			alert = views.M(errs[firstKey(errs)])
		} else if _, err := h.DB.UpdateUserRoleScope(c.Request().Context(), Actor(c), u.ID, db.Role(f.Role), f.scope()); errors.Is(err, db.ErrNotFound) {
			alert = views.M("err.store.unknown")
		} else if errors.Is(err, db.ErrLastAdmin) {
			alert = views.M("err.last_admin")
		} else if err != nil {
			return err
		}
	}
	if alert != nil {
		return h.renderUsers(c, http.StatusUnprocessableEntity, views.UserForm{Role: string(db.RoleCashier)}, nil, alert)
	}
	Flash(c, "ok", "flash.user_updated")
	return Redirect(c, "/admin/users")
}

// SetUserStatus is POST /admin/users/:id/status with disabled=1|0.
func (h *Admin) SetUserStatus(c echo.Context) error {
	u, alert, err := h.target(c, false)
	if err != nil {
		return err
	}
	if alert != nil {
		return h.renderUsers(c, http.StatusUnprocessableEntity, views.UserForm{Role: string(db.RoleCashier)}, nil, alert)
	}
	_, err = h.DB.SetUserDisabled(c.Request().Context(), Actor(c), u.ID, c.FormValue("disabled") == "1")
	if errors.Is(err, db.ErrLastAdmin) {
		return h.renderUsers(c, http.StatusUnprocessableEntity, views.UserForm{Role: string(db.RoleCashier)}, nil, views.M("err.last_admin"))
	}
	if err != nil {
		return err
	}
	Flash(c, "ok", "flash.user_updated")
	return Redirect(c, "/admin/users")
}

// ResetPassword is POST /admin/users/:id/password: sets a new password and
// ends every session of that user. An admin's own password is changed on
// /account/password, which asks for the current one: a session left open
// must not set a new password without it (and this one would end the
// admin's own session in passing).
func (h *Admin) ResetPassword(c echo.Context) error {
	u, self, err := h.target(c, false)
	if err != nil {
		return err
	}
	if self != nil {
		return h.renderUsers(c, http.StatusUnprocessableEntity, views.UserForm{Role: string(db.RoleCashier)}, nil, views.M("err.self_password"))
	}
	pw := c.FormValue("password")
	if !db.ValidPassword(pw) {
		return h.renderUsers(c, http.StatusUnprocessableEntity, views.UserForm{Role: string(db.RoleCashier)}, nil, views.M("err.password.length"))
	}
	hash, err := db.HashPassword(pw)
	if err != nil {
		return err
	}
	if _, err := h.DB.SetUserPassword(c.Request().Context(), Actor(c), u.ID, hash); err != nil {
		return err
	}
	Flash(c, "ok", "flash.password_reset")
	return Redirect(c, "/admin/users")
}

func firstKey(m map[string]string) string {
	best := ""
	for k := range m {
		if best == "" || k < best {
			best = k
		}
	}
	return best
}
