package handlers

import (
	"errors"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/payments"
	"instore/views"
)

// displayRows lists the paired customer displays of storeID ("" = all)
// for the terminals page.
func (h *Admin) displayRows(c echo.Context, storeID string) ([]views.DisplayRow, error) {
	list, err := h.DB.ListDisplays(c.Request().Context(), storeID)
	var out []views.DisplayRow
	for _, d := range list {
		ua := []rune(d.UserAgent)
		if len(ua) > 80 {
			ua = append(ua[:80], '…') // enough to tell devices apart in a table cell
		}
		out = append(out, views.DisplayRow{ID: d.ID, StoreID: d.StoreID, TerminalID: d.TerminalID,
			PairedBy: d.CreatedBy, PairedAt: d.CreatedAt, LastSeen: d.LastSeenAt, UserAgent: string(ua)})
	}
	return out, err
}

// RevokeDisplay is POST /admin/displays/:id/revoke: the display's
// credential stops working at its next request, and its open live
// stream ends within seconds.
func (h *Admin) RevokeDisplay(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return Refuse(payments.NotFound, "not_found", "error.not_found")
	}
	d, err := h.DB.RevokeDisplay(c.Request().Context(), Actor(c), id, time.Now())
	if errors.Is(err, db.ErrNotFound) {
		return Refuse(payments.NotFound, "not_found", "error.not_found")
	}
	if err != nil {
		return err
	}
	Flash(c, "ok", "display.admin.revoked")
	return Redirect(c, "/admin/terminals?store="+d.StoreID)
}
