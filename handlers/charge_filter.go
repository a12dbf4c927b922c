package handlers

import (
	"net/url"
	"sort"
	"strings"

	"instore/db"
	"instore/money"
	"instore/payments"
	"instore/views"
)

// chargeFilter reads the charge list's query parameters (store, terminal,
// status and method (repeatable), from, to, min, max, q, cursor, limit) and lets
// payments check and scope them.
func chargeFilter(q url.Values, scope payments.ChargeScope) (db.ChargeFilter, map[string]*payments.Refusal) {
	return payments.ChargeFilterOf(payments.ChargeFilterInput{
		Store: q.Get("store"), Terminal: q.Get("terminal"), Statuses: q["status"],
		Methods: q["method"], From: q.Get("from"), To: q.Get("to"), Min: q.Get("min"), Max: q.Get("max"), Q: q.Get("q"),
		Cursor: q.Get("cursor"), Limit: q.Get("limit"),
	}, scope)
}

// methodOptions are the payment methods the charge filter offers, every
// method of the registry (a store may have taken one it no longer does).
func methodOptions() []views.Option {
	var out []views.Option
	for _, m := range payments.Methods() {
		out = append(out, views.Option{Value: m.ID, Label: m.NameID()})
	}
	return out
}

// filterQuery renders a filter back into the query parameters
// chargeFilter reads (cursor and limit left out), for links and forms.
// from and to are the Bangkok dates as typed.
func filterQuery(f db.ChargeFilter, scope payments.ChargeScope) url.Values {
	q := url.Values{}
	if f.StoreID != "" && scope.Picks() {
		q.Set("store", f.StoreID)
	}
	if f.TerminalID != "" {
		q.Set("terminal", f.TerminalID)
	}
	for _, s := range f.Statuses {
		q.Add("status", s)
	}
	for _, st := range f.SourceTypes {
		if m, ok := payments.MethodBySourceType(st); ok {
			q.Add("method", m.ID)
		}
	}
	if !f.From.IsZero() {
		q.Set("from", payments.BusinessDay(f.From))
	}
	if !f.To.IsZero() {
		q.Set("to", payments.BusinessDay(f.To.Add(-1)))
	}
	if f.AmountMin > 0 {
		q.Set("min", money.FormatPlain(f.AmountMin))
	}
	if f.AmountMax > 0 {
		q.Set("max", money.FormatPlain(f.AmountMax))
	}
	if f.Search != "" {
		q.Set("q", f.Search)
	}
	return q
}

// biErrors is each field's refusal in both languages, for the form.
func biErrors(errs map[string]*payments.Refusal) map[string]views.BiText {
	if len(errs) == 0 {
		return nil
	}
	out := make(map[string]views.BiText, len(errs))
	for k, r := range errs {
		out[k] = RefusalText(r)
	}
	return out
}

// filterErrorText lists a filter's errors, one field a line, in both
// languages.
func filterErrorText(errs map[string]*payments.Refusal) string {
	keys := make([]string, 0, len(errs))
	for k := range errs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		t := RefusalText(errs[k])
		b.WriteString(k + ": " + t.TH + " / " + t.EN + "\n")
	}
	return b.String()
}
