package payments

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"instore/db"
)

// Errors of report and reconciliation ranges typed by a person; handlers
// turn each into a message in Thai and English.
var (
	ErrBadMonth      = errors.New("payments: month is not YYYY-MM")
	ErrBadDay        = errors.New("payments: day is not YYYY-MM-DD")
	ErrRangeOrder    = errors.New("payments: range ends before it starts")
	ErrRangeTooLong  = errors.New("payments: range is too long")
	ErrRangeInFuture = errors.New("payments: range starts in the future")
)

// CurrentMonth is the Bangkok month t falls in, as YYYY-MM.
func CurrentMonth(t time.Time) string { return t.In(Bangkok).Format("2006-01") }

// MonthDays returns the first and last business day of a YYYY-MM month.
func MonthDays(month string) (first, last string, err error) {
	t, err := time.ParseInLocation("2006-01", month, Bangkok)
	if err != nil || t.Format("2006-01") != month {
		return "", "", ErrBadMonth
	}
	return t.Format("2006-01-02"), t.AddDate(0, 1, -1).Format("2006-01-02"), nil
}

// ParseDay checks a YYYY-MM-DD business day.
func ParseDay(day string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02", day, Bangkok)
	if err != nil || t.Format("2006-01-02") != day {
		return time.Time{}, ErrBadDay
	}
	return t, nil
}

// DaysInRange lists the business days from..to inclusive, refusing ranges
// that are malformed, reversed or longer than maxDays.
func DaysInRange(from, to string, maxDays int) ([]string, error) {
	a, err := ParseDay(from)
	if err != nil {
		return nil, err
	}
	b, err := ParseDay(to)
	if err != nil {
		return nil, err
	}
	if b.Before(a) {
		return nil, ErrRangeOrder
	}
	var days []string
	// AddDate on a date at local midnight stays on midnight: Bangkok has no DST.
	for d := a; !d.After(b); d = d.AddDate(0, 0, 1) {
		if len(days) == maxDays {
			return nil, ErrRangeTooLong
		}
		days = append(days, d.Format("2006-01-02"))
	}
	return days, nil
}

// DayGross is one bar of the daily chart.
type DayGross struct {
	Day   string
	Gross int64
	Net   int64
	Count int64
}

// DailyReport is the daily report of a range: rows per day × store ×
// terminal, their totals, and one bar per calendar day for the chart.
type DailyReport struct {
	Filter db.FinanceFilter
	Rows   []db.DailyRow
	Totals db.DailyRow
	// Methods split Totals by payment method, one line per method that
	// counted anything, in registry order; they add up to Totals.
	Methods  []MethodTotals
	Days     []DayGross
	MaxGross int64
}

// DailyReport reads the rollup for f (days inclusive). The caller has
// already limited f.StoreID to what the user may see.
func (s *Service) DailyReport(ctx context.Context, f db.FinanceFilter) (*DailyReport, error) {
	days, err := DaysInRange(f.FromDay, f.ToDay, 366)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.ListDailyRows(ctx, f)
	if err != nil {
		return nil, err
	}
	byMethod, err := s.DB.ListDailyMethodRows(ctx, f)
	if err != nil {
		return nil, err
	}
	rep := &DailyReport{Filter: f, Rows: rows, Methods: sumByMethod(byMethod), Days: make([]DayGross, len(days))}
	index := make(map[string]int, len(days))
	for i, d := range days {
		rep.Days[i].Day = d
		index[d] = i
	}
	for i := range rows {
		r := &rows[i]
		rep.Totals.Add(r)
		if j, ok := index[r.Day]; ok {
			rep.Days[j].Gross += r.Gross
			rep.Days[j].Net += r.Net
			rep.Days[j].Count += r.SuccessfulCount
		}
	}
	for _, d := range rep.Days {
		rep.MaxGross = max(rep.MaxGross, d.Gross)
	}
	return rep, nil
}

// ZStatus is the count and sums of one status in a Z-report.
type ZStatus struct {
	Status string
	Count  int64
	Amount int64
}

// ZTotals are a Z-report's figures for a terminal, a store or everything.
// Fee, VAT and net are of successful charges whose fee Omise reported
// (FeeUnknownCount counts the others); refunds are those made that day,
// whichever day the refunded charge was made.
type ZTotals struct {
	Statuses    []ZStatus // in zStatusOrder, every status present
	Fee         int64
	FeeVat      int64
	Net         int64
	RefundCount int64
	Refunds     int64
	OpenCount   int64
	// FeeUnknownCount is how many successful charges have no fee from
	// Omise; their amounts are in the gross but not in fee or net.
	FeeUnknownCount int64
	OpenAmount      int64
	FirstSale       *time.Time
	LastSale        *time.Time
	// Methods split the successful sales and the refunds by payment method,
	// in registry order: their amounts add up to the successful line's and
	// Refunds.
	Methods []ZMethod
}

// zStatusOrder is the order a Z-report lists statuses in.
var zStatusOrder = []string{"successful", "failed", "expired", "pending", "reversed"}

func newZTotals() ZTotals {
	t := ZTotals{Statuses: make([]ZStatus, len(zStatusOrder))}
	for i, s := range zStatusOrder {
		t.Statuses[i].Status = s
	}
	return t
}

// Status returns the line of one status.
func (t *ZTotals) Status(status string) ZStatus {
	for _, s := range t.Statuses {
		if s.Status == status {
			return s
		}
	}
	return ZStatus{Status: status}
}

// NetAfterRefunds is net less the day's refunds.
func (t *ZTotals) NetAfterRefunds() int64 { return t.Net - t.Refunds }

func (t *ZTotals) addLine(l *db.ZLine) {
	for i := range t.Statuses {
		if t.Statuses[i].Status == l.Status {
			t.Statuses[i].Count += l.Count
			t.Statuses[i].Amount += l.Amount
		}
	}
	switch l.Status {
	case "successful":
		t.method(l.SourceType).add(&ZMethod{Count: l.Count, Amount: l.Amount, Fee: l.Fee, FeeVat: l.FeeVat, Net: l.Net})
		t.Fee += l.Fee
		t.FeeVat += l.FeeVat
		t.Net += l.Net
		t.FeeUnknownCount += l.FeeUnknown
		first, last := l.First, l.Last
		if t.FirstSale == nil || first.Before(*t.FirstSale) {
			t.FirstSale = &first
		}
		if t.LastSale == nil || last.After(*t.LastSale) {
			t.LastSale = &last
		}
	case "pending":
		t.OpenCount += l.Count
		t.OpenAmount += l.Amount
	}
}

func (t *ZTotals) add(o *ZTotals) {
	for i := range t.Statuses {
		t.Statuses[i].Count += o.Statuses[i].Count
		t.Statuses[i].Amount += o.Statuses[i].Amount
	}
	t.Fee += o.Fee
	t.FeeVat += o.FeeVat
	t.Net += o.Net
	t.RefundCount += o.RefundCount
	t.Refunds += o.Refunds
	t.OpenCount += o.OpenCount
	t.OpenAmount += o.OpenAmount
	t.FeeUnknownCount += o.FeeUnknownCount
	t.addMethods(o)
	if o.FirstSale != nil && (t.FirstSale == nil || o.FirstSale.Before(*t.FirstSale)) {
		t.FirstSale = o.FirstSale
	}
	if o.LastSale != nil && (t.LastSale == nil || o.LastSale.After(*t.LastSale)) {
		t.LastSale = o.LastSale
	}
}

// ZTerminal is one terminal's end-of-day summary with the refunds made on
// it that day and the charges it left pending.
type ZTerminal struct {
	StoreID    string
	StoreName  string
	TerminalID string
	ZTotals
	Refunds []db.DayRefund
	Pending []*db.Charge
}

// ZStore is a store's summary and its terminals.
type ZStore struct {
	StoreID   string
	StoreName string
	ZTotals
	Terminals []*ZTerminal
}

// ZReport is the end-of-day summary of one business day.
type ZReport struct {
	Filter      db.FinanceFilter
	GeneratedAt time.Time
	Stores      []*ZStore
	Totals      ZTotals
}

// ZReport builds the end-of-day summary of business day f.FromDay, by
// terminal and by store, from the charges and refunds themselves.
func (s *Service) ZReport(ctx context.Context, f db.FinanceFilter) (*ZReport, error) {
	if _, err := ParseDay(f.FromDay); err != nil {
		return nil, err
	}
	f.ToDay = f.FromDay
	lines, err := s.DB.ListZLines(ctx, f)
	if err != nil {
		return nil, err
	}
	refunds, err := s.DB.ListDayRefunds(ctx, f)
	if err != nil {
		return nil, err
	}
	pending, err := s.DB.ListDayPending(ctx, f)
	if err != nil {
		return nil, err
	}
	rep := &ZReport{Filter: f, GeneratedAt: s.now(), Totals: newZTotals()}
	stores := map[string]*ZStore{}
	terms := map[[2]string]*ZTerminal{}
	// Lines, refunds and pending charges come sorted by store then terminal
	// except refunds, which may name a terminal with no sale that day.
	terminal := func(storeID, storeName, terminalID string) *ZTerminal {
		k := [2]string{storeID, terminalID}
		if t := terms[k]; t != nil {
			return t
		}
		st := stores[storeID]
		if st == nil {
			st = &ZStore{StoreID: storeID, StoreName: storeName, ZTotals: newZTotals()}
			stores[storeID] = st
			rep.Stores = append(rep.Stores, st)
		}
		if st.StoreName == "" {
			st.StoreName = storeName
		}
		t := &ZTerminal{StoreID: storeID, StoreName: st.StoreName, TerminalID: terminalID, ZTotals: newZTotals()}
		terms[k] = t
		st.Terminals = append(st.Terminals, t)
		return t
	}
	for i := range lines {
		l := &lines[i]
		terminal(l.StoreID, l.StoreName, l.TerminalID).addLine(l)
	}
	for i := range refunds {
		r := refunds[i]
		t := terminal(r.StoreID, "", r.TerminalID)
		t.Refunds = append(t.Refunds, r)
		t.RefundCount++
		t.ZTotals.Refunds += r.Amount
		m := t.method(r.SourceType)
		m.RefundCount++
		m.Refunds += r.Amount
	}
	for _, c := range pending {
		t := terminal(c.StoreID, "", c.TerminalID)
		t.Pending = append(t.Pending, c)
	}
	sortZ(rep.Stores)
	for _, st := range rep.Stores {
		for _, t := range st.Terminals {
			st.ZTotals.add(&t.ZTotals)
		}
		rep.Totals.add(&st.ZTotals)
	}
	return rep, nil
}

// sortZ orders stores and their terminals by id, since refunds and pending
// charges may have added terminals out of order.
func sortZ(stores []*ZStore) {
	slices.SortFunc(stores, func(a, b *ZStore) int { return cmp.Compare(a.StoreID, b.StoreID) })
	for _, st := range stores {
		slices.SortFunc(st.Terminals, func(a, b *ZTerminal) int { return cmp.Compare(a.TerminalID, b.TerminalID) })
	}
}
