package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/payments"
	"instore/views"
)

// groupForm is a new group or a group edit: its name and the stores ticked.
type groupForm struct {
	Name   string
	Stores []string
}

func readGroupForm(c echo.Context) groupForm {
	f := groupForm{Name: strings.TrimSpace(c.FormValue("name"))}
	if params, err := c.FormParams(); err == nil {
		f.Stores = params["stores"]
	}
	return f
}

// Validate returns field -> message id.
func (f groupForm) Validate() map[string]string {
	errs := map[string]string{}
	if !db.ValidGroupName(f.Name) {
		errs["name"] = "groups.err.name"
	}
	for _, s := range f.Stores {
		if !db.ValidStoreID(s) {
			errs["stores"] = "groups.err.store_unknown"
		}
	}
	return errs
}

// groupErrorID maps a store-group write error to its message id ("" for
// an error that is not the user's).
func groupErrorID(err error) (string, string) {
	switch {
	case errors.Is(err, db.ErrExists):
		return "name", "groups.err.name_taken"
	case errors.Is(err, db.ErrGroupInUse):
		return "name", "groups.err.in_use"
	case errors.Is(err, db.ErrNotFound):
		return "stores", "groups.err.store_unknown"
	}
	return "", ""
}

func (h *Admin) renderGroups(c echo.Context, status int, form views.GroupForm, errs map[string]string, alert *views.Msg) error {
	ctx := c.Request().Context()
	groups, err := h.DB.ListStoreGroups(ctx)
	if err != nil {
		return err
	}
	stores, err := h.storeOptions(c)
	if err != nil {
		return err
	}
	v := views.AdminGroupsView{Stores: stores, Form: form, Errors: errs, Alert: alert}
	for _, g := range groups {
		v.Groups = append(v.Groups, views.GroupRow{ID: g.ID, Name: g.Name, Stores: g.Stores, Users: g.Users})
	}
	return Render(c, status, views.AdminGroupsPage(v))
}

// Groups is GET /admin/groups.
func (h *Admin) Groups(c echo.Context) error {
	return h.renderGroups(c, http.StatusOK, views.GroupForm{}, nil, nil)
}

// CreateGroup is POST /admin/groups (name, stores repeated).
func (h *Admin) CreateGroup(c echo.Context) error {
	f := readGroupForm(c)
	errs := f.Validate()
	if len(errs) == 0 {
		_, err := h.DB.CreateStoreGroup(c.Request().Context(), Actor(c), f.Name, f.Stores)
		if field, id := groupErrorID(err); id != "" {
			errs[field] = id
		} else if err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return h.renderGroups(c, http.StatusUnprocessableEntity, views.GroupForm{Name: f.Name, Stores: f.Stores}, errs, nil)
	}
	Flash(c, "ok", "flash.group.created")
	return Redirect(c, "/admin/groups")
}

// groupID reads :id, answering 404 when it is not a number.
func groupID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, Refuse(payments.NotFound, "not_found", "groups.err.unknown")
	}
	return id, nil
}

// UpdateGroup is POST /admin/groups/:id: its name and stores. Users scoped
// to the group see the new stores from their next request.
func (h *Admin) UpdateGroup(c echo.Context) error {
	id, err := groupID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := h.DB.GetStoreGroup(ctx, id); errors.Is(err, db.ErrNotFound) {
		return Refuse(payments.NotFound, "not_found", "groups.err.unknown")
	} else if err != nil {
		return err
	}
	f := readGroupForm(c)
	errs := f.Validate()
	if len(errs) == 0 {
		_, err = h.DB.UpdateStoreGroup(ctx, Actor(c), id, f.Name, f.Stores)
		if field, msg := groupErrorID(err); msg != "" {
			errs[field] = msg
		} else if err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return h.renderGroups(c, http.StatusUnprocessableEntity, views.GroupForm{}, nil, views.M(errs[firstKey(errs)]))
	}
	Flash(c, "ok", "flash.group.updated")
	return Redirect(c, "/admin/groups")
}

// DeleteGroup is POST /admin/groups/:id/delete; refused while users are
// scoped to the group.
func (h *Admin) DeleteGroup(c echo.Context) error {
	id, err := groupID(c)
	if err != nil {
		return err
	}
	err = h.DB.DeleteStoreGroup(c.Request().Context(), Actor(c), id)
	switch {
	case errors.Is(err, db.ErrNotFound):
		return Refuse(payments.NotFound, "not_found", "groups.err.unknown")
	case errors.Is(err, db.ErrGroupInUse):
		return h.renderGroups(c, http.StatusConflict, views.GroupForm{}, nil, views.M("groups.err.in_use"))
	case err != nil:
		return err
	}
	Flash(c, "ok", "flash.group.deleted")
	return Redirect(c, "/admin/groups")
}

// groupOptions lists the groups for a user's scope select.
func (h *Admin) groupOptions(c echo.Context) ([]views.GroupOption, error) {
	groups, err := h.DB.ListStoreGroups(c.Request().Context())
	if err != nil {
		return nil, err
	}
	out := make([]views.GroupOption, len(groups))
	for i, g := range groups {
		out[i] = views.GroupOption{ID: g.ID, Name: g.Name}
	}
	return out, nil
}

// scopeValue is a user's scope as the scope select names it.
func scopeValue(u *db.User) string {
	switch {
	case u.GroupID != 0:
		return views.ScopeGroupValue(u.GroupID)
	case u.AllStores:
		return views.ScopeAll
	}
	return u.StoreID
}

// parseScope reads the scope select: a store id, "group:<id>" or "*".
func parseScope(v string) (db.UserScope, bool) {
	switch {
	case v == views.ScopeAll:
		return db.UserScope{AllStores: true}, true
	case strings.HasPrefix(v, "group:"):
		id, err := strconv.ParseInt(strings.TrimPrefix(v, "group:"), 10, 64)
		return db.UserScope{GroupID: id}, err == nil && id > 0
	}
	return db.UserScope{StoreID: v}, v == "" || db.ValidStoreID(v)
}
