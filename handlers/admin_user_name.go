package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/views"
)

// SetUserName is POST /admin/users/:id/name: what the user is called, in
// Thai or English (empty removes it). An admin may rename themselves: it
// changes nothing they may do.
func (h *Admin) SetUserName(c echo.Context) error {
	u, _, err := h.target(c, true)
	if err != nil {
		return err
	}
	name, ok := db.CleanDisplayName(c.FormValue("display_name"))
	if !ok {
		return h.renderUsers(c, http.StatusUnprocessableEntity, views.UserForm{Role: string(db.RoleCashier)}, nil, views.M("display_name.too_long"))
	}
	if _, err := h.DB.SetUserDisplayName(c.Request().Context(), Actor(c), u.ID, name); err != nil {
		return err
	}
	Flash(c, "ok", "flash.user_updated")
	return Redirect(c, "/admin/users")
}

// displayNameError validates a new account's display name into errs and
// returns it cleaned.
func displayNameError(raw string, errs map[string]string) string {
	name, ok := db.CleanDisplayName(raw)
	if !ok {
		errs["display_name"] = "display_name.too_long"
	}
	return name
}
