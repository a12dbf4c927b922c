package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"instore/payments"
	"instore/views"
)

// Z is GET /reports/z?day=YYYY-MM-DD&store=..&terminal=..: the printable
// end-of-day summary per terminal and store (default: today in Bangkok).
func (h *Reports) Z(c echo.Context) error {
	u, ok := CurrentUser(c)
	if !ok {
		return echo.ErrUnauthorized
	}
	errs := map[string]string{}
	f := scopeFilter(c, u, errs)
	f.FromDay = c.QueryParam("day")
	if f.FromDay == "" {
		f.FromDay = payments.BusinessDay(h.now())
	}
	if _, err := payments.ParseDay(f.FromDay); err != nil {
		errs["day"] = "finance.err.day"
	}
	f.ToDay = f.FromDay
	v := views.ZReportView{Day: f.FromDay, StoreID: f.StoreID, TerminalID: f.TerminalID,
		StoreFixed: !payments.ScopeOf(u).Picks(), Errors: errs, GeneratedBy: userName(u)}
	var err error
	if v.Stores, v.Terminals, err = h.filterOptions(c, u, f.StoreID); err != nil {
		return err
	}
	if len(errs) > 0 {
		return Render(c, http.StatusUnprocessableEntity, views.ZReportPage(v))
	}
	rep, err := h.Payments.ZReport(c.Request().Context(), f)
	if err != nil {
		return err
	}
	v.GeneratedAt, v.Totals = rep.GeneratedAt, zFigures(&rep.Totals)
	for _, st := range rep.Stores {
		sv := views.ZStoreView{StoreID: st.StoreID, StoreName: st.StoreName, Figures: zFigures(&st.ZTotals)}
		for _, t := range st.Terminals {
			tv := views.ZTerminalView{TerminalID: t.TerminalID, Figures: zFigures(&t.ZTotals)}
			for _, r := range t.Refunds {
				tv.Refunds = append(tv.Refunds, views.ZRefundLine{ID: r.ID, ChargeID: r.ChargeID, Amount: r.Amount,
					At: r.CreatedAt, ChargeDay: r.ChargeDay, Reason: r.Reason})
			}
			for _, p := range t.Pending {
				tv.Pending = append(tv.Pending, views.ZPendingLine{ChargeID: p.ID, Amount: p.Amount, At: p.CreatedAt})
			}
			sv.Terminals = append(sv.Terminals, tv)
		}
		v.Sections = append(v.Sections, sv)
	}
	return Render(c, http.StatusOK, views.ZReportPage(v))
}

func zFigures(t *payments.ZTotals) views.ZFigures {
	f := views.ZFigures{Fee: t.Fee, FeeVat: t.FeeVat, Net: t.Net, RefundCount: t.RefundCount, Refunds: t.Refunds,
		OpenCount: t.OpenCount, OpenAmount: t.OpenAmount, FeeUnknownCount: t.FeeUnknownCount}
	for _, s := range t.Statuses {
		f.Statuses = append(f.Statuses, views.ZStatusLine{Status: s.Status, Count: s.Count, Amount: s.Amount})
	}
	for _, m := range t.Methods {
		f.Methods = append(f.Methods, views.ZMethodLine{SourceType: m.SourceType, NameID: m.NameID, Count: m.Count,
			Amount: m.Amount, RefundCount: m.RefundCount, Refunds: m.Refunds})
	}
	if t.FirstSale != nil {
		f.FirstSale = *t.FirstSale
	}
	if t.LastSale != nil {
		f.LastSale = *t.LastSale
	}
	return f
}
