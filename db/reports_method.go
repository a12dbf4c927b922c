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
	rows, err := d.R.QueryContext(ctx, dailyRowsByMethodSQL, f.FromDay, f.ToDay, f.StoreID, f.StoreID, f.storeSet(),
		f.storeSet(), f.TerminalID, f.TerminalID)
	if err != nil {
		return err
	}
	defer rows.Close()
	var r DailyRow
	for rows.Next() {
		r = DailyRow{}
		if err := rows.Scan(&r.Day, &r.StoreID, &r.StoreName, &r.TerminalID, &r.SourceType, &r.PendingCount,
			&r.SuccessfulCount, &r.FailedCount, &r.ExpiredCount, &r.Gross, &r.Fee, &r.FeeVat, &r.Net, &r.RefundCount,
			&r.Refunds, &r.FeeUnknownCount, &r.FeeUnknownGross); err != nil {
			return err
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	return rows.Err()
}
