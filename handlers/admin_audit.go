package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/views"
)

// auditPageSize is how many audit rows one page shows.
const auditPageSize = 50

// Audit is GET /admin/audit?action=&username=&target=&before=ID: newest
// first, paged by id (keyset) so paging stays fast on a long log.
func (h *Admin) Audit(c echo.Context) error {
	f := views.AuditFilter{
		Action:   strings.TrimSpace(c.QueryParam("action")),
		Username: strings.ToLower(strings.TrimSpace(c.QueryParam("username"))),
		Target:   strings.TrimSpace(c.QueryParam("target")),
	}
	before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	if before < 0 {
		before = 0
	}
	rows, err := h.DB.ListAudit(c.Request().Context(), db.AuditFilter{
		Action: f.Action, Username: f.Username, Target: f.Target, BeforeID: before, Limit: auditPageSize + 1,
	})
	if err != nil {
		return err
	}
	v := views.AdminAuditView{Filter: f, Paged: before > 0}
	if len(rows) > auditPageSize {
		rows = rows[:auditPageSize]
		v.BeforeID = rows[len(rows)-1].ID
	}
	// A person is named as people know them now; the username the row
	// stored stays beside it (it is what the filter takes).
	names := map[string]string{}
	if users, err := h.DB.ListUsers(c.Request().Context()); err == nil {
		for _, u := range users {
			names[u.Username] = u.DisplayName
		}
	}
	for _, r := range rows {
		v.Rows = append(v.Rows, views.AuditRow{ID: r.ID, At: r.At, Username: r.Username, DisplayName: names[r.Username], Role: r.Role, Action: r.Action,
			Target: r.Target, IP: r.IP, Result: r.Result, Before: r.Before, After: r.After, Detail: r.Detail})
	}
	return Render(c, http.StatusOK, views.AdminAuditPage(v))
}
