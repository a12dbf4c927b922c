package handlers_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"instore/config"
	"instore/db"
	"instore/money"
	"instore/omise"
	"instore/omise/omisehttp"
	"instore/omise/sim"
	"instore/payments"
	"instore/web"
)

// benchRows is the size of the /charges benchmark's database.
const benchRows = 1_000_000

// benchStart is the creation time of the oldest seeded charge; one more
// charge every 30 s after it (about 347 days for a million).
var benchStart = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// benchCharge is the i-th seeded charge: 2 stores × 4 terminals, 90%
// successful (every 25th partly refunded), 6% failed, 3.9% expired, 0.1%
// pending. Newer charges have larger i.
func benchCharge(i int, c *db.Charge) {
	c.ID = fmt.Sprintf("chrg_bench_%07d", i)
	c.CreatedAt = benchStart.Add(time.Duration(i) * 30 * time.Second)
	c.BkkDay = payments.BusinessDay(c.CreatedAt)
	c.StoreID = []string{"store_1", "store_2"}[i%2]
	c.TerminalID = fmt.Sprintf("T%d", 1+i/2%4)
	c.Amount = money.MinCharge + int64(i%5000)*100
	c.Fee = c.Amount * 365 / 10000
	c.FeeVat = c.Fee * 7 / 100
	c.Net = c.Amount - c.Fee - c.FeeVat
	c.SourceType = "barcode_alipay"
	c.BarcodeMasked = fmt.Sprintf("28••••••••••••%04d", i%10000)
	c.AttemptID = fmt.Sprintf("att_%07d", i)
	c.Cashier = "cashier"
	switch r := i % 1000; {
	case r < 60:
		c.Status, c.FailureCode, c.FailureMessage = "failed", "insufficient_balance", "insufficient balance"
	case r < 99:
		c.Status = "expired"
		c.ExpiredAt = &c.CreatedAt
	case r < 100:
		c.Status = "pending"
	default:
		c.Status = "successful"
		c.PaidAt = &c.CreatedAt
		if i%25 == 0 {
			c.RefundedAmount = c.Amount / 2
		}
	}
}

// benchDB returns a database with benchRows charges, built once and kept
// in the temp directory for later runs (delete it to rebuild).
func benchDB(b *testing.B) string {
	b.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("instore-bench-charges-%d-v2.db", benchRows))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	ctx := context.Background()
	tmp := path + ".building"
	os.Remove(tmp)
	d, err := db.Open(ctx, tmp)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := d.SeedCharges(ctx, benchRows, benchCharge); err != nil {
		b.Fatal(err)
	}
	sys := db.Actor{Username: "bench"}
	for _, s := range []string{"store_1", "store_2"} {
		if _, err := d.CreateStore(ctx, sys, db.Store{StoreID: s, StoreName: "Store " + s, Methods: []string{omise.SourceBarcodeAlipay}}); err != nil {
			b.Fatal(err)
		}
		for t := 1; t <= 4; t++ {
			if _, err := d.CreateTerminal(ctx, sys, db.Terminal{StoreID: s, TerminalID: fmt.Sprintf("T%d", t)}); err != nil {
				b.Fatal(err)
			}
		}
	}
	hash, _ := db.HashPassword(boPassword)
	for _, nu := range []db.NewUser{{Username: "admin", Role: db.RoleAdmin}, {Username: "manager", Role: db.RoleManager, StoreID: "store_1"}} {
		nu.PasswordHash = hash
		if _, err := d.CreateUser(ctx, sys, nu); err != nil {
			b.Fatal(err)
		}
	}
	d.Close()
	b.Logf("built %d charges in %s", benchRows, time.Since(start).Round(time.Second))
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Rename(tmp+suffix, path+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			b.Fatal(err)
		}
	}
	return path
}

// BenchmarkChargesPage1M measures GET /charges through the whole
// application (session, roles, query, totals, templ) over a million
// charges: the first page and a page 99% deep, for an admin (every store)
// and a store manager, plus the other filter shapes. It reports the p50
// and p99 latency of the requests it made. It takes a few minutes the
// first time (building the database), so run it on purpose:
//
//	go test ./handlers/ -run '^$' -bench ChargesPage1M -benchtime 300x -timeout 30m
func BenchmarkChargesPage1M(b *testing.B) {
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
	users := map[string]*boClient{}
	for _, u := range []string{"admin", "manager"} {
		jar, _ := cookiejar.New(nil)
		c := &boClient{base: srv.URL, hc: &http.Client{Jar: jar, Timeout: time.Minute,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
		users[u] = benchLogin(b, c, u)
	}

	var deep db.Charge
	benchCharge(benchRows/100, &deep) // 99% of the way down the newest-first list
	cur := url.QueryEscape(db.ChargeCursor(&deep))
	day := payments.BusinessDay(benchStart.Add(200 * 24 * time.Hour))
	month := day[:7]
	cases := []struct{ name, user, path string }{
		{"admin_first", "admin", "/charges"},
		{"admin_deep", "admin", "/charges?cursor=" + cur},
		{"manager_first", "manager", "/charges"},
		{"manager_deep", "manager", "/charges?cursor=" + cur},
		{"failed_first", "admin", "/charges?status=failed"},
		{"failed_deep", "admin", "/charges?status=failed&cursor=" + cur},
		{"terminal_day", "manager", "/charges?terminal=T2&from=" + day + "&to=" + day},
		{"last4_search", "admin", "/charges?q=1234"},
		{"id_search", "admin", "/charges?q=chrg_bench_0500000"},
		{"pending_first", "admin", "/charges?status=pending"},
		{"amount_range_first", "admin", "/charges?min=20&max=25"},
		{"amount_range_month", "admin", "/charges?min=20&max=25&from=" + month + "-01&to=" + month + "-30"},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			c := users[tc.user]
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				res, err := c.hc.Get(srv.URL + tc.path)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				lat = append(lat, time.Since(t0))
				if res.StatusCode != http.StatusOK {
					b.Fatalf("%s: %s", tc.path, res.Status)
				}
			}
			b.StopTimer()
			slices.Sort(lat)
			ms := func(q float64) float64 {
				return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))].Microseconds()) / 1000
			}
			b.ReportMetric(ms(0.50), "p50_ms")
			b.ReportMetric(ms(0.99), "p99_ms")
		})
	}
}

// benchLogin logs a user in without a *testing.T.
func benchLogin(b *testing.B, c *boClient, username string) *boClient {
	b.Helper()
	get := func(p string) {
		res, err := c.hc.Get(c.base + p)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if m := csrfMeta.FindSubmatch(body); m != nil {
			c.csrf = string(m[1])
		}
	}
	get("/login")
	res, err := c.hc.PostForm(c.base+"/login", url.Values{"username": {username}, "password": {boPassword}, "_csrf": {c.csrf}})
	if err != nil {
		b.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		b.Fatalf("login %s: %s", username, res.Status)
	}
	return c
}
