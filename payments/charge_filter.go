package payments

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"instore/db"
	"instore/money"
	"instore/omise"
)

// ChargeScope is which stores' charges a user may see.
type ChargeScope struct {
	AllStores bool
	StoreID   string
}

// ScopeOf is the scope of a user: admins see every store, everyone else
// only their own; nil or disabled users see nothing.
func ScopeOf(u *db.User) ChargeScope {
	switch {
	case u == nil || u.Disabled:
		return ChargeScope{}
	case u.Role == db.RoleAdmin:
		return ChargeScope{AllStores: true}
	}
	return ChargeScope{StoreID: u.StoreID}
}

// chargeStatuses are the statuses a filter may name: Omise's, then the
// refund states (a successful charge refunded in part or in full).
var chargeStatuses = []string{
	string(omise.StatusPending), string(omise.StatusSuccessful), string(omise.StatusFailed),
	string(omise.StatusExpired), string(omise.StatusReversed), StatePartiallyRefunded, StateRefunded,
}

// ChargeStatuses lists the statuses the filter form offers.
func ChargeStatuses() []string { return append([]string(nil), chargeStatuses...) }

// ParseChargeFilter reads the charge list's query parameters, shared by
// /charges, /charges.csv and GET /api/charges:
//
//	store, terminal      ids
//	status               pending|successful|failed|expired|reversed, or
//	                     partially_refunded|refunded (repeatable; successful
//	                     includes refunded charges, as Omise keeps them)
//	from, to             Bangkok dates YYYY-MM-DD, both inclusive
//	min, max             baht ("1,250.50"), both inclusive
//	q                    charge id, attempt id, or last 4 digits of the code
//	cursor               from the previous page
//	limit                1..200 (default 50)
//
// The user's scope is applied here: a non-admin gets their own store
// whatever they ask for, and asking for another is an error. Errors map a
// parameter name to a message in Thai and English; with errors the filter
// must not be used.
func ParseChargeFilter(q url.Values, scope ChargeScope) (db.ChargeFilter, map[string]string) {
	var f db.ChargeFilter
	errs := map[string]string{}
	bad := func(field, en, th string) { errs[field] = th + " / " + en }

	f.StoreID = strings.TrimSpace(q.Get("store"))
	if !scope.AllStores {
		switch {
		case scope.StoreID == "":
			bad("store", "Your account is not linked to a store.", "บัญชีของคุณไม่ได้ผูกกับร้านค้าใด")
		case f.StoreID != "" && f.StoreID != scope.StoreID:
			bad("store", "You can only see the charges of your own store.", "คุณดูได้เฉพาะรายการของร้านค้าของคุณเท่านั้น")
		}
		f.StoreID = scope.StoreID
	}
	f.TerminalID = strings.TrimSpace(q.Get("terminal"))
	for _, st := range q["status"] {
		st = strings.TrimSpace(st)
		if st == "" {
			continue
		}
		if !slices.Contains(chargeStatuses, st) {
			bad("status", "Unknown status.", "ไม่รู้จักสถานะนี้")
			continue
		}
		if !slices.Contains(f.Statuses, st) {
			f.Statuses = append(f.Statuses, st)
		}
	}
	if v := strings.TrimSpace(q.Get("from")); v != "" {
		start, _, err := DayBounds(v)
		if err != nil {
			bad("from", "Use a date like 2025-03-20.", "กรุณาใช้วันที่รูปแบบ 2025-03-20")
		}
		f.From, f.FromDay = start, BusinessDay(start)
	}
	if v := strings.TrimSpace(q.Get("to")); v != "" {
		start, end, err := DayBounds(v)
		if err != nil {
			bad("to", "Use a date like 2025-03-20.", "กรุณาใช้วันที่รูปแบบ 2025-03-20")
		}
		f.To, f.ToDay = end, BusinessDay(start)
	}
	if errs["from"] == "" && errs["to"] == "" && !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		bad("to", "The end date is before the start date.", "วันที่สิ้นสุดอยู่ก่อนวันที่เริ่มต้น")
	}
	f.AmountMin = parseAmountBound(q.Get("min"), "min", bad)
	f.AmountMax = parseAmountBound(q.Get("max"), "max", bad)
	if f.AmountMin > 0 && f.AmountMax > 0 && f.AmountMin > f.AmountMax {
		bad("max", "The highest amount is below the lowest.", "จำนวนเงินสูงสุดน้อยกว่าจำนวนเงินต่ำสุด")
	}
	f.Search = strings.TrimSpace(q.Get("q"))
	if len(f.Search) > 100 {
		bad("q", "The search text is too long.", "ข้อความค้นหายาวเกินไป")
	}
	f.Cursor = strings.TrimSpace(q.Get("cursor"))
	if f.Cursor != "" && !db.ValidChargeCursor(f.Cursor) {
		bad("cursor", "This page link is broken; start from the first page.", "ลิงก์หน้านี้ใช้ไม่ได้ กรุณาเริ่มจากหน้าแรก")
	}
	if v := strings.TrimSpace(q.Get("limit")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > db.MaxChargePage {
			bad("limit", "The page size must be between 1 and 200.", "จำนวนรายการต่อหน้าต้องอยู่ระหว่าง 1 ถึง 200")
		}
		f.Limit = n
	}
	return f, errs
}

func parseAmountBound(v, field string, bad func(field, en, th string)) int64 {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	n, err := money.ParseBaht(v)
	if err != nil || n < 0 {
		bad(field, "Enter an amount in baht, like 1,250.50.", "กรุณาระบุจำนวนเงินเป็นบาท เช่น 1,250.50")
		return 0
	}
	return n
}

// FilterQuery renders a filter back into the query parameters
// ParseChargeFilter reads (cursor and limit left out), for links and forms.
// from and to are the Bangkok dates as typed.
func FilterQuery(f db.ChargeFilter, scope ChargeScope) url.Values {
	q := url.Values{}
	if f.StoreID != "" && scope.AllStores {
		q.Set("store", f.StoreID)
	}
	if f.TerminalID != "" {
		q.Set("terminal", f.TerminalID)
	}
	for _, s := range f.Statuses {
		q.Add("status", s)
	}
	if !f.From.IsZero() {
		q.Set("from", BusinessDay(f.From))
	}
	if !f.To.IsZero() {
		q.Set("to", BusinessDay(f.To.Add(-1)))
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
