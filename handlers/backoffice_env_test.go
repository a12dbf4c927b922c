package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"instore/config"
	"instore/db"
	"instore/fakeclock"
	"instore/metrics"
	"instore/omise"
	"instore/omise/omisehttp"
	"instore/omise/sim"
	"instore/payments"
	"instore/web"
)

// boEnv is the whole application (web.Wire: sessions, CSRF, roles) over a
// real SQLite file, with the Omise simulator over HTTP and one clock for
// both.
type boEnv struct {
	t      *testing.T
	db     *db.DB
	sim    *sim.Sim
	client *omisehttp.Client
	svc    *payments.Service
	srv    *httptest.Server
	conns  *connTracker
	clock  *fakeclock.Clock // the app's and the simulator's
}

const boPassword = "correct horse battery staple"

func newBOEnv(t *testing.T) *boEnv {
	t.Helper()
	ctx := context.Background()
	e := &boEnv{t: t, clock: fakeclock.Running()}
	d, err := db.Open(ctx, filepath.Join(t.TempDir(), "backoffice.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	e.db = d
	e.sim = sim.New(sim.Options{Now: e.clock.Now})
	simSrv := httptest.NewServer(e.sim)
	t.Cleanup(func() { simSrv.Close(); e.sim.Close() })
	e.client, err = omisehttp.New(omisehttp.Config{BaseURL: simSrv.URL, PublicKey: sim.DefaultPublicKey, SecretKey: sim.DefaultSecretKey, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	sys := db.Actor{Username: "test"}
	for _, s := range []db.Store{{StoreID: "store_1", StoreName: "ร้านกาแฟ", Methods: []string{omise.SourceBarcodeAlipay}},
		{StoreID: "store_2", StoreName: "Other", Methods: []string{omise.SourceBarcodeAlipay}}} {
		if _, err := d.CreateStore(ctx, sys, s); err != nil {
			t.Fatal(err)
		}
	}
	for _, term := range []db.Terminal{{StoreID: "store_1", TerminalID: "T1", Label: "Front"}, {StoreID: "store_1", TerminalID: "T2"},
		{StoreID: "store_2", TerminalID: "T1"}} {
		if _, err := d.CreateTerminal(ctx, sys, term); err != nil {
			t.Fatal(err)
		}
	}
	hash, err := db.HashPassword(boPassword)
	if err != nil {
		t.Fatal(err)
	}
	for _, nu := range []db.NewUser{
		{Username: "manager", Role: db.RoleManager, StoreID: "store_1"},
		{Username: "manager2", Role: db.RoleManager, StoreID: "store_2"},
		{Username: "finance", Role: db.RoleFinance, StoreID: "store_1"},
		{Username: "cashier", Role: db.RoleCashier, StoreID: "store_1"},
		{Username: "admin", Role: db.RoleAdmin},
	} {
		nu.PasswordHash = hash
		if _, err := d.CreateUser(ctx, sys, nu); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := config.Parse(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBPath, cfg.APIURL = d.Path, simSrv.URL
	w, err := web.Wire(web.Parts{Config: cfg, DB: d, Metrics: metrics.New(), Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: e.clock.Now, BarcodeKey: []byte("test"), Work: ctx,
		// The webhook tests here are not about the unsigned budget.
		Adjust: func(deps *web.Deps) { deps.Payments.UnsignedLookups = nil }})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = w.Payments
	e.srv = httptest.NewUnstartedServer(w.App)
	e.conns = &connTracker{Listener: e.srv.Listener, open: map[net.Conn]struct{}{}}
	e.srv.Listener = e.conns
	e.srv.Start()
	// Live streams never end by themselves: cut them so Close can return.
	t.Cleanup(func() { e.dropConnections(); e.srv.Close() })
	return e
}

// dropConnections cuts every connection the server accepted, as a network
// failure would. httptest's CloseClientConnections alone would miss the
// live streams: the broker takes them over from the server (hijack).
func (e *boEnv) dropConnections() {
	e.srv.CloseClientConnections()
	e.conns.closeAll()
}

// connTracker remembers every accepted connection so a test can cut them.
type connTracker struct {
	net.Listener
	mu   sync.Mutex
	open map[net.Conn]struct{}
}

func (l *connTracker) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.mu.Lock()
		l.open[c] = struct{}{}
		l.mu.Unlock()
	}
	return c, err
}

func (l *connTracker) closeAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for c := range l.open {
		c.Close()
		delete(l.open, c)
	}
}

// charge makes a charge at the simulator for store/terminal, completes it
// as status says (pending leaves it open) and stores it.
func (e *boEnv) charge(store, terminal string, amount int64, status omise.ChargeStatus) *db.Charge {
	e.t.Helper()
	ctx := context.Background()
	oc, err := e.client.CreateCharge(ctx, omise.CreateChargeParams{Amount: amount, Currency: "THB",
		Metadata: map[string]string{payments.MetaStoreID: store, payments.MetaTerminalID: terminal, payments.MetaCashier: "somchai"},
		InlineSource: &omise.CreateSourceParams{Type: omise.SourceBarcodeAlipay, Barcode: "2810000000000005678",
			StoreID: store, StoreName: "Shop", TerminalID: terminal}})
	if err != nil {
		e.t.Fatal(err)
	}
	switch status {
	case omise.StatusSuccessful:
		_, err = e.sim.MarkPaid(oc.ID)
	case omise.StatusFailed:
		_, err = e.sim.MarkFailed(oc.ID, omise.FailureInsufficientBalance)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	applied, err := e.svc.SyncCharge(ctx, oc.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return applied.Charge
}

// boClient is one browser: a cookie jar, redirects not followed, and the
// CSRF token of the last page read.
type boClient struct {
	t    *testing.T
	base string
	hc   *http.Client
	csrf string
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)"`)

func (e *boEnv) anonymous() *boClient {
	jar, _ := cookiejar.New(nil)
	return &boClient{t: e.t, base: e.srv.URL, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// login logs username in and reads a fresh CSRF token.
func (e *boEnv) login(username string) *boClient {
	e.t.Helper()
	c := e.anonymous()
	c.get("/login")
	if code, body := c.post("/login", url.Values{"username": {username}, "password": {boPassword}}); code != http.StatusSeeOther {
		e.t.Fatalf("login %s: %d %.300s", username, code, body)
	}
	c.get("/")
	return c
}

func (c *boClient) do(req *http.Request) (int, string) {
	c.t.Helper()
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if m := csrfMeta.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	return res.StatusCode, string(b)
}

func (c *boClient) get(path string, hdr ...string) (int, string) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return c.do(req)
}

// post sends a form with the client's CSRF token (unless form has one).
func (c *boClient) post(path string, form url.Values, hdr ...string) (int, string) {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["_csrf"]; !ok {
		form.Set("_csrf", c.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return c.do(req)
}

// extractor returns a function giving the first group of expr in a page.
func extractor(expr string) func(string) string {
	re := regexp.MustCompile(expr)
	return func(s string) string {
		if m := re.FindStringSubmatch(s); m != nil {
			return m[1]
		}
		return ""
	}
}
