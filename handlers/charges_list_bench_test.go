package handlers_test

import (
	"bytes"
	"context"
	"database/sql"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"syscall"
	"testing"
	"time"

	"instore/config"
	"instore/db"
	"instore/i18n"
	"instore/money"
	"instore/omise/omisehttp"
	"instore/omise/sim"
	"instore/payments"
	"instore/web"
)

// BenchmarkChargesHandler1M is the CPU and allocation cost of one GET
// /charges and one GET /api/charges (admin session, 50 rows) over the
// million-charge database of BenchmarkChargesPage1M, served in-process
// without a network in between, so ns/op and allocs/op are the server's
// own work (session, filter, rows query, totals, rendering or encoding);
// bare_first is the load tool's bare page, the yardstick of the targets:
//
//	go test ./handlers/ -run '^$' -bench ChargesHandler1M -benchmem -count 5
func BenchmarkChargesHandler1M(b *testing.B) {
	path := benchDB(b)
	ctx := context.Background()
	d, err := db.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	s := sim.New(sim.Options{})
	defer s.Close()
	simSrv := httptest.NewServer(s)
	defer simSrv.Close()
	cl, _ := omisehttp.New(omisehttp.Config{BaseURL: simSrv.URL, PublicKey: sim.DefaultPublicKey, SecretKey: sim.DefaultSecretKey})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := &payments.Service{DB: d, Omise: cl, Log: log}
	app, err := web.New(web.Deps{Config: config.Config{TillTimeout: 90 * time.Second}, DB: d, Log: log, Payments: svc, Broker: web.NewBroker(nil)})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(app)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	c := benchLogin(b, &boClient{base: srv.URL, hc: &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}, "admin")
	base, _ := url.Parse(srv.URL)
	cookies := jar.Cookies(base)

	var deep db.Charge
	benchCharge(benchRows/100, &deep)
	cur := url.QueryEscape(db.ChargeCursor(&deep))
	_ = c
	b.Run("bare_first", func(b *testing.B) { benchBarePage(b, path) })
	for _, tc := range []struct{ name, path string }{
		{"page_first", "/charges"},
		{"page_deep", "/charges?cursor=" + cur},
		{"api_first", "/api/charges"},
		{"api_deep", "/api/charges?cursor=" + cur},
	} {
		b.Run(tc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, tc.path, nil)
			for _, ck := range cookies {
				req.AddCookie(ck)
			}
			b.ReportAllocs()
			cpuLoop(b, func() {
				rec := httptest.NewRecorder()
				app.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", tc.path, rec.Code, rec.Body.String())
				}
			})
		})
	}
}

// benchBarePage is the load tool's yardstick (cmd/loadtest/bare.go) in
// process: the first 50 rows by the same keyset query, 8 columns, each
// value escaped into a buffer, no session, layout, filter or totals.
func benchBarePage(b *testing.B, path string) {
	r, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)")
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	page := func() int {
		rows, err := r.Query(`SELECT id, amount, status, store_id, terminal_id, barcode_masked, refunded_amount, created_at
			FROM charges ORDER BY created_at DESC, id DESC LIMIT 51`)
		if err != nil {
			b.Fatal(err)
		}
		defer rows.Close()
		var buf bytes.Buffer
		buf.WriteString(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Charges</title></head><body><table><tbody>`)
		for n := 0; rows.Next() && n < 50; n++ {
			var cid, status, store, term, masked, created string
			var amount, refunded int64
			if err := rows.Scan(&cid, &amount, &status, &store, &term, &masked, &refunded, &created); err != nil {
				b.Fatal(err)
			}
			t, _ := time.Parse("2006-01-02T15:04:05.000000Z", created)
			buf.WriteString(`<tr data-testid="charge-row"><td>`)
			buf.WriteString(html.EscapeString(t.In(i18n.Bangkok).Format("02 Jan 2006 15:04")))
			buf.WriteString(`</td><td><a href="/charges/`)
			buf.WriteString(html.EscapeString(cid))
			buf.WriteString(`">`)
			buf.WriteString(html.EscapeString(cid))
			for _, v := range []string{store, term, money.FormatTHB(amount), status, money.FormatTHB(refunded), masked} {
				buf.WriteString(`</td><td>`)
				buf.WriteString(html.EscapeString(v))
			}
			buf.WriteString(`</td></tr>`)
		}
		buf.WriteString(`</tbody></table></body></html>`)
		return buf.Len()
	}
	b.ReportAllocs()
	cpuLoop(b, func() {
		if page() == 0 {
			b.Fatal("empty page")
		}
	})
}

// cpuLoop runs f b.N times and reports the process's CPU time (user and
// system, all threads, GC included) per call as cpu-ns/op: on a machine
// shared with other work it moves much less than ns/op does.
func cpuLoop(b *testing.B, f func()) {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	n, t0 := 0, cpu()
	for b.Loop() {
		f()
		n++
	}
	b.ReportMetric(float64(cpu()-t0)/float64(n), "cpu-ns/op")
}
