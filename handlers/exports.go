package handlers

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/i18n"
	"instore/payments"
)

// DailyCSV is GET /reports/daily.csv: the daily report's rows (same filter
// as the page) as a spreadsheet, streamed.
func (h *Reports) DailyCSV(c echo.Context) error {
	u, ok := CurrentUser(c)
	if !ok {
		return echo.ErrUnauthorized
	}
	f, _, errs := h.dailyFilter(c, u)
	if len(errs) > 0 {
		return Refuse(payments.Invalid, "invalid_filter", firstError(errs))
	}
	name := "daily_" + f.FromDay + "_" + f.ToDay + filenameScope(f.StoreID, f.TerminalID) + ".csv"
	startCSV(c, name)
	ctx := c.Request().Context()
	return WriteDailyCSV(c.Response(), csvMethodName(c), func(fn func(*db.DailyRow) error) error {
		return h.DB.IterateDailyRowsByMethod(ctx, f, fn)
	})
}

// ChargesCSV is GET /charges.csv: every charge matching the /charges
// filter (the same parser, so the same scope), newest first, streamed in
// constant memory. The cursor of a list page is ignored: an export always
// starts at the newest match.
func (h *Reports) ChargesCSV(c echo.Context) error {
	u, ok := CurrentUser(c)
	if !ok {
		return echo.ErrUnauthorized
	}
	q := c.QueryParams()
	f, errs := chargeFilter(q, payments.ScopeOf(u))
	if len(errs) > 0 {
		return c.String(http.StatusUnprocessableEntity, filterErrorText(errs))
	}
	f.Cursor, f.Limit = "", 0
	ctx := c.Request().Context()
	stores, err := h.DB.ListStores(ctx)
	if err != nil {
		return err
	}
	names := make(map[string]string, len(stores))
	for _, s := range stores {
		names[s.StoreID] = s.StoreName
	}
	// The file name carries the range from the parsed filter, never raw input.
	from, to := "start", payments.BusinessDay(h.now())
	if !f.From.IsZero() {
		from = payments.BusinessDay(f.From)
	}
	if !f.To.IsZero() {
		to = payments.BusinessDay(f.To.Add(-1))
	}
	startCSV(c, "charges_"+from+"_"+to+filenameScope(f.StoreID, f.TerminalID)+".csv")
	return WriteChargesCSV(c.Response(), names, csvMethodName(c), func(fn func(*db.ExportCharge) error) error {
		return h.DB.IterateExportCharges(ctx, f, fn)
	})
}

// csvMethodName names a charge's payment method, from its source type, in
// the language of the request, for a CSV's method column (a source type no
// method of this build makes is written as it is).
func csvMethodName(c echo.Context) func(sourceType string) string {
	ctx := c.Request().Context()
	return func(sourceType string) string {
		if id := payments.MethodNameID(sourceType); id != "" {
			return i18n.T(ctx, id)
		}
		return sourceType
	}
}

// startCSV writes the headers of a CSV download. Once the first row is out,
// an error can only cut the file short, which the client sees as a broken
// download rather than a page.
func startCSV(c echo.Context, filename string) {
	hd := c.Response().Header()
	hd.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	hd.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"`, filename))
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	c.Response().WriteHeader(http.StatusOK)
}

// filenameScope adds the store and terminal to a file name; ids are
// validated to [A-Za-z0-9_-], so they are safe in the header.
func filenameScope(store, terminal string) string {
	s := ""
	if store != "" && db.ValidStoreID(store) {
		s += "_" + store
	}
	if terminal != "" && db.ValidTerminalID(terminal) {
		s += "_" + terminal
	}
	return s
}
