package db

import "context"

// dailyRowsByMethodSQL is dailyRowsSQL one level finer: the rollup's own
// rows, day × store × terminal × method, in primary key order.
const dailyRowsByMethodSQL = `SELECT t.bkk_day, t.store_id, COALESCE(s.store_name, ''), t.terminal_id, t.source_type,
  t.pending_count, t.successful_count, t.failed_count, t.expired_count, t.gross, t.fee, t.fee_vat, t.net,
  t.refund_count, t.refunds, t.fee_unknown_count, t.fee_unknown_gross
FROM daily_totals t LEFT JOIN stores s ON s.store_id = t.store_id
WHERE t.bkk_day >= ? AND t.bkk_day <= ? AND (? = '' OR t.store_id = ?) AND (? = '' OR instr(?, ',' || t.store_id || ',') > 0) AND (? = '' OR t.terminal_id = ?)
  AND (t.pending_count <> 0 OR t.successful_count <> 0 OR t.failed_count <> 0 OR t.expired_count <> 0 OR t.refund_count <> 0)
ORDER BY t.bkk_day, t.store_id, t.terminal_id, t.source_type`

// IterateDailyRowsByMethod calls fn for each day × store × terminal ×
// method (SourceType set) of the rollup in f, in that order, without
// holding them in memory. The rows of a day, store and terminal add up to
// its row of IterateDailyRows. The row passed to fn is reused.
func (d *DB) IterateDailyRowsByMethod(ctx context.Context, f FinanceFilter, fn func(*DailyRow) error) error {
	return d.iterateDailyRows(ctx, dailyRowsByMethodSQL, true, f, fn)
}

// dailyMethodRowsSQL sums the rollup per day and method over f's stores and
// terminals; like dailyRowsSQL it leaves out rows that count nothing.
const dailyMethodRowsSQL = `SELECT t.bkk_day, t.source_type, SUM(t.pending_count), SUM(t.successful_count),
  SUM(t.failed_count), SUM(t.expired_count), SUM(t.gross), SUM(t.fee), SUM(t.fee_vat), SUM(t.net),
  SUM(t.refund_count), SUM(t.refunds), SUM(t.fee_unknown_count), SUM(t.fee_unknown_gross)
FROM daily_totals t
WHERE t.bkk_day >= ? AND t.bkk_day <= ? AND (? = '' OR t.store_id = ?) AND (? = '' OR instr(?, ',' || t.store_id || ',') > 0) AND (? = '' OR t.terminal_id = ?)
GROUP BY t.bkk_day, t.source_type
HAVING SUM(t.pending_count) <> 0 OR SUM(t.successful_count) <> 0 OR SUM(t.failed_count) <> 0
  OR SUM(t.expired_count) <> 0 OR SUM(t.refund_count) <> 0
ORDER BY t.bkk_day, t.source_type`

// ListDailyMethodRows returns, per day in f and method (source type), the
// rollup summed over f's stores and terminals: the rows of a day add up to
// the day's rows of ListDailyRows. StoreID, StoreName and TerminalID are "".
func (d *DB) ListDailyMethodRows(ctx context.Context, f FinanceFilter) ([]DailyRow, error) {
	rows, err := d.R.QueryContext(ctx, dailyMethodRowsSQL, f.FromDay, f.ToDay, f.StoreID, f.StoreID, f.storeSet(), f.storeSet(), f.TerminalID, f.TerminalID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DailyRow
	for rows.Next() {
		var r DailyRow
		if err := rows.Scan(&r.Day, &r.SourceType, &r.PendingCount, &r.SuccessfulCount, &r.FailedCount,
			&r.ExpiredCount, &r.Gross, &r.Fee, &r.FeeVat, &r.Net, &r.RefundCount, &r.Refunds, &r.FeeUnknownCount,
			&r.FeeUnknownGross); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
