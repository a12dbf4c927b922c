package db

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"time"
)

// Page sizes of ListCharges.
const (
	DefaultChargePage = 50
	MaxChargePage     = 200
)

// ChargeFilter selects charges for the back office list, its CSV export and
// GET /api/charges. Zero fields match everything. Build it with
// payments.ChargeFilterOf, which also applies the user's store scope.
type ChargeFilter struct {
	StoreID string
	// Stores limits the charges to the user's scope: nil is every store,
	// an empty set none.
	Stores     []string
	TerminalID string
	// Statuses are Omise statuses (successful matches refunded charges
	// too: Omise keeps them successful) and the refund states
	// StatePartiallyRefunded and StateRefunded; several match any of them.
	Statuses []string
	// SourceTypes are Omise source types (a payment method is one; see
	// payments.MethodBySourceType); several match any of them.
	SourceTypes []string
	// From and To bound created_at: From <= created_at < To (UTC instants,
	// usually the edges of Bangkok days).
	From, To time.Time
	// FromDay and ToDay name the same bounds as Bangkok days (YYYY-MM-DD,
	// both inclusive) when From and To are whole days; ChargeTotals then
	// reads the daily rollup instead of every row. Leave them empty for
	// other bounds.
	FromDay, ToDay string
	// AmountMin and AmountMax bound the amount in satang, both inclusive;
	// 0 means no bound (no charge is below Omise's minimum anyway).
	AmountMin, AmountMax int64
	// Search is a charge id, a till attempt id, or exactly four digits
	// (the end of the payment code).
	Search string
	// Cursor continues a listing after the row it names (see ChargeCursor);
	// "" starts at the newest charge.
	Cursor string
	// Limit is the page size of ListCharges (DefaultChargePage when 0).
	Limit int
}

// Refund states a ChargeFilter may name beside Omise's statuses: successful
// charges refunded in part, or in full.
const (
	StatePartiallyRefunded = "partially_refunded"
	StateRefunded          = "refunded"
)

// refundStateConds select the refund states. The unary + keeps SQLite off
// the status index, which would visit and sort every successful charge:
// it walks created_at order instead and stops after a page (the condition
// of the partial index charges_refunded is kept so it stays usable).
var refundStateConds = map[string]string{
	StatePartiallyRefunded: `(refunded_amount > 0 AND +status = 'successful' AND refunded_amount < amount)`,
	StateRefunded:          `(refunded_amount > 0 AND +status = 'successful' AND refunded_amount >= amount)`,
}

// HasRefundState reports whether the filter names a refund state (such a
// filter is summed from the rows, not the rollup).
func (f ChargeFilter) HasRefundState() bool {
	for _, s := range f.Statuses {
		if _, ok := refundStateConds[s]; ok {
			return true
		}
	}
	return false
}

// ErrBadCursor means a cursor string was not made by ChargeCursor.
var ErrBadCursor = errors.New("db: bad charge cursor")

// ChargeCursor is the opaque keyset position just after c in newest-first order.
func ChargeCursor(c *Charge) string {
	return base64.RawURLEncoding.EncodeToString([]byte(FormatTime(c.CreatedAt) + "|" + c.ID))
}

// decodeChargeCursor splits a cursor into its created_at text and id.
func decodeChargeCursor(s string) (string, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", "", ErrBadCursor
	}
	at, id, ok := strings.Cut(string(b), "|")
	if !ok || id == "" || len(at) != len(TimeLayout) {
		return "", "", ErrBadCursor
	}
	if _, err := time.Parse(TimeLayout, at); err != nil {
		return "", "", ErrBadCursor
	}
	return at, id, nil
}

// ValidChargeCursor reports whether s is a cursor ChargeCursor could have made.
func ValidChargeCursor(s string) bool {
	_, _, err := decodeChargeCursor(s)
	return err == nil
}

// SearchIsLast4 reports whether a search term is read as the last four
// digits of a payment code rather than as an id.
func SearchIsLast4(s string) bool {
	if len(s) != 4 {
		return false
	}
	for i := 0; i < 4; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Fragments of the WHERE clause. Each is used only when its field is set,
// so SQLite sees plain equalities and ranges it can match to an index
// (the catch-all form "? IS NULL OR col = ?" would force a full scan).
const (
	whereStore    = `store_id = ?`
	whereTerminal = `terminal_id = ?`
	whereFrom     = `created_at >= ?`
	whereTo       = `created_at < ?`
	whereAmtMin   = `amount >= ?`
	whereAmtMax   = `amount <= ?`
	whereLast4    = `substr(barcode_masked, -4) = ?`
	// Two index probes (primary key, charges_attempt) by rowid; written as
	// "id = ? OR attempt_id = ?" SQLite would walk the whole created_at index.
	whereIDs = `rowid IN (SELECT rowid FROM charges WHERE id = ?
  UNION ALL SELECT rowid FROM charges WHERE attempt_id = ? AND attempt_id <> '')`
	// The first half bounds the index range; the second skips the rows at
	// the cursor's own instant that were already shown.
	whereAfter = `created_at <= ? AND (created_at < ? OR id < ?)`
)

// where renders the filter (and the cursor when withCursor) as a WHERE
// clause with its arguments.
func (f ChargeFilter) where(withCursor bool) (string, []any, error) {
	var conds []string
	var args []any
	add := func(cond string, a ...any) {
		conds = append(conds, cond)
		args = append(args, a...)
	}
	if f.StoreID != "" {
		add(whereStore, f.StoreID)
	}
	if c, a := storesIn("store_id", f.Stores); c != "" {
		add(c, a...)
	}
	if f.TerminalID != "" {
		add(whereTerminal, f.TerminalID)
	}
	if len(f.SourceTypes) > 0 {
		add(`source_type IN (`+placeholders(len(f.SourceTypes))+`)`, anys(f.SourceTypes)...)
	}
	var statuses []any
	var states []string
	for _, s := range f.Statuses {
		if c, ok := refundStateConds[s]; ok {
			states = append(states, c)
		} else {
			statuses = append(statuses, s)
		}
	}
	switch {
	case len(statuses) == 0 && len(states) == 0:
	case len(statuses) == 1 && len(states) == 0:
		add(`status = ?`, statuses[0])
	case len(statuses) == 0 && len(states) == 1:
		add(states[0])
	default:
		// The unary + keeps SQLite from using the status index here: merging
		// several statuses would sort every match, while walking created_at
		// order and filtering stops after one page.
		var alts []string
		if len(statuses) > 0 {
			alts = append(alts, `+status IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(statuses)), ", ")+`)`)
		}
		add(`(`+strings.Join(append(alts, states...), " OR ")+`)`, statuses...)
	}
	if !f.From.IsZero() {
		add(whereFrom, FormatTime(f.From))
	}
	if !f.To.IsZero() {
		add(whereTo, FormatTime(f.To))
	}
	if f.AmountMin > 0 {
		add(whereAmtMin, f.AmountMin)
	}
	if f.AmountMax > 0 {
		add(whereAmtMax, f.AmountMax)
	}
	if s := strings.TrimSpace(f.Search); s != "" {
		if SearchIsLast4(s) {
			add(whereLast4, s)
		} else {
			add(whereIDs, s, s)
		}
	}
	if withCursor && f.Cursor != "" {
		at, id, err := decodeChargeCursor(f.Cursor)
		if err != nil {
			return "", nil, err
		}
		add(whereAfter, at, at, id)
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// placeholders is n comma-separated "?".
func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// anys turns strings into query arguments.
func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

const listChargesOrder = ` ORDER BY created_at DESC, id DESC LIMIT ?`

// ListCharges returns one page of charges matching f, newest first, and
// the cursor of the next page ("" when this is the last one). Paging is by
// keyset (created_at, id), never OFFSET, so page 10,000 costs what page 1 does.
func (d *DB) ListCharges(ctx context.Context, f ChargeFilter) ([]*Charge, string, error) {
	f.pageLimit()
	return d.listBatch(ctx, f)
}

// pageLimit sets a page's size: the default when none is asked, never more
// than MaxChargePage.
func (f *ChargeFilter) pageLimit() {
	if f.Limit <= 0 {
		f.Limit = DefaultChargePage
	}
	f.Limit = min(f.Limit, MaxChargePage)
}

// pageWhere sets the page's size and returns its WHERE clause with the
// cursor, for the lists that read fewer columns than ListCharges.
func (f *ChargeFilter) pageWhere() (string, []any, error) {
	f.pageLimit()
	return f.where(true)
}

// GetChargeMatching reads one charge if it matches f (the cursor is
// ignored), else ErrNotFound. Live lists use it to decide whether a changed
// charge belongs on the screen.
func (d *DB) GetChargeMatching(ctx context.Context, id string, f ChargeFilter) (*Charge, error) {
	where, args, err := f.where(false)
	if err != nil {
		return nil, err
	}
	if where == "" {
		where = " WHERE id = ?"
	} else {
		where += " AND id = ?"
	}
	return scanCharge(d.R.QueryRowContext(ctx, `SELECT `+chargeColumns+` FROM charges`+where, append(args, id)...))
}

// ChargeTotals sums the charges matching a filter (the cursor is ignored).
type ChargeTotals struct {
	Count           int64 // every matching charge, any status
	SuccessfulCount int64
	Amount          int64 // amounts of the successful ones (gross)
	Fee             int64 // fee of the successful ones whose fee is known
	FeeVat          int64
	Net             int64
	Refunded        int64 // refunded_amount of every matching charge
	FeeUnknownCount int64 // successful charges whose fee Omise did not report
}

// ChargeTotals counts and sums every charge matching f. Filters made only
// of store, terminal, statuses and whole Bangkok days (FromDay/ToDay set)
// are answered from the daily rollup plus two small index reads, so the
// cost does not grow with the number of charges; an amount range or a
// search reads the matching rows.
// On SQLite the answer is reused until the next commit (charges_list_totals.go).
func (d *DB) ChargeTotals(ctx context.Context, f ChargeFilter) (ChargeTotals, error) {
	c := d.totals()
	if c == nil {
		return d.chargeTotals(ctx, f)
	}
	v, ok := c.version(ctx)
	if !ok {
		return d.chargeTotals(ctx, f)
	}
	key := f.totalsKey()
	if t, ok := c.get(key, v); ok {
		return t, nil
	}
	t, err := d.chargeTotals(ctx, f)
	if err == nil {
		c.put(key, v, t)
	}
	return t, err
}

func (d *DB) chargeTotals(ctx context.Context, f ChargeFilter) (ChargeTotals, error) {
	if f.AmountMin > 0 || f.AmountMax > 0 || strings.TrimSpace(f.Search) != "" || f.HasRefundState() ||
		(!f.From.IsZero() && f.FromDay == "") || (!f.To.IsZero() && f.ToDay == "") {
		return d.scanChargeTotals(ctx, f)
	}
	return d.rollupChargeTotals(ctx, f)
}

const chargeTotalsSQL = `SELECT COUNT(*),
  COALESCE(SUM(status = 'successful'), 0),
  COALESCE(SUM(CASE WHEN status = 'successful' THEN amount ELSE 0 END), 0),
  COALESCE(SUM(CASE WHEN status = 'successful' AND fee_known <> 0 THEN fee ELSE 0 END), 0),
  COALESCE(SUM(CASE WHEN status = 'successful' AND fee_known <> 0 THEN fee_vat ELSE 0 END), 0),
  COALESCE(SUM(CASE WHEN status = 'successful' AND fee_known <> 0 THEN net ELSE 0 END), 0),
  COALESCE(SUM(refunded_amount), 0),
  COALESCE(SUM(status = 'successful' AND fee_known = 0), 0)
FROM charges`

func (d *DB) scanChargeTotals(ctx context.Context, f ChargeFilter) (ChargeTotals, error) {
	var t ChargeTotals
	where, args, err := f.where(false)
	if err != nil {
		return t, err
	}
	err = d.R.QueryRowContext(ctx, chargeTotalsSQL+where, args...).Scan(&t.Count, &t.SuccessfulCount,
		&t.Amount, &t.Fee, &t.FeeVat, &t.Net, &t.Refunded, &t.FeeUnknownCount)
	return t, err
}

const rollupTotalsSQL = `SELECT COALESCE(SUM(pending_count), 0), COALESCE(SUM(successful_count), 0),
  COALESCE(SUM(failed_count), 0), COALESCE(SUM(expired_count), 0), COALESCE(SUM(gross), 0),
  COALESCE(SUM(fee), 0), COALESCE(SUM(fee_vat), 0), COALESCE(SUM(net), 0), COALESCE(SUM(charges_refunded), 0),
  COALESCE(SUM(fee_unknown_count), 0)
FROM daily_totals`

// rollupChargeTotals reads the counts and sums from daily_totals (kept in
// the same transaction as every charge change, refunded amounts included)
// and the rare reversed charges from the status index.
func (d *DB) rollupChargeTotals(ctx context.Context, f ChargeFilter) (ChargeTotals, error) {
	var t ChargeTotals
	var conds []string
	var args []any
	if f.FromDay != "" {
		conds, args = append(conds, `bkk_day >= ?`), append(args, f.FromDay)
	}
	if f.ToDay != "" {
		conds, args = append(conds, `bkk_day <= ?`), append(args, f.ToDay)
	}
	if f.StoreID != "" {
		conds, args = append(conds, `store_id = ?`), append(args, f.StoreID)
	}
	if c, a := storesIn("store_id", f.Stores); c != "" {
		conds, args = append(conds, c), append(args, a...)
	}
	if f.TerminalID != "" {
		conds, args = append(conds, `terminal_id = ?`), append(args, f.TerminalID)
	}
	if len(f.SourceTypes) > 0 {
		conds = append(conds, `source_type IN (`+placeholders(len(f.SourceTypes))+`)`)
		args = append(args, anys(f.SourceTypes)...)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	var pending, ok, failed, expired int64
	var gross, fee, vat, net, refunded, unknown int64
	if m, monthly, err := d.monthSums(ctx, f); err != nil {
		return t, err
	} else if monthly {
		pending, ok, failed, expired, gross, fee, vat, net, refunded, unknown =
			m.pending, m.ok, m.failed, m.expired, m.gross, m.fee, m.vat, m.net, m.refunded, m.unknown
	} else if err := d.R.QueryRowContext(ctx, rollupTotalsSQL+where, args...).Scan(&pending, &ok, &failed, &expired,
		&gross, &fee, &vat, &net, &refunded, &unknown); err != nil {
		return t, err
	}
	want := func(s string) bool { return len(f.Statuses) == 0 || slices.Contains(f.Statuses, s) }
	for _, p := range []struct {
		status string
		n      int64
	}{{"pending", pending}, {"failed", failed}, {"expired", expired}} {
		if want(p.status) {
			t.Count += p.n
		}
	}
	if want("successful") {
		t.Count += ok
		t.SuccessfulCount, t.Amount, t.Fee, t.FeeVat, t.Net, t.FeeUnknownCount = ok, gross, fee, vat, net, unknown
		// Only successful charges can carry refunds.
		t.Refunded = refunded
	}
	if want("reversed") {
		rf := f
		rf.Statuses = []string{"reversed"}
		w, a, err := rf.where(false)
		if err != nil {
			return t, err
		}
		var n int64
		if err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM charges`+w, a...).Scan(&n); err != nil {
			return t, err
		}
		t.Count += n
	}
	return t, nil
}

// iterateBatch is how many rows IterateCharges reads per query.
const iterateBatch = 1000

// IterateCharges calls fn for every charge matching f, newest first,
// starting after f.Cursor when set (f.Limit is ignored). It reads in keyset
// batches, so no read transaction stays open for the whole export; rows
// created after the export started are not included. An error from fn stops
// the iteration and is returned.
func (d *DB) IterateCharges(ctx context.Context, f ChargeFilter, fn func(*Charge) error) error {
	f.Limit = iterateBatch
	for {
		page, next, err := d.listBatch(ctx, f)
		if err != nil {
			return err
		}
		for _, c := range page {
			if err := fn(c); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		f.Cursor = next
	}
}

// listBatch reads f.Limit rows after f.Cursor (one more to learn whether
// a next page exists), without the page size cap.
func (d *DB) listBatch(ctx context.Context, f ChargeFilter) ([]*Charge, string, error) {
	where, args, err := f.where(true)
	if err != nil {
		return nil, "", err
	}
	rows, err := d.R.QueryContext(ctx, `SELECT `+chargeColumns+` FROM charges`+where+listChargesOrder, append(args, f.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	page := make([]*Charge, 0, f.Limit+1)
	for rows.Next() {
		c, err := scanCharge(rows)
		if err != nil {
			return nil, "", err
		}
		page = append(page, c)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	if len(page) > f.Limit {
		page = page[:f.Limit]
		return page, ChargeCursor(page[len(page)-1]), nil
	}
	return page, "", nil
}
