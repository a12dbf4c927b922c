package handlers

import (
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/i18n"
	"instore/payments"
)

// ChargeJSON is a local charge as the JSON API shows it.
type ChargeJSON struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	// State is Status, or partially_refunded / refunded for a successful
	// charge with refunds (Omise keeps those successful).
	State    string `json:"state"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	// Fee, FeeVat and Net are null unless money moved (successful) and
	// Omise reported the fee (FeeReported).
	Fee            *int64  `json:"fee"`
	FeeVat         *int64  `json:"fee_vat"`
	Net            *int64  `json:"net"`
	FeeReported    bool    `json:"fee_reported"`
	RefundedAmount int64   `json:"refunded_amount"`
	FailureCode    *string `json:"failure_code"`
	FailureMessage *string `json:"failure_message"`
	StoreID        string  `json:"store_id"`
	TerminalID     string  `json:"terminal_id"`
	AttemptID      string  `json:"attempt_id,omitempty"`
	SourceType     string  `json:"source_type"`
	// Method is the payment method's registry id and MethodName its
	// short name in Thai and English; both empty for a source type no
	// method of this build makes.
	Method        string         `json:"method"`
	MethodName    MethodNameJSON `json:"method_name"`
	BarcodeMasked string         `json:"barcode_masked"`
	CreatedAt     string         `json:"created_at"`
	UpdatedAt     string         `json:"updated_at"`
	PaidAt        *string        `json:"paid_at"`
	ExpiredAt     *string        `json:"expired_at"`
}

// MethodNameJSON is a payment method's short name in both languages.
type MethodNameJSON struct {
	TH string `json:"th"`
	EN string `json:"en"`
}

// NewChargeJSON maps a stored charge to its JSON form (times in UTC RFC 3339).
func NewChargeJSON(c *db.Charge) ChargeJSON {
	ts := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	opt := func(t *time.Time) *string {
		if t == nil {
			return nil
		}
		s := ts(*t)
		return &s
	}
	str := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	out := ChargeJSON{
		ID: c.ID, Status: c.Status, State: payments.ChargeState(c), Amount: c.Amount, Currency: c.Currency,
		FeeReported: !c.FeeUnknown, RefundedAmount: c.RefundedAmount, FailureCode: str(c.FailureCode),
		FailureMessage: str(c.FailureMessage), StoreID: c.StoreID, TerminalID: c.TerminalID, AttemptID: c.AttemptID,
		SourceType: c.SourceType, BarcodeMasked: c.BarcodeMasked, CreatedAt: ts(c.CreatedAt), UpdatedAt: ts(c.UpdatedAt),
		PaidAt: opt(c.PaidAt), ExpiredAt: opt(c.ExpiredAt),
	}
	if m, ok := methodNames()[c.SourceType]; ok {
		out.Method, out.MethodName = m.id, m.name
	}
	if payments.ShowsFee(c) {
		fee, vat, net := c.Fee, c.FeeVat, c.Net
		out.Fee, out.FeeVat, out.Net = &fee, &vat, &net
	}
	return out
}

// methodNames are every method's id and short names by source type, looked
// up in the catalog once: per charge, the lookups were a tenth of a JSON
// list's mapping.
var methodNames = sync.OnceValue(func() map[string]methodJSON {
	out := map[string]methodJSON{}
	for _, m := range payments.Methods() {
		if _, dup := out[m.SourceType]; dup {
			continue // MethodBySourceType answers with the first
		}
		mj := methodJSON{id: m.ID, nameID: m.NameID(),
			name: MethodNameJSON{TH: i18n.TLang(i18n.TH, m.NameID()), EN: i18n.TLang(i18n.EN, m.NameID())}}
		mj.json = appendJSONString(append([]byte(nil), `,"method":`...), mj.id)
		mj.json = appendJSONString(append(mj.json, `,"method_name":{"th":`...), mj.name.TH)
		mj.json = append(appendJSONString(append(mj.json, `,"en":`...), mj.name.EN), '}')
		out[m.SourceType] = mj
	}
	return out
})

type methodJSON struct {
	id     string
	nameID string // catalog id of the short name (payments.MethodNameID)
	name   MethodNameJSON
	json   []byte // its "method" and "method_name" members as the list writes them
}

// API serves the JSON endpoints under /api.
type API struct {
	DB *db.DB
}

// GetCharge serves GET /api/charges/:id.
func (h *API) GetCharge(c echo.Context) error {
	u, ok := CurrentUser(c)
	if !ok {
		return echo.ErrUnauthorized
	}
	ch, err := h.DB.GetCharge(c.Request().Context(), c.Param("id"))
	if errors.Is(err, db.ErrNotFound) || (err == nil && !payments.CanAccessStore(u, ch.StoreID)) {
		// A charge of another store is answered as absent, not forbidden,
		// so ids of other stores cannot be probed.
		return c.JSON(http.StatusNotFound, map[string]string{"error": "not_found", "message": "charge not found"})
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, NewChargeJSON(ch))
}

// chargeListJSON is GET /api/charges' answer.
type chargeListJSON struct {
	Object     string       `json:"object"`
	Data       []ChargeJSON `json:"data"`
	NextCursor string       `json:"next_cursor"`
	Count      *int64       `json:"count,omitempty"`
	Totals     *totalsJSON  `json:"totals,omitempty"`
}

// newChargeListJSON is the answer for rows as a value for encoding/json.
func newChargeListJSON(rows []*db.Charge, next string, count *int64, totals *totalsJSON) chargeListJSON {
	out := chargeListJSON{Object: "list", Data: make([]ChargeJSON, 0, len(rows)), NextCursor: next, Count: count, Totals: totals}
	for _, ch := range rows {
		out.Data = append(out.Data, NewChargeJSON(ch))
	}
	return out
}

type totalsJSON struct {
	Amount          int64 `json:"amount"`
	Fee             int64 `json:"fee"`
	FeeVat          int64 `json:"fee_vat"`
	Net             int64 `json:"net"`
	RefundedAmount  int64 `json:"refunded_amount"`
	FeeUnknownCount int64 `json:"fee_unknown_count"`
}

// ListCharges serves GET /api/charges with the same filters as /charges
// (store, terminal, status, method, from, to, min, max, q, cursor, limit), newest
// first; pass next_cursor back as cursor for the next page; totals=1 adds
// the count and sums for the whole filter.
func (h *API) ListCharges(c echo.Context) error {
	u, ok := CurrentUser(c)
	if !ok {
		return echo.ErrUnauthorized
	}
	f, errs := chargeFilter(c.QueryParams(), payments.ScopeOf(u))
	if len(errs) > 0 {
		var body TillRefusalJSON
		body.Error, body.Fields = fieldRefusals(c, "invalid_filter", "refusal.invalid_filter", errs)
		return c.JSON(http.StatusUnprocessableEntity, body)
	}
	ctx := c.Request().Context()
	page, err := h.DB.ListChargesShown(ctx, f)
	if err != nil {
		return err
	}
	defer page.Release()
	rows, next := page.Charges, page.Next
	var count *int64
	var totals *totalsJSON
	// Totals read every matching row; a client asks for them (totals=1)
	// rather than paying for them on every page.
	if c.QueryParam("totals") == "1" {
		t, err := h.DB.ChargeTotals(ctx, f)
		if err != nil {
			return err
		}
		count = &t.Count
		totals = &totalsJSON{Amount: t.Amount, Fee: t.Fee, FeeVat: t.FeeVat, Net: t.Net, RefundedAmount: t.Refunded,
			FeeUnknownCount: t.FeeUnknownCount}
	}
	if _, pretty := c.QueryParams()["pretty"]; pretty || c.Echo().Debug {
		return c.JSON(http.StatusOK, newChargeListJSON(rows, next, count, totals)) // indented: encoding/json's business
	}
	bp := jsonBufs.Get().(*[]byte)
	b := appendChargeList((*bp)[:0], rows, next, count, totals)
	err = c.JSONBlob(http.StatusOK, b)
	if cap(b) <= 1<<20 {
		*bp = b
		jsonBufs.Put(bp)
	}
	return err
}
