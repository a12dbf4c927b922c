package payments

import (
	"slices"
	"strconv"
	"strings"

	"instore/db"
	"instore/money"
	"instore/omise"
)

// ChargeScope is which stores' data a user may see: every store, or the
// stores listed. It is computed from the user as read for the request, so
// a change of scope or of a group's stores applies to the next request.
type ChargeScope struct {
	AllStores bool
	// Stores are the stores seen when not AllStores, sorted; none for a
	// user bound to nothing (or to a group without stores).
	Stores []string
}

// ScopeOf is the scope of a user: admins and head-office users see every
// store, a group's user the group's stores, anyone else their one store;
// nil or disabled users see nothing. A cashier is always one store's.
func ScopeOf(u *db.User) ChargeScope {
	switch {
	case u == nil || u.Disabled:
		return ChargeScope{}
	case u.Role == db.RoleAdmin:
		return ChargeScope{AllStores: true}
	case u.Role == db.RoleCashier || u.StoreID != "":
		if u.StoreID == "" {
			return ChargeScope{}
		}
		return ChargeScope{Stores: []string{u.StoreID}}
	case u.AllStores:
		return ChargeScope{AllStores: true}
	case u.GroupID != 0:
		return ChargeScope{Stores: slices.Clone(u.GroupStores)}
	}
	return ChargeScope{}
}

// Has reports whether the scope includes store.
func (s ChargeScope) Has(store string) bool {
	return s.AllStores || (store != "" && slices.Contains(s.Stores, store))
}

// Limit is the scope as a query limit: nil for every store, else the
// stores (an empty, non-nil slice matches nothing).
func (s ChargeScope) Limit() []string {
	if s.AllStores {
		return nil
	}
	if s.Stores == nil {
		return []string{}
	}
	return s.Stores
}

// Single is the scope's store when it is exactly one fixed store (a
// store's user: pickers and links need no store), else "".
func (s ChargeScope) Single() string {
	if !s.AllStores && len(s.Stores) == 1 {
		return s.Stores[0]
	}
	return ""
}

// Picks reports whether a person may choose among stores (every store or
// a group of several); a one-store scope has its store fixed.
func (s ChargeScope) Picks() bool { return s.AllStores || len(s.Stores) > 1 }

// CheckStore checks a store asked for in a filter against the scope: ""
// (every store of the scope) or one of it. It returns the refusal code, or
// "" when the store may be asked for.
func (s ChargeScope) CheckStore(store string) string {
	switch {
	case !s.AllStores && len(s.Stores) == 0:
		return "filter_store_unlinked"
	case store != "" && !db.ValidStoreID(store):
		return "filter_store_other"
	case store != "" && !s.Has(store):
		return "filter_store_other"
	}
	return ""
}

// chargeStatuses are the statuses a filter may name: Omise's, then the
// refund states (a successful charge refunded in part or in full).
var chargeStatuses = []string{
	string(omise.StatusPending), string(omise.StatusSuccessful), string(omise.StatusFailed),
	string(omise.StatusExpired), string(omise.StatusReversed), StatePartiallyRefunded, StateRefunded,
}

// ChargeStatuses lists the statuses the filter form offers.
func ChargeStatuses() []string { return append([]string(nil), chargeStatuses...) }

// ChargeFilterInput is the charge list's filter as a person typed it,
// shared by /charges, /charges.csv and GET /api/charges (handlers read it
// from the query):
//
//	Store, Terminal      ids
//	Statuses             pending|successful|failed|expired|reversed, or
//	                     partially_refunded|refunded (successful includes
//	                     refunded charges, as Omise keeps them)
//	Methods              payment method ids (see Methods)
//	From, To             Bangkok dates YYYY-MM-DD, both inclusive
//	Min, Max             baht ("1,250.50"), both inclusive
//	Q                    charge id, attempt id, or last 4 digits of the code
//	Cursor               from the previous page
//	Limit                1..db.MaxChargePage (default 50)
type ChargeFilterInput struct {
	Store, Terminal string
	Statuses        []string
	Methods         []string
	From, To        string
	Min, Max        string
	Q               string
	Cursor          string
	Limit           string
}

// Examples the filter's refusals show for a date and an amount.
const (
	exampleDay    = "2025-03-20"
	exampleAmount = "1,250.50"
	maxSearchLen  = 100
)

// ChargeFilterOf checks a typed filter and turns it into a query. The
// user's scope is applied here: the query is limited to the scope's stores,
// a one-store user gets their store whatever they ask for, and asking for a
// store outside the scope is refused. Refusals are keyed by the field at
// fault; with any, the filter must not be used.
func ChargeFilterOf(in ChargeFilterInput, scope ChargeScope) (db.ChargeFilter, map[string]*Refusal) {
	var f db.ChargeFilter
	errs := map[string]*Refusal{}
	bad := func(field, code string, args map[string]any) { errs[field] = refuse(Invalid, code, field, args) }

	f.StoreID = strings.TrimSpace(in.Store)
	if code := scope.CheckStore(f.StoreID); code != "" {
		bad("store", code, nil)
	}
	if one := scope.Single(); one != "" {
		f.StoreID = one
	}
	f.Stores = scope.Limit()
	f.TerminalID = strings.TrimSpace(in.Terminal)
	for _, st := range in.Statuses {
		st = strings.TrimSpace(st)
		if st == "" {
			continue
		}
		if !slices.Contains(chargeStatuses, st) {
			bad("status", "filter_status", nil)
			continue
		}
		if !slices.Contains(f.Statuses, st) {
			f.Statuses = append(f.Statuses, st)
		}
	}
	for _, id := range in.Methods {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		m, ok := MethodByID(id)
		if !ok {
			bad("method", "filter_method", nil)
			continue
		}
		if !slices.Contains(f.SourceTypes, m.SourceType) {
			f.SourceTypes = append(f.SourceTypes, m.SourceType)
		}
	}
	if v := strings.TrimSpace(in.From); v != "" {
		start, _, err := DayBounds(v)
		if err != nil {
			bad("from", "filter_date", map[string]any{"Example": exampleDay})
		}
		f.From, f.FromDay = start, BusinessDay(start)
	}
	if v := strings.TrimSpace(in.To); v != "" {
		start, end, err := DayBounds(v)
		if err != nil {
			bad("to", "filter_date", map[string]any{"Example": exampleDay})
		}
		f.To, f.ToDay = end, BusinessDay(start)
	}
	if errs["from"] == nil && errs["to"] == nil && !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		bad("to", "filter_date_order", nil)
	}
	f.AmountMin = parseAmountBound(in.Min, "min", bad)
	f.AmountMax = parseAmountBound(in.Max, "max", bad)
	if f.AmountMin > 0 && f.AmountMax > 0 && f.AmountMin > f.AmountMax {
		bad("max", "filter_amount_order", nil)
	}
	f.Search = strings.TrimSpace(in.Q)
	if len(f.Search) > maxSearchLen {
		bad("q", "filter_search_long", nil)
	}
	f.Cursor = strings.TrimSpace(in.Cursor)
	if f.Cursor != "" && !db.ValidChargeCursor(f.Cursor) {
		bad("cursor", "filter_cursor", nil)
	}
	if v := strings.TrimSpace(in.Limit); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > db.MaxChargePage {
			bad("limit", "filter_limit", map[string]any{"Min": 1, "Max": db.MaxChargePage})
		}
		f.Limit = n
	}
	return f, errs
}

func parseAmountBound(v, field string, bad func(field, code string, args map[string]any)) int64 {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	n, err := money.ParseBaht(v)
	if err != nil || n < 0 {
		bad(field, "filter_amount", map[string]any{"Example": exampleAmount})
		return 0
	}
	return n
}
