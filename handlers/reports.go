package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/payments"
	"instore/views"
)

// Reports serves the finance reports and exports: /reports/daily, its CSV,
// the Z-report and /charges.csv. Finance users and managers see their own
// store, admins every store.
type Reports struct {
	DB       *db.DB
	Payments *payments.Service
	// Now is the clock (default month and day); nil means time.Now.
	Now func() time.Time
}

func (h *Reports) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// dailyFilter reads the daily report's filter: month=YYYY-MM (default the
// current Bangkok month), or from and to days, plus store and terminal.
func (h *Reports) dailyFilter(c echo.Context, u *db.User) (db.FinanceFilter, string, map[string]string) {
	errs := map[string]string{}
	f := scopeFilter(c, u, errs)
	month := c.QueryParam("month")
	if from, to := c.QueryParam("from"), c.QueryParam("to"); from != "" || to != "" {
		if _, err := payments.DaysInRange(from, to, 366); err != nil {
			errs["from"] = rangeErrorID(err)
		}
		f.FromDay, f.ToDay = from, to
		if month == "" && len(from) >= 7 {
			month = from[:7]
		}
		return f, month, errs
	}
	if month == "" {
		month = payments.CurrentMonth(h.now())
	}
	first, last, err := payments.MonthDays(month)
	if err != nil {
		errs["month"] = rangeErrorID(err)
	}
	f.FromDay, f.ToDay = first, last
	return f, month, errs
}

// filterOptions lists the stores and terminals u may pick from.
func (h *Reports) filterOptions(c echo.Context, u *db.User, storeID string) ([]views.Option, []views.Option, error) {
	ctx := c.Request().Context()
	scope := payments.ScopeOf(u)
	stores, err := storeOptions(ctx, h.DB, scope)
	if err != nil {
		return nil, nil, err
	}
	terms, err := h.DB.ListReportTerminals(ctx, storeID, scope.Limit())
	if err != nil {
		return nil, nil, err
	}
	var terminals []views.Option
	seen := map[string]bool{}
	for _, t := range terms {
		if !seen[t.TerminalID] {
			seen[t.TerminalID] = true
			terminals = append(terminals, views.Option{Value: t.TerminalID, Label: t.TerminalID})
		}
	}
	return stores, terminals, nil
}

// Daily is GET /reports/daily: the rollup per business day, store and
// terminal of a month, with totals and a chart. JSON on request.
func (h *Reports) Daily(c echo.Context) error {
	u, ok := CurrentUser(c)
	if !ok {
		return echo.ErrUnauthorized
	}
	f, month, errs := h.dailyFilter(c, u)
	v := views.DailyReportView{Month: month, StoreID: f.StoreID, TerminalID: f.TerminalID,
		StoreFixed: !payments.ScopeOf(u).Picks(), Errors: errs}
	if c.QueryParam("from") != "" || c.QueryParam("to") != "" {
		// A range of days: the page's title and CSV links name those days,
		// so the files hold what the screen shows.
		v.From, v.To = f.FromDay, f.ToDay
	}
	if len(errs) > 0 {
		if WantsJSON(c) {
			return JSONError(c, http.StatusUnprocessableEntity, "invalid_filter", firstError(errs), nil)
		}
		return Render(c, http.StatusUnprocessableEntity, views.DailyReportPage(v))
	}
	rep, err := h.Payments.DailyReport(c.Request().Context(), f)
	if err != nil {
		return err
	}
	if WantsJSON(c) {
		return JSON(c, http.StatusOK, dailyWithStores(rep))
	}
	if v.Stores, v.Terminals, err = h.filterOptions(c, u, f.StoreID); err != nil {
		return err
	}
	v.Rows = make([]views.DailyLine, len(rep.Rows))
	for i := range rep.Rows {
		v.Rows[i] = dailyLine(&rep.Rows[i])
	}
	v.Totals = dailyLine(&rep.Totals)
	if subs := payments.StoreSubtotals(rep.Rows); len(subs) > 1 {
		for i := range subs {
			v.StoreLines = append(v.StoreLines, dailyLine(&subs[i]))
		}
	}
	v.Methods = make([]views.DailyLine, len(rep.Methods))
	for i := range rep.Methods {
		m := &rep.Methods[i]
		v.Methods[i] = dailyLine(&m.DailyRow)
		v.Methods[i].SourceType, v.Methods[i].MethodNameID = m.SourceType, m.NameID
	}
	v.MaxGross = rep.MaxGross
	v.Bars = make([]views.ChartBar, len(rep.Days))
	for i, d := range rep.Days {
		v.Bars[i] = views.ChartBar{Day: d.Day, Gross: d.Gross}
	}
	return Render(c, http.StatusOK, views.DailyReportPage(v))
}

func dailyLine(r *db.DailyRow) views.DailyLine {
	return views.DailyLine{Day: r.Day, StoreID: r.StoreID, StoreName: r.StoreName, TerminalID: r.TerminalID,
		SuccessfulCount: r.SuccessfulCount, FailedCount: r.FailedCount, ExpiredCount: r.ExpiredCount,
		PendingCount: r.PendingCount, Gross: r.Gross, Fee: r.Fee, FeeVat: r.FeeVat, Net: r.Net,
		RefundCount: r.RefundCount, Refunds: r.Refunds, FeeUnknownCount: r.FeeUnknownCount, FeeUnknownGross: r.FeeUnknownGross}
}
