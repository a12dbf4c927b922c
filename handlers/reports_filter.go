package handlers

import (
	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/payments"
)

// scopeFilter reads store and terminal, limited to what u may see (the
// stores of their scope; a one-store user always gets their store). Errors
// map a field to an i18n message id.
func scopeFilter(c echo.Context, u *db.User, errs map[string]string) db.FinanceFilter {
	var f db.FinanceFilter
	f.StoreID, f.TerminalID = c.QueryParam("store"), c.QueryParam("terminal")
	scope := payments.ScopeOf(u)
	switch scope.CheckStore(f.StoreID) {
	case "filter_store_unlinked":
		errs["store"] = "finance.err.no_store"
	case "filter_store_other":
		errs["store"] = "finance.err.store"
	}
	if one := scope.Single(); one != "" {
		f.StoreID = one
	}
	f.Stores = scope.Limit()
	if f.TerminalID != "" && !db.ValidTerminalID(f.TerminalID) {
		errs["terminal"] = "finance.err.terminal"
	}
	return f
}

// rangeErrorID maps a payments range error to its message id.
func rangeErrorID(err error) string {
	switch err {
	case payments.ErrBadMonth:
		return "finance.err.month"
	case payments.ErrRangeOrder:
		return "finance.err.range_order"
	case payments.ErrRangeTooLong:
		return "finance.err.range_long"
	case payments.ErrRangeInFuture:
		return "finance.err.range_future"
	}
	return "finance.err.day"
}

// firstError is the message id of the first field (in a fixed order) with an error.
func firstError(errs map[string]string) string {
	for _, k := range []string{"store", "terminal", "month", "day", "from", "to"} {
		if id, ok := errs[k]; ok {
			return id
		}
	}
	for _, id := range errs {
		return id
	}
	return ""
}
