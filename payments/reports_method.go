package payments

import (
	"cmp"
	"slices"

	"instore/db"
)

// MethodTotals are one payment method's figures in a report: the daily
// rollup summed over the report's days, stores and terminals. The lines of
// a report add up to its totals exactly (each charge and refund counts
// under the one method of its charge).
// Its SourceType (of the row) is the Omise source type of the method's
// charges.
type MethodTotals struct {
	// NameID is the catalog id of the method's short name, "" for a source
	// type no method of this build makes (SourceType is then shown).
	NameID string
	db.DailyRow
}

// methodRank orders methods as the registry offers them, then source types
// no method makes, by name, so a report's lines keep one order.
func methodRank(sourceType string) int {
	for i, m := range methods {
		if m.SourceType == sourceType {
			return i
		}
	}
	return len(methods)
}

func compareMethods(a, b string) int {
	if c := cmp.Compare(methodRank(a), methodRank(b)); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}

// sumByMethod adds rows (day × method) into one line per method.
func sumByMethod(rows []db.DailyRow) []MethodTotals {
	var out []MethodTotals
	for i := range rows {
		r := &rows[i]
		j := slices.IndexFunc(out, func(m MethodTotals) bool { return m.SourceType == r.SourceType })
		if j < 0 {
			out = append(out, MethodTotals{NameID: MethodNameID(r.SourceType), DailyRow: db.DailyRow{SourceType: r.SourceType}})
			j = len(out) - 1
		}
		out[j].Add(r)
	}
	slices.SortFunc(out, func(a, b MethodTotals) int { return compareMethods(a.SourceType, b.SourceType) })
	return out
}

// ZMethod is one payment method's line in a Z-report: its successful
// sales and the refunds made that day of its charges. Fee, FeeVat and Net
// count the sales whose fee Omise reported.
type ZMethod struct {
	SourceType  string
	NameID      string // "" for a source type no method of this build makes
	Count       int64
	Amount      int64
	Fee         int64
	FeeVat      int64
	Net         int64
	RefundCount int64
	Refunds     int64
}

// NetAfterRefunds is the method's net less its refunds that day.
func (m *ZMethod) NetAfterRefunds() int64 { return m.Net - m.Refunds }

// method returns t's line for sourceType, adding it in registry order.
func (t *ZTotals) method(sourceType string) *ZMethod {
	for i := range t.Methods {
		if t.Methods[i].SourceType == sourceType {
			return &t.Methods[i]
		}
	}
	t.Methods = append(t.Methods, ZMethod{SourceType: sourceType, NameID: MethodNameID(sourceType)})
	slices.SortFunc(t.Methods, func(a, b ZMethod) int { return compareMethods(a.SourceType, b.SourceType) })
	return t.method(sourceType)
}

// addMethods adds o's method lines to t's.
func (t *ZTotals) addMethods(o *ZTotals) {
	for i := range o.Methods {
		t.method(o.Methods[i].SourceType).add(&o.Methods[i])
	}
}

// add adds o's counts and sums to m's.
func (m *ZMethod) add(o *ZMethod) {
	m.Count += o.Count
	m.Amount += o.Amount
	m.Fee += o.Fee
	m.FeeVat += o.FeeVat
	m.Net += o.Net
	m.RefundCount += o.RefundCount
	m.Refunds += o.Refunds
}

// ReconcileMethod is one payment method's share of a reconciliation run's
// differences: how many were found and about how many charges.
type ReconcileMethod struct {
	SourceType  string // "" for charges we hold no copy of
	NameID      string // "" when no method of this build makes SourceType
	Differences int
	Charges     int
}

// ReconcileByMethod splits a run's differences by the method of the charge
// each is about, in registry order (charges we hold no copy of last).
func ReconcileByMethod(items []*db.ReconcileItem) []ReconcileMethod {
	var out []ReconcileMethod
	seen := map[string]bool{}
	for _, it := range items {
		j := slices.IndexFunc(out, func(m ReconcileMethod) bool { return m.SourceType == it.SourceType })
		if j < 0 {
			out = append(out, ReconcileMethod{SourceType: it.SourceType, NameID: MethodNameID(it.SourceType)})
			j = len(out) - 1
		}
		out[j].Differences++
		if !seen[it.ChargeID] {
			seen[it.ChargeID] = true
			out[j].Charges++
		}
	}
	sortReconcileMethods(out)
	return out
}

// RunMethods are a run's differences by method as counted in the
// database (db.ReconcileRunMethods), named and in registry order.
func RunMethods(rows []db.ReconcileRunMethod) []ReconcileMethod {
	out := make([]ReconcileMethod, len(rows))
	for i, r := range rows {
		out[i] = ReconcileMethod{SourceType: r.SourceType, NameID: MethodNameID(r.SourceType), Differences: r.Differences}
	}
	sortReconcileMethods(out)
	return out
}

// sortReconcileMethods orders methods as the registry does, charges we
// hold no copy of last.
func sortReconcileMethods(out []ReconcileMethod) {
	rank := func(st string) int {
		if st == "" {
			return len(methods) + 1
		}
		return methodRank(st)
	}
	slices.SortFunc(out, func(a, b ReconcileMethod) int {
		if c := cmp.Compare(rank(a.SourceType), rank(b.SourceType)); c != 0 {
			return c
		}
		return cmp.Compare(a.SourceType, b.SourceType)
	})
}
