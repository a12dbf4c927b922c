package handlers

import (
	"bufio"
	"encoding/csv"
	"io"
	"net/http"
	"strconv"
	"time"

	"instore/db"
	"instore/money"
	"instore/payments"
)

// utf8BOM makes Excel read the file as UTF-8, so Thai store names survive.
const utf8BOM = "\ufeff"

// csvFlushRows is how many rows are buffered before a flush to the client:
// enough to keep syscalls few, small enough that memory stays flat.
const csvFlushRows = 2000

// DailyCSVHeader is the stable header of /reports/daily.csv. Amounts come
// twice: baht with two decimals for people, integer satang for machines.
var DailyCSVHeader = []string{
	"date", "store_id", "store_name", "terminal_id",
	"successful_count", "failed_count", "expired_count", "pending_count", "refund_count",
	"gross", "fee", "fee_vat", "net", "refunds", "net_after_refunds",
	"gross_satang", "fee_satang", "fee_vat_satang", "net_satang", "refunds_satang", "net_after_refunds_satang",
	"currency", "fee_unknown_count", "fee_unknown_gross", "fee_unknown_gross_satang",
	"source_type", "method",
}

// ChargesCSVHeader is the stable header of /charges.csv. Fee, VAT and net
// are filled only where money moved (successful) and Omise reported the
// fee (fee_reported); state is the status people see (partially_refunded
// and refunded are successful at Omise).
var ChargesCSVHeader = []string{
	"charge_id", "created_at_utc", "created_at_bangkok", "business_day", "store_id", "store_name", "terminal_id",
	"status", "failure_code", "amount", "fee", "fee_vat", "net", "refunded",
	"amount_satang", "fee_satang", "fee_vat_satang", "net_satang", "refunded_satang", "currency",
	"paid_at_utc", "paid_at_bangkok", "source_type", "barcode_masked", "attempt_id", "cashier", "transaction_id",
	"state", "fee_reported", "failure_message", "method",
}

// csvText neutralises a text cell the OWASP way: a cell a spreadsheet would
// read as a formula (=, +, -, @, tab or carriage return first) gets a
// leading apostrophe, so Excel and LibreOffice show it as text. Every CSV
// writer passes every text cell through it; amount and count cells are
// written by csvInt and csvBaht and stay plain signed numbers.
func csvText(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// csvStream writes CSV records to w through a buffer, BOM first, flushing
// the HTTP response every csvFlushRows rows so a large export starts at
// once and never sits in memory.
type csvStream struct {
	bw    *bufio.Writer
	cw    *csv.Writer
	flush func()
	n     int
}

func newCSVStream(w io.Writer) *csvStream {
	bw := bufio.NewWriterSize(w, 64<<10)
	s := &csvStream{bw: bw, cw: csv.NewWriter(bw)}
	if f, ok := w.(http.Flusher); ok {
		s.flush = f.Flush
	}
	bw.WriteString(utf8BOM)
	return s
}

func (s *csvStream) write(rec []string) error {
	if err := s.cw.Write(rec); err != nil {
		return err
	}
	s.n++
	if s.n%csvFlushRows == 0 {
		return s.sync()
	}
	return nil
}

// sync pushes what is buffered to the client.
func (s *csvStream) sync() error {
	s.cw.Flush()
	if err := s.cw.Error(); err != nil {
		return err
	}
	if err := s.bw.Flush(); err != nil {
		return err
	}
	if s.flush != nil {
		s.flush()
	}
	return nil
}

// WriteDailyCSV streams daily rollup rows as CSV (BOM, header, one line
// per day × store × terminal × payment method) to w. iterate feeds the rows
// one at a time; methodName names a row's method (its source type) for
// the method column.
func WriteDailyCSV(w io.Writer, methodName func(sourceType string) string, iterate func(fn func(*db.DailyRow) error) error) error {
	s := newCSVStream(w)
	if err := s.write(DailyCSVHeader); err != nil {
		return err
	}
	rec := make([]string, len(DailyCSVHeader))
	err := iterate(func(r *db.DailyRow) error {
		n := r.NetAfterRefunds()
		rec[0], rec[1], rec[2], rec[3] = r.Day, csvText(r.StoreID), csvText(r.StoreName), csvText(r.TerminalID)
		rec[4], rec[5], rec[6] = csvInt(r.SuccessfulCount), csvInt(r.FailedCount), csvInt(r.ExpiredCount)
		rec[7], rec[8] = csvInt(r.PendingCount), csvInt(r.RefundCount)
		rec[9], rec[10], rec[11] = csvBaht(r.Gross), csvBaht(r.Fee), csvBaht(r.FeeVat)
		rec[12], rec[13], rec[14] = csvBaht(r.Net), csvBaht(r.Refunds), csvBaht(n)
		rec[15], rec[16], rec[17] = csvInt(r.Gross), csvInt(r.Fee), csvInt(r.FeeVat)
		rec[18], rec[19], rec[20] = csvInt(r.Net), csvInt(r.Refunds), csvInt(n)
		// A row whose every sale lacks its fee has no fee, VAT or net to
		// show: blank, not 0, as the report shows "fee not reported".
		if r.SuccessfulCount > 0 && r.FeeUnknownCount == r.SuccessfulCount {
			rec[10], rec[11], rec[12], rec[14] = "", "", "", ""
			rec[16], rec[17], rec[18], rec[20] = "", "", "", ""
		}
		rec[21] = "THB"
		rec[22], rec[23], rec[24] = csvInt(r.FeeUnknownCount), csvBaht(r.FeeUnknownGross), csvInt(r.FeeUnknownGross)
		rec[25], rec[26] = csvText(r.SourceType), csvText(methodName(r.SourceType))
		return s.write(rec)
	})
	if err != nil {
		return err
	}
	return s.sync()
}

// WriteChargesCSV streams charges as CSV (BOM, header, one line per
// charge) to w; storeNames maps store ids to names for the store_name
// column, methodName names a charge's method (its source type).
func WriteChargesCSV(w io.Writer, storeNames map[string]string, methodName func(sourceType string) string,
	iterate func(fn func(*db.ExportCharge) error) error) error {
	s := newCSVStream(w)
	if err := s.write(ChargesCSVHeader); err != nil {
		return err
	}
	rec := make([]string, len(ChargesCSVHeader))
	err := iterate(func(c *db.ExportCharge) error {
		rec[0], rec[1], rec[2], rec[3] = csvText(c.ID), storedUTC(c.CreatedAt), storedBangkok(c.CreatedAt), c.BkkDay
		rec[4], rec[5], rec[6] = csvText(c.StoreID), csvText(storeNames[c.StoreID]), csvText(c.TerminalID)
		rec[7], rec[8] = csvText(c.Status), csvText(c.FailureCode)
		rec[9], rec[13], rec[14], rec[18] = csvBaht(c.Amount), csvBaht(c.Refunded), csvInt(c.Amount), csvInt(c.Refunded)
		rec[19] = csvText(c.Currency)
		// Fee, VAT and net only where money moved and Omise said what they
		// were; a failed, expired or pending charge has none to add up.
		moved := payments.PaidStatus(c.Status)
		if moved && c.FeeKnown {
			rec[10], rec[11], rec[12] = csvBaht(c.Fee), csvBaht(c.FeeVat), csvBaht(c.Net)
			rec[15], rec[16], rec[17] = csvInt(c.Fee), csvInt(c.FeeVat), csvInt(c.Net)
		} else {
			rec[10], rec[11], rec[12], rec[15], rec[16], rec[17] = "", "", "", "", "", ""
		}
		rec[20], rec[21] = storedUTC(c.PaidAt), storedBangkok(c.PaidAt)
		rec[22], rec[23], rec[24] = csvText(c.SourceType), csvText(c.BarcodeMasked), csvText(c.AttemptID)
		rec[25], rec[26] = csvText(c.Cashier), csvText(c.TransactionID)
		rec[27] = csvText(payments.DisplayState(c.Status, c.Amount, c.Refunded))
		switch {
		case !moved:
			rec[28] = ""
		case c.FeeKnown:
			rec[28] = "yes"
		default:
			rec[28] = "no"
		}
		rec[29] = csvText(c.FailureMessage)
		rec[30] = csvText(methodName(c.SourceType))
		return s.write(rec)
	})
	if err != nil {
		return err
	}
	return s.sync()
}

// storedUTC turns a stored timestamp into ISO 8601 UTC with seconds
// (2025-03-01T16:59:59Z) by slicing when it has the storage layout.
func storedUTC(s string) string {
	if s == "" {
		return ""
	}
	if len(s) == len(db.TimeLayout) && s[10] == 'T' && s[len(s)-1] == 'Z' {
		return s[:19] + "Z"
	}
	return utcISO(db.ParseTime(s))
}

// storedBangkok turns a stored timestamp into Bangkok wall time. Bangkok
// has kept UTC+7 since 1920, so the fixed offset is exact; reading the
// digits directly keeps time.Parse out of a million-row loop.
func storedBangkok(s string) string {
	if s == "" {
		return ""
	}
	if len(s) != len(db.TimeLayout) || s[10] != 'T' {
		return bangkokTime(db.ParseTime(s))
	}
	num := func(a, b int) int {
		n := 0
		for _, ch := range s[a:b] {
			n = n*10 + int(ch-'0')
		}
		return n
	}
	t := time.Date(num(0, 4), time.Month(num(5, 7)), num(8, 10), num(11, 13), num(14, 16), num(17, 19), 0, time.UTC).Add(7 * time.Hour)
	y, mo, d := t.Date()
	h, mi, sec := t.Clock()
	var b [19]byte
	put := func(i, v, width int) {
		for j := width - 1; j >= 0; j-- {
			b[i+j] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, y, 4)
	b[4] = '-'
	put(5, int(mo), 2)
	b[7] = '-'
	put(8, d, 2)
	b[10] = ' '
	put(11, h, 2)
	b[13] = ':'
	put(14, mi, 2)
	b[16] = ':'
	put(17, sec, 2)
	return string(b[:])
}

// csvInt renders an integer; zero, the most common amount in fee,
// refund and net columns, costs no allocation.
func csvInt(n int64) string {
	if n == 0 {
		return "0"
	}
	return strconv.FormatInt(n, 10)
}

// csvBaht renders satang as baht with two decimals (money.FormatPlain),
// zero without an allocation.
func csvBaht(satang int64) string {
	if satang == 0 {
		return "0.00"
	}
	return money.FormatPlain(satang)
}

// utcISO is ISO 8601 in UTC with seconds: 2025-03-01T16:59:59Z.
func utcISO(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

// bangkokTime is the Bangkok wall time without an offset, the form a
// spreadsheet reads as a date and time: 2025-03-01 23:59:59.
func bangkokTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(payments.Bangkok).Format("2006-01-02 15:04:05")
}
