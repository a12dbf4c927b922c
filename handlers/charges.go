package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/payments"
	"instore/views"
)

// Charges serves the back office charge pages: the filtered list, a row
// for the live script, one charge's page and its expire and sync actions.
// Refunds are in refunds.go. Everyone but an admin sees their store only.
type Charges struct {
	DB       *db.DB
	Payments *payments.Service
	Now      func() time.Time
}

// chargeRowBufs hold the list page's rows between requests (the page
// is rendered before List returns, and nothing keeps the rows after).
var chargeRowBufs = sync.Pool{New: func() any { return new([]views.ChargeRow) }}

// List is GET /charges.
func (h *Charges) List(c echo.Context) error {
	u, ok := CurrentUser(c)
	if !ok {
		return echo.ErrUnauthorized
	}
	// The store picker and the totals are both reused until the next
	// commit; one read of the commit counter serves them both.
	ctx := db.WithCommitMemo(c.Request().Context())
	q := c.QueryParams()
	scope := payments.ScopeOf(u)
	f, errs := chargeFilter(q, scope)
	v := views.ChargesView{
		Filter: views.ChargeFilterForm{Store: f.StoreID, Terminal: q.Get("terminal"), Statuses: q["status"],
			Methods: q["method"], From: q.Get("from"), To: q.Get("to"), Min: q.Get("min"), Max: q.Get("max"), Q: q.Get("q")},
		StoreFixed: !scope.Picks(), Methods: methodOptions(), Statuses: payments.ChargeStatuses(), Errors: biErrors(errs), CanExport: true,
	}
	if err := h.options(ctx, scope, f.StoreID, &v); err != nil {
		return err
	}
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
		return Render(c, status, views.ChargesPage(v))
	}
	page, err := h.DB.ListChargeRows(ctx, f)
	if err != nil {
		return err
	}
	defer page.Release()
	next := page.Next
	tot, err := h.DB.ChargeTotals(ctx, f)
	if err != nil {
		return err
	}
	query := filterQuery(f, scope)
	v.Query = query.Encode()
	v.CSVHref = "/charges.csv?" + v.Query
	v.Paged = f.Cursor != ""
	if next != "" {
		nq := filterQuery(f, scope)
		nq.Set("cursor", next)
		if f.Limit > 0 {
			nq.Set("limit", q.Get("limit"))
		}
		v.NextHref = "/charges?" + nq.Encode()
	}
	v.LiveURL = liveURL(scope, f)
	v.Totals = views.ChargeTotalsView{Count: tot.Count, SuccessfulCount: tot.SuccessfulCount, Gross: tot.Amount,
		Fees: tot.Fee + tot.FeeVat, Net: tot.Net, Refunded: tot.Refunded, FeeUnknownCount: tot.FeeUnknownCount}
	rows := chargeRowBufs.Get().(*[]views.ChargeRow)
	defer func() {
		clear(*rows)
		*rows = (*rows)[:0]
		chargeRowBufs.Put(rows)
	}()
	for _, ch := range page.Charges {
		*rows = append(*rows, chargeRow(ch, true))
	}
	v.Rows = *rows
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return Render(c, status, views.ChargesPage(v))
}

// Row is GET /charges/:id/row?<filter>: the charge's table row, marked
// with whether it matches the filter, for the list's live updates.
func (h *Charges) Row(c echo.Context) error {
	u, ch, err := h.visibleCharge(c)
	if err != nil {
		return err
	}
	f, errs := chargeFilter(c.QueryParams(), payments.ScopeOf(u))
	matches := false
	if len(errs) == 0 {
		f.Cursor = ""
		_, merr := h.DB.GetChargeMatching(c.Request().Context(), ch.ID, f)
		if merr != nil && !errors.Is(merr, db.ErrNotFound) {
			return merr
		}
		matches = merr == nil
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return Render(c, http.StatusOK, views.ChargeRows([]views.ChargeRow{chargeRow(ch, matches)}))
}

// visibleCharge loads the :id charge if the user may see it. A charge of
// another store is answered as absent, so ids cannot be probed.
func (h *Charges) visibleCharge(c echo.Context) (*db.User, *db.Charge, error) {
	u, ok := CurrentUser(c)
	if !ok {
		return nil, nil, echo.ErrUnauthorized
	}
	ch, err := h.DB.GetCharge(c.Request().Context(), c.Param("id"))
	if errors.Is(err, db.ErrNotFound) || (err == nil && !payments.CanAccessStore(u, ch.StoreID)) {
		return nil, nil, echo.ErrNotFound
	}
	return u, ch, err
}

// options fills the store and terminal choices of the filter form, from
// the stores of the user's scope.
func (h *Charges) options(ctx context.Context, scope payments.ChargeScope, storeID string, v *views.ChargesView) error {
	if scope.Picks() {
		stores, err := h.DB.StoreChoices(ctx)
		if err != nil {
			return err
		}
		for _, s := range stores {
			if scope.Has(s.StoreID) {
				v.Stores = append(v.Stores, views.Option{Value: s.StoreID, Label: s.StoreName + " (" + s.StoreID + ")"})
			}
		}
	}
	terms, err := h.DB.TerminalRefs(ctx, storeID)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, t := range terms {
		if !scope.Has(t.StoreID) {
			continue
		}
		if !seen[t.TerminalID] {
			seen[t.TerminalID] = true
			v.Terminals = append(v.Terminals, views.Option{Value: t.TerminalID, Label: t.TerminalID})
		}
	}
	return nil
}

// liveURL narrows the page's live feed to its store and terminal filter
// (the feed applies the user's own scope by itself).
func liveURL(scope payments.ChargeScope, f db.ChargeFilter) string {
	q := url.Values{}
	if f.StoreID != "" && scope.Picks() {
		q.Set("store", f.StoreID)
	}
	if f.TerminalID != "" {
		q.Set("terminal", f.TerminalID)
	}
	if len(q) == 0 {
		return "/live"
	}
	return "/live?" + q.Encode()
}

func chargeRow(ch *db.Charge, matches bool) views.ChargeRow {
	return views.ChargeRow{ID: ch.ID, StoreID: ch.StoreID, TerminalID: ch.TerminalID, Status: ch.Status,
		State:       payments.ChargeState(ch),
		FailureCode: ch.FailureCode, Amount: ch.Amount, Refunded: ch.RefundedAmount, BarcodeMasked: ch.BarcodeMasked,
		MethodNameID: methodNames()[ch.SourceType].nameID, SourceType: ch.SourceType,
		CreatedAt: ch.CreatedAt, Matches: matches}
}
