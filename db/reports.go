package db

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"
)

// FinanceFilter narrows the finance reports. Days are Bangkok business days
// as YYYY-MM-DD, both inclusive; an empty StoreID or TerminalID matches every
// store or terminal. Who may see which store is decided by the caller, which
// sets Stores (nil: every store) to the user's scope.
type FinanceFilter struct {
	FromDay    string
	ToDay      string
	StoreID    string
	Stores     []string
	TerminalID string
}

// storeSet is Stores as one query argument (see storeSetArg).
func (f FinanceFilter) storeSet() string { return storeSetArg(f.Stores) }

// DailyRow is one Bangkok business day × store × terminal of daily_totals
// (its methods summed), or one day × method (see ListDailyMethodRows).
// Gross, Fee, FeeVat and Net count successful charges only, and Fee, FeeVat
// and Net only those whose fee Omise reported (FeeUnknownCount counts the
// others, FeeUnknownGross is their amount, part of Gross); Refunds is what
// was refunded on that day, whichever day the refunded charge was made.
type DailyRow struct {
	Day        string
	StoreID    string
	StoreName  string
	TerminalID string
	// SourceType is the Omise source type of the row's charges on a row
	// of ListDailyMethodRows; "" on the rows of ListDailyRows.
	SourceType      string
	PendingCount    int64
	SuccessfulCount int64
	FailedCount     int64
	ExpiredCount    int64
	Gross           int64
	Fee             int64
	FeeVat          int64
	Net             int64
	RefundCount     int64
	Refunds         int64
	FeeUnknownCount int64
	FeeUnknownGross int64
}

// NetAfterRefunds is net less the refunds made that day, in satang. Omise
// keeps its fee when a charge is refunded, so a refund takes its whole
// amount off the net.
func (r *DailyRow) NetAfterRefunds() int64 { return r.Net - r.Refunds }

// Add adds o's counts and sums to r (for totals rows).
func (r *DailyRow) Add(o *DailyRow) {
	r.PendingCount += o.PendingCount
	r.SuccessfulCount += o.SuccessfulCount
	r.FailedCount += o.FailedCount
	r.ExpiredCount += o.ExpiredCount
	r.Gross += o.Gross
	r.Fee += o.Fee
	r.FeeVat += o.FeeVat
	r.Net += o.Net
	r.RefundCount += o.RefundCount
	r.Refunds += o.Refunds
	r.FeeUnknownCount += o.FeeUnknownCount
	r.FeeUnknownGross += o.FeeUnknownGross
}

// The rollup's primary key (bkk_day, store_id, terminal_id, source_type)
// serves the range scan and the grouping (its methods are adjacent); rows
// whose every count is zero (a charge that went nowhere the rollup counts)
// are left out.
//
// The store's name is MAX(s.store_name), one name per store id: PostgreSQL
// refuses a column the GROUP BY does not determine.
const dailyRowsSQL = `SELECT t.bkk_day, t.store_id, COALESCE(MAX(s.store_name), ''), t.terminal_id, SUM(t.pending_count),
  SUM(t.successful_count), SUM(t.failed_count), SUM(t.expired_count), SUM(t.gross), SUM(t.fee), SUM(t.fee_vat),
  SUM(t.net), SUM(t.refund_count), SUM(t.refunds), SUM(t.fee_unknown_count), SUM(t.fee_unknown_gross)
FROM daily_totals t LEFT JOIN stores s ON s.store_id = t.store_id
WHERE t.bkk_day >= ? AND t.bkk_day <= ? AND (? = '' OR t.store_id = ?) AND (? = '' OR instr(?, ',' || t.store_id || ',') > 0) AND (? = '' OR t.terminal_id = ?)
GROUP BY t.bkk_day, t.store_id, t.terminal_id
HAVING SUM(t.pending_count) <> 0 OR SUM(t.successful_count) <> 0 OR SUM(t.failed_count) <> 0
  OR SUM(t.expired_count) <> 0 OR SUM(t.refund_count) <> 0
ORDER BY t.bkk_day, t.store_id, t.terminal_id`

// IterateDailyRows calls fn for each row of daily_totals in f, in day,
// store, terminal order, without holding them all in memory.
func (d *DB) IterateDailyRows(ctx context.Context, f FinanceFilter, fn func(*DailyRow) error) error {
	return d.iterateDailyRows(ctx, dailyRowsSQL, false, f, fn)
}

// iterateDailyRows runs one of the rollup's row queries over f; byMethod
// says the query has a source_type column after the terminal.
func (d *DB) iterateDailyRows(ctx context.Context, query string, byMethod bool, f FinanceFilter, fn func(*DailyRow) error) error {
	rows, err := d.R.QueryContext(ctx, query, f.FromDay, f.ToDay, f.StoreID, f.StoreID, f.storeSet(), f.storeSet(), f.TerminalID, f.TerminalID)
	if err != nil {
		return err
	}
	defer rows.Close()
	var r DailyRow
	dest := []any{&r.Day, &r.StoreID, &r.StoreName, &r.TerminalID, &r.SourceType, &r.PendingCount, &r.SuccessfulCount,
		&r.FailedCount, &r.ExpiredCount, &r.Gross, &r.Fee, &r.FeeVat, &r.Net, &r.RefundCount, &r.Refunds,
		&r.FeeUnknownCount, &r.FeeUnknownGross}
	if !byMethod {
		dest = append(dest[:4:4], dest[5:]...)
	}
	for rows.Next() {
		r = DailyRow{}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ListDailyRows returns the rows of IterateDailyRows.
func (d *DB) ListDailyRows(ctx context.Context, f FinanceFilter) ([]DailyRow, error) {
	var out []DailyRow
	err := d.IterateDailyRows(ctx, f, func(r *DailyRow) error {
		out = append(out, *r)
		return nil
	})
	// The query gives days in order; within a day, terminals as people
	// count them.
	slices.SortStableFunc(out, func(a, b DailyRow) int {
		return cmp.Or(strings.Compare(a.Day, b.Day), compareTerminals(a.StoreID, a.TerminalID, b.StoreID, b.TerminalID))
	})
	return out, err
}

// ReportTerminal is a store's terminal as the report filters offer it.
type ReportTerminal struct {
	StoreID    string
	StoreName  string
	TerminalID string
}

// The union finds terminals that sold but were never registered (charges
// made outside the till) as well as registered ones that never sold.
const reportTerminalsSQL = `SELECT k.store_id, COALESCE(s.store_name, ''), k.terminal_id FROM (
  SELECT store_id, terminal_id FROM terminals
  UNION SELECT DISTINCT store_id, terminal_id FROM daily_totals
) k LEFT JOIN stores s ON s.store_id = k.store_id
WHERE (? = '' OR k.store_id = ?) AND (? = '' OR instr(?, ',' || k.store_id || ',') > 0)
ORDER BY k.store_id, k.terminal_id`

// ListReportTerminals returns every store × terminal known to the reports,
// limited to storeID unless it is empty, and to the stores of a scope
// (nil: every store).
func (d *DB) ListReportTerminals(ctx context.Context, storeID string, stores ...[]string) ([]ReportTerminal, error) {
	var set string
	if len(stores) > 0 {
		set = storeSetArg(stores[0])
	}
	rows, err := d.R.QueryContext(ctx, reportTerminalsSQL, storeID, storeID, set, set)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ReportTerminal
	for rows.Next() {
		var t ReportTerminal
		if err := rows.Scan(&t.StoreID, &t.StoreName, &t.TerminalID); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	sortByTerminal(out, func(t ReportTerminal) (string, string) { return t.StoreID, t.TerminalID })
	return out, rows.Err()
}

// ZLine is one store × terminal × status × method of a business day, summed from the
// charges themselves (the Z-report needs sums of every status and sale
// times, which the rollup does not keep). Fee, FeeVat and Net sum only the
// charges whose fee is known; FeeUnknown counts the others.
type ZLine struct {
	StoreID    string
	StoreName  string
	TerminalID string
	Status     string
	SourceType string
	Count      int64
	Amount     int64
	Fee        int64
	FeeVat     int64
	Net        int64
	Refunded   int64
	FeeUnknown int64
	First      time.Time
	Last       time.Time
}

// Served by charges_day (bkk_day, store_id, terminal_id).
const zLinesSQL = `SELECT c.store_id, COALESCE(MAX(s.store_name), ''), c.terminal_id, c.status, c.source_type, COUNT(*), SUM(c.amount),
  SUM(CASE WHEN c.fee_known <> 0 THEN c.fee ELSE 0 END), SUM(CASE WHEN c.fee_known <> 0 THEN c.fee_vat ELSE 0 END),
  SUM(CASE WHEN c.fee_known <> 0 THEN c.net ELSE 0 END), SUM(c.refunded_amount), SUM(c.fee_known = 0),
  MIN(c.created_at), MAX(c.created_at)
FROM charges c LEFT JOIN stores s ON s.store_id = c.store_id
WHERE c.bkk_day = ? AND (? = '' OR c.store_id = ?) AND (? = '' OR instr(?, ',' || c.store_id || ',') > 0) AND (? = '' OR c.terminal_id = ?)
GROUP BY c.store_id, c.terminal_id, c.status, c.source_type
ORDER BY c.store_id, c.terminal_id, c.status, c.source_type`

// ListZLines sums a day's charges by store, terminal, status and method
// (source type). Only
// f.FromDay is used as the day.
func (d *DB) ListZLines(ctx context.Context, f FinanceFilter) ([]ZLine, error) {
	rows, err := d.R.QueryContext(ctx, zLinesSQL, f.FromDay, f.StoreID, f.StoreID, f.storeSet(), f.storeSet(), f.TerminalID, f.TerminalID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ZLine
	for rows.Next() {
		var l ZLine
		var first, last string
		if err := rows.Scan(&l.StoreID, &l.StoreName, &l.TerminalID, &l.Status, &l.SourceType, &l.Count, &l.Amount, &l.Fee,
			&l.FeeVat, &l.Net, &l.Refunded, &l.FeeUnknown, &first, &last); err != nil {
			return nil, err
		}
		l.First, l.Last = ParseTime(first), ParseTime(last)
		out = append(out, l)
	}
	sortByTerminal(out, func(l ZLine) (string, string) { return l.StoreID, l.TerminalID })
	return out, rows.Err()
}

// DayRefund is a refund made on a business day with the store and terminal
// of the charge it refunds.
type DayRefund struct {
	Refund
	StoreID       string
	TerminalID    string
	SourceType    string // of the refunded charge
	ChargeDay     string
	ChargeAmount  int64
	ChargeCreated time.Time
}

// Served by refunds_day (bkk_day) and the charges primary key.
const dayRefundsSQL = `SELECT r.id, r.charge_id, r.amount, r.currency, r.status, r.voided, r.transaction_id, r.reason,
  r.note, r.created_by, r.metadata, r.created_at, r.bkk_day, r.updated_at,
  c.store_id, c.terminal_id, c.source_type, c.bkk_day, c.amount, c.created_at
FROM refunds r JOIN charges c ON c.id = r.charge_id
WHERE r.bkk_day = ? AND (? = '' OR c.store_id = ?) AND (? = '' OR instr(?, ',' || c.store_id || ',') > 0) AND (? = '' OR c.terminal_id = ?)
ORDER BY r.created_at, r.id`

// ListDayRefunds returns the refunds made on f.FromDay, oldest first.
func (d *DB) ListDayRefunds(ctx context.Context, f FinanceFilter) ([]DayRefund, error) {
	rows, err := d.R.QueryContext(ctx, dayRefundsSQL, f.FromDay, f.StoreID, f.StoreID, f.storeSet(), f.storeSet(), f.TerminalID, f.TerminalID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DayRefund
	for rows.Next() {
		var x DayRefund
		var created, updated, chargeCreated string
		if err := rows.Scan(&x.ID, &x.ChargeID, &x.Amount, &x.Currency, &x.Status, &x.Voided, &x.TransactionID,
			&x.Reason, &x.Note, &x.CreatedBy, &x.Metadata, &created, &x.BkkDay, &updated,
			&x.StoreID, &x.TerminalID, &x.SourceType, &x.ChargeDay, &x.ChargeAmount, &chargeCreated); err != nil {
			return nil, err
		}
		x.CreatedAt, x.UpdatedAt, x.ChargeCreated = ParseTime(created), ParseTime(updated), ParseTime(chargeCreated)
		out = append(out, x)
	}
	return out, rows.Err()
}

// ListDayPending returns the charges made on f.FromDay that are still
// pending, oldest first.
func (d *DB) ListDayPending(ctx context.Context, f FinanceFilter) ([]*Charge, error) {
	return financeQueryCharges(ctx, d.R, `SELECT `+chargeColumns+` FROM charges
		WHERE bkk_day = ? AND status = 'pending' AND (? = '' OR store_id = ?) AND (? = '' OR instr(?, ',' || store_id || ',') > 0) AND (? = '' OR terminal_id = ?)
		ORDER BY created_at, id`, f.FromDay, f.StoreID, f.StoreID, f.storeSet(), f.storeSet(), f.TerminalID, f.TerminalID)
}

// financeQueryCharges runs a SELECT of chargeColumns and scans every row.
func financeQueryCharges(ctx context.Context, q Querier, query string, args ...any) ([]*Charge, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Charge
	for rows.Next() {
		c, err := scanCharge(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// RebuildDailyTotals recomputes the whole rollup from charges and refunds in
// one transaction. The application keeps the rollup in step row by row; this
// is for bulk loads (the benchmark) and for repairing a damaged file.
func (d *DB) RebuildDailyTotals(ctx context.Context) error {
	return d.Tx(ctx, func(tx *sql.Tx) error {
		if d.pg {
			// The rollup is rebuilt from what charges and refunds hold, so
			// their writers (which move the rollup as they go) wait for it:
			// a SHARE lock lets the writers already running finish first
			// and holds new ones until commit.
			if _, err := tx.ExecContext(ctx, `LOCK TABLE charges, refunds IN SHARE MODE`); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM daily_totals`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, rebuildDailySQL)
		return err
	})
}

const rebuildDailySQL = `INSERT INTO daily_totals (bkk_day, store_id, terminal_id, source_type, pending_count,
  successful_count, failed_count, expired_count, gross, fee, fee_vat, net, refund_count, refunds, charges_refunded,
  fee_unknown_count, fee_unknown_gross)
SELECT bkk_day, store_id, terminal_id, source_type, SUM(p), SUM(ok), SUM(f), SUM(e), SUM(g), SUM(fe), SUM(v), SUM(n), SUM(rc), SUM(r),
  SUM(cr), SUM(u), SUM(ug)
FROM (
  SELECT bkk_day, store_id, terminal_id, source_type,
    CASE WHEN status = 'pending' THEN 1 ELSE 0 END AS p, CASE WHEN status = 'successful' THEN 1 ELSE 0 END AS ok,
    CASE WHEN status = 'failed' THEN 1 ELSE 0 END AS f, CASE WHEN status = 'expired' THEN 1 ELSE 0 END AS e,
    CASE WHEN status = 'successful' THEN amount ELSE 0 END AS g,
    CASE WHEN status = 'successful' AND fee_known <> 0 THEN fee ELSE 0 END AS fe,
    CASE WHEN status = 'successful' AND fee_known <> 0 THEN fee_vat ELSE 0 END AS v,
    CASE WHEN status = 'successful' AND fee_known <> 0 THEN net ELSE 0 END AS n,
    0 AS rc, 0 AS r, refunded_amount AS cr,
    CASE WHEN status = 'successful' AND fee_known = 0 THEN 1 ELSE 0 END AS u,
    CASE WHEN status = 'successful' AND fee_known = 0 THEN amount ELSE 0 END AS ug
  FROM charges
  UNION ALL
  SELECT r.bkk_day, c.store_id, c.terminal_id, c.source_type, 0, 0, 0, 0, 0, 0, 0, 0, 1, r.amount, 0, 0, 0
  FROM refunds r JOIN charges c ON c.id = r.charge_id
) AS changes
GROUP BY bkk_day, store_id, terminal_id, source_type`

// ExportCharge is a charge as the CSV export reads it: only the exported
// columns, times as their stored UTC text (no parsing per row), so a
// million-row export costs little more than the scan itself.
type ExportCharge struct {
	ID          string
	CreatedAt   string // TimeLayout, UTC
	BkkDay      string
	StoreID     string
	TerminalID  string
	Status      string
	FailureCode string
	// FailureMessage is Omise's text, free and imported: a CSV cell must
	// neutralise it.
	FailureMessage string
	Amount         int64
	Fee            int64
	FeeVat         int64
	Net            int64
	FeeKnown       bool
	Refunded       int64
	Currency       string
	PaidAt         string // TimeLayout, UTC; "" when unpaid
	SourceType     string
	BarcodeMasked  string
	AttemptID      string
	Cashier        string
	TransactionID  string
}

const exportColumns = `id, created_at, bkk_day, store_id, terminal_id, status, failure_code, amount, fee, fee_vat, net,
fee_known, refunded_amount, currency, COALESCE(paid_at, ''), source_type, barcode_masked, attempt_id, cashier,
transaction_id, failure_message`

// exportBatch is how many rows one keyset query of an export reads: large
// enough that per-query cost vanishes, small enough that no read snapshot
// is held for long (a long one would stop WAL checkpoints).
const exportBatch = 5000

// IterateExportCharges calls fn for every charge matching f (the /charges
// filter, cursor ignored), newest first, in keyset batches. The row passed
// to fn is reused: copy what must outlive the call.
func (d *DB) IterateExportCharges(ctx context.Context, f ChargeFilter, fn func(*ExportCharge) error) error {
	f.Cursor = ""
	var c ExportCharge
	for {
		where, args, err := f.where(true)
		if err != nil {
			return err
		}
		rows, err := d.R.QueryContext(ctx, `SELECT `+exportColumns+` FROM charges`+where+listChargesOrder,
			append(args, exportBatch)...)
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			if err := rows.Scan(&c.ID, &c.CreatedAt, &c.BkkDay, &c.StoreID, &c.TerminalID, &c.Status, &c.FailureCode,
				&c.Amount, &c.Fee, &c.FeeVat, &c.Net, &c.FeeKnown, &c.Refunded, &c.Currency, &c.PaidAt, &c.SourceType,
				&c.BarcodeMasked, &c.AttemptID, &c.Cashier, &c.TransactionID, &c.FailureMessage); err != nil {
				rows.Close()
				return err
			}
			n++
			if err := fn(&c); err != nil {
				rows.Close()
				return err
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil || n < exportBatch {
			return err
		}
		f.Cursor = ChargeCursor(&Charge{ID: c.ID, CreatedAt: ParseTime(c.CreatedAt)})
	}
}
