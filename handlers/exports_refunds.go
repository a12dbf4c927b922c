package handlers

import (
	"io"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/payments"
)

// RefundsCSVHeader is the stable header of /refunds.csv: one line per
// refund, on the Bangkok day it was made (the day the daily report counts
// it), with the charge it refunds and that charge's method (its source
// type, and its name in the page's language), appended last so the columns
// before keep their places. Amounts come as baht and as satang.
var RefundsCSVHeader = []string{
	"refund_id", "charge_id", "created_at_utc", "created_at_bangkok", "business_day", "store_id", "store_name",
	"terminal_id", "amount", "amount_satang", "currency", "reason", "note", "created_by", "status", "voided",
	"charge_business_day", "charge_amount", "charge_amount_satang", "transaction_id",
	"source_type", "method",
}

// RefundsCSV is GET /refunds.csv: the refunds made in the daily report's
// range (month=YYYY-MM, or from and to days; store and terminal, limited
// to the user's store), oldest first, streamed. Its amount column sums to
// the report's refunds for the same filter.
func (h *Reports) RefundsCSV(c echo.Context) error {
	u, ok := CurrentUser(c)
	if !ok {
		return echo.ErrUnauthorized
	}
	f, _, errs := h.dailyFilter(c, u)
	if len(errs) > 0 {
		return Refuse(payments.Invalid, "invalid_filter", firstError(errs))
	}
	ctx := c.Request().Context()
	stores, err := h.DB.ListStores(ctx)
	if err != nil {
		return err
	}
	names := make(map[string]string, len(stores))
	for _, s := range stores {
		names[s.StoreID] = s.StoreName
	}
	startCSV(c, "refunds_"+f.FromDay+"_"+f.ToDay+filenameScope(f.StoreID, f.TerminalID)+".csv")
	return WriteRefundsCSV(c.Response(), names, csvMethodName(c), func(fn func(*db.ExportRefund) error) error {
		return h.DB.IterateExportRefunds(ctx, f, fn)
	})
}

// WriteRefundsCSV streams refunds as CSV (BOM, header, one line per
// refund) to w; storeNames maps store ids to names, methodName names a
// refunded charge's method (its source type).
func WriteRefundsCSV(w io.Writer, storeNames map[string]string, methodName func(sourceType string) string,
	iterate func(fn func(*db.ExportRefund) error) error) error {
	s := newCSVStream(w)
	if err := s.write(RefundsCSVHeader); err != nil {
		return err
	}
	rec := make([]string, len(RefundsCSVHeader))
	err := iterate(func(r *db.ExportRefund) error {
		rec[0], rec[1], rec[2], rec[3] = csvText(r.ID), csvText(r.ChargeID), storedUTC(r.CreatedAt), storedBangkok(r.CreatedAt)
		rec[4], rec[5], rec[6], rec[7] = r.BkkDay, csvText(r.StoreID), csvText(storeNames[r.StoreID]), csvText(r.TerminalID)
		rec[8], rec[9], rec[10] = csvBaht(r.Amount), csvInt(r.Amount), csvText(r.Currency)
		rec[11], rec[12], rec[13] = csvText(r.Reason), csvText(r.Note), csvText(r.CreatedBy)
		rec[14], rec[15] = csvText(r.Status), "no"
		if r.Voided {
			rec[15] = "yes"
		}
		rec[16], rec[17], rec[18], rec[19] = r.ChargeDay, csvBaht(r.ChargeAmount), csvInt(r.ChargeAmount), csvText(r.TransactionID)
		rec[20], rec[21] = csvText(r.SourceType), csvText(methodName(r.SourceType))
		return s.write(rec)
	})
	if err != nil {
		return err
	}
	return s.sync()
}
