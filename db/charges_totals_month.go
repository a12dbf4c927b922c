package db

import (
	"context"
	"strings"
	"time"
)

// rollupSums are the rollup columns the charge list's totals read.
type rollupSums struct {
	pending, ok, failed, expired            int64
	gross, fee, vat, net, refunded, unknown int64
}

func (s *rollupSums) add(o rollupSums) {
	s.pending += o.pending
	s.ok += o.ok
	s.failed += o.failed
	s.expired += o.expired
	s.gross += o.gross
	s.fee += o.fee
	s.vat += o.vat
	s.net += o.net
	s.refunded += o.refunded
	s.unknown += o.unknown
}

const rollupSumsSelect = `SELECT COALESCE(SUM(pending_count), 0), COALESCE(SUM(successful_count), 0),
  COALESCE(SUM(failed_count), 0), COALESCE(SUM(expired_count), 0), COALESCE(SUM(gross), 0),
  COALESCE(SUM(fee), 0), COALESCE(SUM(fee_vat), 0), COALESCE(SUM(net), 0), COALESCE(SUM(charges_refunded), 0),
  COALESCE(SUM(fee_unknown_count), 0)
FROM `

func (d *DB) sumRollup(ctx context.Context, table string, conds []string, args []any) (rollupSums, error) {
	var s rollupSums
	q := rollupSumsSelect + table
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	err := d.R.QueryRowContext(ctx, q, args...).Scan(&s.pending, &s.ok, &s.failed, &s.expired,
		&s.gross, &s.fee, &s.vat, &s.net, &s.refunded, &s.unknown)
	return s, err
}

// monthSums answers the rollup part of the totals of a filter without a
// terminal from monthly_totals for the whole months inside its day range
// and from daily_totals for the days at either end that do not fill a
// month; an unfiltered view reads a few rows per month and store. ok is
// false when the filter names a terminal (months have none).
func (d *DB) monthSums(ctx context.Context, f ChargeFilter) (rollupSums, bool, error) {
	var total rollupSums
	if f.TerminalID != "" {
		return total, false, nil
	}
	var conds []string
	var args []any
	if f.StoreID != "" {
		conds, args = append(conds, `store_id = ?`), append(args, f.StoreID)
	}
	if c, a := storesIn("store_id", f.Stores); c != "" {
		conds, args = append(conds, c), append(args, a...)
	}
	if len(f.SourceTypes) > 0 {
		conds = append(conds, `source_type IN (`+placeholders(len(f.SourceTypes))+`)`)
		args = append(args, anys(f.SourceTypes)...)
	}
	from, to, ok := wholeMonths(f.FromDay, f.ToDay)
	if !ok {
		// Not one whole month in the range: the days it has.
		return total, false, nil
	}
	mc, ma := append([]string(nil), conds...), append([]any(nil), args...)
	if from != "" {
		mc, ma = append(mc, `bkk_month >= ?`), append(ma, from)
	}
	if to != "" {
		mc, ma = append(mc, `bkk_month <= ?`), append(ma, to)
	}
	s, err := d.sumRollup(ctx, "monthly_totals", mc, ma)
	if err != nil {
		return total, false, err
	}
	total.add(s)
	// The days before the first whole month and after the last.
	if f.FromDay != "" && f.FromDay < from+"-01" {
		dc := append(append([]string(nil), conds...), `bkk_day >= ?`, `bkk_day < ?`)
		s, err := d.sumRollup(ctx, "daily_totals", dc, append(append([]any(nil), args...), f.FromDay, from+"-01"))
		if err != nil {
			return total, false, err
		}
		total.add(s)
	}
	if f.ToDay != "" {
		if after := nextMonth(to) + "-01"; f.ToDay >= after {
			dc := append(append([]string(nil), conds...), `bkk_day >= ?`, `bkk_day <= ?`)
			s, err := d.sumRollup(ctx, "daily_totals", dc, append(append([]any(nil), args...), after, f.ToDay))
			if err != nil {
				return total, false, err
			}
			total.add(s)
		}
	}
	return total, true, nil
}

// wholeMonths returns the first and last months (YYYY-MM) lying wholly in
// the Bangkok day range [fromDay, toDay] ("" = open end; then the month
// bound is open too), and false when no month does.
func wholeMonths(fromDay, toDay string) (from, to string, ok bool) {
	if fromDay != "" {
		t, err := time.Parse("2006-01-02", fromDay)
		if err != nil {
			return "", "", false
		}
		if t.Day() == 1 {
			from = t.Format("2006-01")
		} else {
			from = t.AddDate(0, 1, 1-t.Day()).Format("2006-01")
		}
	}
	if toDay != "" {
		t, err := time.Parse("2006-01-02", toDay)
		if err != nil {
			return "", "", false
		}
		if t.AddDate(0, 0, 1).Day() == 1 {
			to = t.Format("2006-01")
		} else {
			to = t.AddDate(0, 0, -t.Day()).Format("2006-01")
		}
	}
	if from != "" && to != "" && from > to {
		return "", "", false
	}
	return from, to, true
}

// nextMonth is the month after m (YYYY-MM); "" stays "" (no upper bound,
// so no days after it).
func nextMonth(m string) string {
	if m == "" {
		return "9999-12"
	}
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return "9999-12"
	}
	return t.AddDate(0, 1, 0).Format("2006-01")
}
