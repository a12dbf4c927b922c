package handlers

import (
	"instore/db"
	"instore/payments"
)

// dailyRowJSON is one row of GET /reports/daily as JSON. Amounts are
// integer satang, like every amount in the JSON API.
type dailyRowJSON struct {
	Date       string `json:"date,omitempty"`
	StoreID    string `json:"store_id,omitempty"`
	StoreName  string `json:"store_name,omitempty"`
	TerminalID string `json:"terminal_id,omitempty"`
	// SourceType and Method (its method's id) are set on the lines of
	// methods only.
	SourceType      string `json:"source_type,omitempty"`
	Method          string `json:"method,omitempty"`
	SuccessfulCount int64  `json:"successful_count"`
	FailedCount     int64  `json:"failed_count"`
	ExpiredCount    int64  `json:"expired_count"`
	PendingCount    int64  `json:"pending_count"`
	RefundCount     int64  `json:"refund_count"`
	Gross           int64  `json:"gross"`
	Fee             int64  `json:"fee"`
	FeeVat          int64  `json:"fee_vat"`
	Net             int64  `json:"net"`
	Refunds         int64  `json:"refunds"`
	NetAfterRefunds int64  `json:"net_after_refunds"`
	// Successful charges without a fee from Omise: in gross, not in fee or net.
	FeeUnknownCount int64 `json:"fee_unknown_count"`
	FeeUnknownGross int64 `json:"fee_unknown_gross"`
}

// dailyReportJSON is GET /reports/daily as JSON.
type dailyReportJSON struct {
	From     string         `json:"from"`
	To       string         `json:"to"`
	Currency string         `json:"currency"`
	Rows     []dailyRowJSON `json:"rows"`
	Totals   dailyRowJSON   `json:"totals"`
	// Methods split the totals by payment method; they add up to them.
	Methods []dailyRowJSON `json:"methods"`
}

func dailyRowToJSON(r *db.DailyRow) dailyRowJSON {
	return dailyRowJSON{Date: r.Day, StoreID: r.StoreID, StoreName: r.StoreName, TerminalID: r.TerminalID,
		SuccessfulCount: r.SuccessfulCount, FailedCount: r.FailedCount, ExpiredCount: r.ExpiredCount,
		PendingCount: r.PendingCount, RefundCount: r.RefundCount, Gross: r.Gross, Fee: r.Fee, FeeVat: r.FeeVat,
		Net: r.Net, Refunds: r.Refunds, NetAfterRefunds: r.NetAfterRefunds(), FeeUnknownCount: r.FeeUnknownCount,
		FeeUnknownGross: r.FeeUnknownGross}
}

func dailyJSON(rep *payments.DailyReport) dailyReportJSON {
	out := dailyReportJSON{From: rep.Filter.FromDay, To: rep.Filter.ToDay, Currency: "THB",
		Rows: make([]dailyRowJSON, len(rep.Rows)), Totals: dailyRowToJSON(&rep.Totals)}
	for i := range rep.Rows {
		out.Rows[i] = dailyRowToJSON(&rep.Rows[i])
	}
	out.Methods = make([]dailyRowJSON, len(rep.Methods))
	for i := range rep.Methods {
		m := &rep.Methods[i]
		out.Methods[i] = dailyRowToJSON(&m.DailyRow)
		out.Methods[i].SourceType = m.SourceType
		if x, ok := payments.MethodBySourceType(m.SourceType); ok {
			out.Methods[i].Method = x.ID
		}
	}
	return out
}
