package handlers

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/payments"
)

// The finance benchmarks need a database of 1,000,000 charges, which takes
// a while to build, so they run only when asked:
//
//	INSTORE_BENCH_1M=1 go test ./handlers -run '^$' -bench Finance -benchtime 5x
//
// INSTORE_BENCH_DB names a file to build once and reuse between runs.
const benchRows = 1_000_000

// benchStart is the first charge's instant: 1 Jan 2025 00:00 ICT. The rows
// cover 60 days, so January holds about 516,000 of them.
var benchStart = time.Date(2025, 1, 1, 0, 0, 0, 0, payments.Bangkok)

var (
	benchOnce sync.Once
	benchPath string
	benchErr  error
)

func benchDB(b *testing.B) *db.DB {
	b.Helper()
	if os.Getenv("INSTORE_BENCH_1M") == "" {
		b.Skip("set INSTORE_BENCH_1M=1 to build 1,000,000 charges and run the finance benchmarks")
	}
	benchOnce.Do(func() {
		benchPath = os.Getenv("INSTORE_BENCH_DB")
		if benchPath == "" {
			dir, err := os.MkdirTemp("", "instore-finance-bench")
			if err != nil {
				benchErr = err
				return
			}
			benchPath = filepath.Join(dir, "bench.db")
		}
		if _, err := os.Stat(benchPath); err == nil {
			return
		}
		t0 := time.Now()
		benchErr = buildBenchDB(context.Background(), benchPath, benchRows)
		fmt.Fprintf(os.Stderr, "built %d charges in %s (%s)\n", benchRows, time.Since(t0).Round(time.Millisecond), benchPath)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	d, err := db.Open(context.Background(), benchPath)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	return d
}

// benchChargesSQL generates n charges in SQL: 20 stores × 10 terminals,
// one charge every 5.184 s over 60 days; 85% successful with Omise's fee
// (3.65% half-up, VAT 7% half-up), 10% failed, 5% expired; every 50th
// charge partly refunded.
const benchChargesSQL = `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1),
g AS (
  SELECT i, ? + i * 5184 / 1000 AS t, 2000 + (i * 7919) % 300000 AS amount,
    CASE WHEN (i / 200) % 20 < 17 THEN 'successful' WHEN (i / 200) % 20 < 19 THEN 'failed' ELSE 'expired' END AS status
  FROM n
),
f AS (
  SELECT g.*, CASE WHEN status = 'successful' THEN (amount * 365 + 5000) / 10000 ELSE 0 END AS fee FROM g
)
INSERT INTO charges (id, livemode, amount, currency, status, failure_code, failure_message, fee, fee_vat, net,
  refunded_amount, source_id, source_type, barcode_masked, store_id, terminal_id, attempt_id, cashier, metadata,
  transaction_id, created_at, bkk_day, paid_at, expires_at, expired_at, updated_at, synced_at)
SELECT printf('chrg_test_%019d', i), 0, amount, 'THB', status,
  CASE WHEN status = 'failed' THEN 'payment_rejected' ELSE '' END, '',
  fee, (fee * 7 + 50) / 100, CASE WHEN status = 'successful' THEN amount - fee - (fee * 7 + 50) / 100 ELSE 0 END,
  CASE WHEN status = 'successful' AND (i / 20) % 50 = 0 THEN 1000 ELSE 0 END,
  printf('src_test_%019d', i), 'barcode_alipay', printf('28••••••••••••%04d', i % 10000),
  printf('S%02d', i % 20 + 1), printf('T%02d', (i / 20) % 10 + 1), '', 'cashier', '{}', '',
  strftime('%Y-%m-%dT%H:%M:%S', t, 'unixepoch') || '.000000Z', strftime('%Y-%m-%d', t + 25200, 'unixepoch'),
  CASE WHEN status = 'successful' THEN strftime('%Y-%m-%dT%H:%M:%S', t + 5, 'unixepoch') || '.000000Z' END,
  NULL, NULL,
  strftime('%Y-%m-%dT%H:%M:%S', t, 'unixepoch') || '.000000Z', strftime('%Y-%m-%dT%H:%M:%S', t, 'unixepoch') || '.000000Z'
FROM f`

const benchRefundsSQL = `INSERT INTO refunds (id, charge_id, amount, currency, status, voided, transaction_id, reason, note,
  created_by, metadata, created_at, bkk_day, updated_at)
SELECT 'rfnd_' || substr(id, 6), id, refunded_amount, 'THB', 'closed', 0, '', 'customer_request', '', 'finance', '{}',
  created_at, bkk_day, created_at FROM charges WHERE refunded_amount > 0`

// buildBenchDB loads the charges with the charges indexes dropped (the
// same end state, much faster), recreates them, then computes the daily
// rollup in one INSERT…SELECT. No ANALYZE: production files have no
// statistics either, so the plans measured are the plans served.
func buildBenchDB(ctx context.Context, path string, rows int) error {
	d, err := db.Open(ctx, path)
	if err != nil {
		return err
	}
	defer d.Close()
	now := db.FormatTime(time.Now())
	for s := 1; s <= 20; s++ {
		id := fmt.Sprintf("S%02d", s)
		if _, err := d.W.ExecContext(ctx, `INSERT INTO stores (store_id, store_name, created_at, updated_at)
			VALUES (?, ?, ?, ?)`, id, "ร้านสาขา "+strconv.Itoa(s), now, now); err != nil {
			return err
		}
	}
	var idx [][2]string
	r, err := d.W.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'charges' AND sql IS NOT NULL`)
	if err != nil {
		return err
	}
	for r.Next() {
		var name, s string
		if err := r.Scan(&name, &s); err != nil {
			r.Close()
			return err
		}
		idx = append(idx, [2]string{name, s})
	}
	r.Close()
	return errorsJoin(d.Tx(ctx, func(tx *sql.Tx) error {
		for _, x := range idx {
			if _, err := tx.ExecContext(ctx, `DROP INDEX `+x[0]); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, benchChargesSQL, rows, benchStart.Unix()); err != nil {
			return fmt.Errorf("charges: %w", err)
		}
		if _, err := tx.ExecContext(ctx, benchRefundsSQL); err != nil {
			return fmt.Errorf("refunds: %w", err)
		}
		for _, x := range idx {
			if _, err := tx.ExecContext(ctx, x[1]); err != nil {
				return err
			}
		}
		return nil
	}), d.RebuildDailyTotals(ctx))
}

func errorsJoin(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// benchEcho serves the finance handlers as the admin (all stores).
func benchEcho(d *db.DB) *echo.Echo {
	admin := &db.User{ID: 1, Username: "admin", Role: db.RoleAdmin}
	h := &Reports{DB: d, Payments: &payments.Service{DB: d}, Now: func() time.Time { return benchStart.AddDate(0, 0, 59) }}
	e := echo.New()
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error { SetCurrentUser(c, admin); return next(c) }
	})
	e.GET("/reports/daily", h.Daily)
	e.GET("/charges.csv", h.ChargesCSV)
	return e
}

// BenchmarkFinanceDailyReport is GET /reports/daily for January (about
// 516,000 charges, 200 terminals) over all stores, HTML rendered.
func BenchmarkFinanceDailyReport(b *testing.B) {
	e := benchEcho(benchDB(b))
	b.ResetTimer()
	measureRSS(b, func() {
		for b.Loop() {
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/reports/daily?month=2025-01", nil))
			if rec.Code != http.StatusOK || !bytes.Contains(rec.Body.Bytes(), []byte(`data-testid="daily-totals"`)) {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/report")
}

// BenchmarkFinanceDailyNaive is the same month's figures computed from the
// charges table instead of the rollup, for comparison.
func BenchmarkFinanceDailyNaive(b *testing.B) {
	d := benchDB(b)
	ctx := context.Background()
	cpu0 := cpuTime()
	for b.Loop() {
		rows, err := d.R.QueryContext(ctx, `SELECT bkk_day, store_id, terminal_id, SUM(status = 'successful'),
			SUM(status = 'failed'), SUM(status = 'expired'), SUM(CASE WHEN status = 'successful' THEN amount END),
			SUM(CASE WHEN status = 'successful' THEN fee END), SUM(CASE WHEN status = 'successful' THEN net END)
			FROM charges WHERE bkk_day BETWEEN '2025-01-01' AND '2025-01-31' GROUP BY bkk_day, store_id, terminal_id`)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			n++
		}
		rows.Close()
		if n == 0 {
			b.Fatal("no rows")
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/report")
}

// discardResponse is a ResponseWriter that counts and drops the body, so
// the export is measured without a client's memory.
type discardResponse struct {
	h http.Header
	n int64
}

func (d *discardResponse) Header() http.Header         { return d.h }
func (d *discardResponse) WriteHeader(int)             {}
func (d *discardResponse) Write(p []byte) (int, error) { d.n += int64(len(p)); return len(p), nil }
func (d *discardResponse) Flush()                      {}

// procKB reads a VmXXX line of /proc/self/status in kB (0 off Linux).
func procKB(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// resetPeakRSS makes VmHWM start again from the current RSS (Linux).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// cpuTime is the CPU time (user + system) the process has used so far.
// Beside wall time it tells the cost of the work when the machine is shared.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measureRSS runs fn and reports how far the process's peak RSS rose above
// the RSS before it, the heap it ended with, and the CPU time per op.
func measureRSS(b *testing.B, fn func()) {
	runtime.GC()
	resetPeakRSS()
	before := procKB("VmRSS")
	cpu0 := cpuTime()
	var ms runtime.MemStats
	fn()
	cpu := cpuTime() - cpu0
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(procKB("VmHWM")-before)/1024, "MB-peak-rss-growth")
	b.ReportMetric(float64(ms.HeapSys)/(1<<20), "MB-heap-sys")
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
}

// BenchmarkFinanceChargesCSV streams /charges.csv of all 1,000,000 charges.
func BenchmarkFinanceChargesCSV(b *testing.B) {
	e := benchEcho(benchDB(b))
	b.ResetTimer()
	var size int64
	measureRSS(b, func() {
		for b.Loop() {
			w := &discardResponse{h: http.Header{}}
			e.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/charges.csv", nil))
			size = w.n
		}
	})
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/export")
	b.ReportMetric(float64(size)/(1<<20), "MB-csv")
}

// BenchmarkFinanceBareScan reads the same rows and columns as the export
// with one plain query and no formatting: the floor an export can approach.
func BenchmarkFinanceBareScan(b *testing.B) {
	d := benchDB(b)
	ctx := context.Background()
	measureRSS(b, func() {
		for b.Loop() {
			rows, err := d.R.QueryContext(ctx, `SELECT id, created_at, bkk_day, store_id, terminal_id, status, failure_code,
				amount, fee, fee_vat, net, refunded_amount, currency, COALESCE(paid_at, ''), source_type, barcode_masked,
				attempt_id, cashier, transaction_id FROM charges ORDER BY created_at DESC, id DESC`)
			if err != nil {
				b.Fatal(err)
			}
			var s [19]sql.RawBytes
			dest := make([]any, len(s))
			for i := range s {
				dest[i] = &s[i]
			}
			n := 0
			for rows.Next() {
				if err := rows.Scan(dest...); err != nil {
					b.Fatal(err)
				}
				n++
			}
			rows.Close()
			if n != benchRows {
				b.Fatalf("scanned %d rows", n)
			}
		}
	})
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/scan")
}
