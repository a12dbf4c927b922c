// Package webtest runs the whole application for tests: a real SQLite file
// in t.TempDir(), the Omise simulator over HTTP, the full router behind an
// httptest.Server, and clients with a cookie jar that log in and send the
// CSRF token like a browser does.
package webtest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/crypto/bcrypt"
	_ "modernc.org/sqlite" // the driver db opens the test database with

	"instore/config"
	"instore/db"
	"instore/db/dbtest"
	"instore/fakeclock"
	"instore/metrics"
	"instore/omise"
	"instore/omise/sim"
	"instore/web"
)

// Password is the password of every seeded user.
const Password = "correct-horse-battery"

// Options adjust the harness before the app is built.
type Options struct {
	Config func(*config.Config) // change the configuration
	Deps   func(*web.Deps)      // change or add dependencies
	Sim    func(*sim.Options)   // change the simulator's options

	// BothEngines opens the database through dbtest.Source: PostgreSQL
	// when INSTORE_TEST_POSTGRES is set. For suites whose promises must
	// hold on either engine (the drills); handler tests stay on SQLite.
	BothEngines bool
}

// Harness is a running application.
type Harness struct {
	T       *testing.T
	DB      *db.DB
	App     *web.App
	Server  *httptest.Server
	Sim     *sim.Sim
	Clock   *fakeclock.Clock // the app's and the simulator's
	Metrics *metrics.M
	Config  config.Config
}

// Seeded stores, terminals and users (password Password): admin (no
// store), manager, cashier and finance of store_1234, and manager2 of
// store_5678.
var (
	Stores = []db.Store{
		{StoreID: "store_1234", StoreName: "Some Store", Methods: []string{omise.SourceBarcodeAlipay}, ConfirmAbove: db.DefaultConfirmAbove},
		{StoreID: "store_5678", StoreName: "ร้านที่สอง", Methods: []string{omise.SourceAlipayPlusUPM}, ConfirmAbove: db.DefaultConfirmAbove},
	}
	Terminals = []db.Terminal{
		{StoreID: "store_1234", TerminalID: "POS-01", Label: "Front"},
		{StoreID: "store_1234", TerminalID: "POS-02", Label: "Back"},
		{StoreID: "store_5678", TerminalID: "POS-01", Label: ""},
	}
	Users = []db.NewUser{
		{Username: "admin", Role: db.RoleAdmin},
		{Username: "manager", Role: db.RoleManager, StoreID: "store_1234"},
		{Username: "cashier", Role: db.RoleCashier, StoreID: "store_1234"},
		{Username: "finance", Role: db.RoleFinance, StoreID: "store_1234"},
		{Username: "manager2", Role: db.RoleManager, StoreID: "store_5678"},
	}
)

var seedActor = db.Actor{Username: "webtest", Role: "system"}

// New starts the application with seeded data; everything stops at the
// end of the test.
func New(t *testing.T, opts ...Options) *Harness {
	t.Helper()
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "instore.db")
	for _, o := range opts {
		if o.BothEngines {
			src = dbtest.Source(t, "instore.db")
		}
	}
	d, err := db.Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	// Seeded hashes use bcrypt's minimum cost so logging in many times stays fast.
	hash, err := bcrypt.GenerateFromPassword([]byte(Password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range Stores {
		if _, err := d.CreateStore(ctx, seedActor, s); err != nil {
			t.Fatal(err)
		}
	}
	for _, tm := range Terminals {
		if _, err := d.CreateTerminal(ctx, seedActor, tm); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range Users {
		u.PasswordHash = string(hash)
		if _, err := d.CreateUser(ctx, seedActor, u); err != nil {
			t.Fatal(err)
		}
	}

	h := &Harness{T: t, DB: d, Clock: fakeclock.At(time.Now()), Metrics: metrics.New()}
	cfg, err := config.Parse(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBPath = d.Path
	for _, o := range opts {
		if o.Config != nil {
			o.Config(&cfg)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	}

	// The simulator answers over real HTTP, as Omise would.
	so := sim.Options{PublicKey: cfg.PublicKey, SecretKey: cfg.SecretKey, Logger: log, Now: h.Clock.Now}
	for _, o := range opts {
		if o.Sim != nil {
			o.Sim(&so)
		}
	}
	h.Sim = sim.New(so)
	t.Cleanup(h.Sim.Close)
	simSrv := httptest.NewServer(h.Sim)
	t.Cleanup(simSrv.Close)
	cfg.APIURL = simSrv.URL
	work, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	w, err := web.Wire(web.Parts{Config: cfg, DB: d, Metrics: h.Metrics, Log: log, Now: h.Clock.Now, Sim: h.Sim,
		BarcodeKey: []byte("webtest-barcode-key-0123456789ab"), Work: work,
		Adjust: func(deps *web.Deps) {
			// Tests post many unsigned webhooks; the ones about the budget
			// ask for it (web's withBudget).
			deps.Payments.UnsignedLookups = nil
			for _, o := range opts {
				if o.Deps != nil {
					o.Deps(deps)
				}
			}
			h.Config = deps.Config
		}})
	if err != nil {
		t.Fatal(err)
	}
	h.App = w.App
	h.Server = httptest.NewServer(h.App)
	t.Cleanup(func() {
		// A browser still open (its cleanup runs later) holds streaming
		// connections such as /live: end the background work and cut every
		// connection so Close does not wait for them forever.
		stop()
		h.Server.CloseClientConnections()
		h.Server.Close()
	})
	return h
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Client is a browser: a cookie jar, no automatic redirects, and the CSRF
// token of its current session.
type Client struct {
	*http.Client
	h    *Harness
	csrf string
}

// Anonymous returns a client that is not logged in.
func (h *Harness) Anonymous() *Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		h.T.Fatal(err)
	}
	return &Client{h: h, Client: &http.Client{
		Jar:           jar,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Login returns a client logged in as username (a seeded user, or one
// created with Password), failing the test if login does not succeed.
func (h *Harness) Login(username string) *Client {
	h.T.Helper()
	c := h.Anonymous()
	res := c.PostForm("/login", url.Values{"username": {username}, "password": {Password}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		h.T.Fatalf("login %s: status %d", username, res.StatusCode)
	}
	return c
}

// URL is the absolute URL of path on the test server.
func (h *Harness) URL(path string) string { return h.Server.URL + path }

// Request sends method to path with the headers given as "Name: value".
func (c *Client) Request(method, path string, body io.Reader, headers ...string) *http.Response {
	c.h.T.Helper()
	req, err := http.NewRequest(method, c.h.URL(path), body)
	if err != nil {
		c.h.T.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	for _, hv := range headers {
		k, v, _ := strings.Cut(hv, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	res, err := c.Do(req)
	if err != nil {
		c.h.T.Fatalf("%s %s: %v", method, path, err)
	}
	if method == http.MethodPost && (strings.HasPrefix(path, "/login") || strings.HasPrefix(path, "/logout") || strings.HasPrefix(path, "/account/password")) {
		c.csrf = "" // the session was replaced: fetch the new token next time
	}
	return res
}

// Get sends GET path as a browser navigation (Accept: text/html).
func (c *Client) Get(path string, headers ...string) *http.Response {
	c.h.T.Helper()
	return c.Request(http.MethodGet, path, nil, headers...)
}

// GetJSON sends GET path with Accept: application/json.
func (c *Client) GetJSON(path string) *http.Response {
	c.h.T.Helper()
	return c.Request(http.MethodGet, path, nil, "Accept: application/json")
}

// Page GETs path and parses the HTML, failing unless the status is want.
func (c *Client) Page(path string, want int) *goquery.Document {
	c.h.T.Helper()
	return c.h.Doc(c.Get(path), want)
}

// Doc parses an HTML response, failing the test unless its status is want.
func (h *Harness) Doc(res *http.Response, want int) *goquery.Document {
	h.T.Helper()
	defer res.Body.Close()
	if res.StatusCode != want {
		b, _ := io.ReadAll(res.Body)
		h.T.Fatalf("%s %s: status %d, want %d\n%.2000s", res.Request.Method, res.Request.URL.Path, res.StatusCode, want, b)
	}
	doc, err := goquery.NewDocumentFromReader(res.Body)
	if err != nil {
		h.T.Fatal(err)
	}
	return doc
}

// CSRF returns the session's token as pages show it in
// <meta name="csrf-token">, fetching a page when not known yet.
func (c *Client) CSRF() string {
	c.h.T.Helper()
	if c.csrf != "" {
		return c.csrf
	}
	follow := &http.Client{Jar: c.Jar, Timeout: c.Timeout}
	res, err := follow.Get(c.h.URL("/login"))
	if err != nil {
		c.h.T.Fatal(err)
	}
	defer res.Body.Close()
	doc, err := goquery.NewDocumentFromReader(res.Body)
	if err != nil {
		c.h.T.Fatal(err)
	}
	c.csrf = doc.Find(`meta[name="csrf-token"]`).AttrOr("content", "")
	if c.csrf == "" {
		c.h.T.Fatal("no csrf-token meta tag on the page")
	}
	return c.csrf
}

// PostForm POSTs form to path with the session's CSRF token added.
func (c *Client) PostForm(path string, form url.Values, headers ...string) *http.Response {
	c.h.T.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	if _, set := f["_csrf"]; !set {
		f.Set("_csrf", c.CSRF())
	}
	headers = append([]string{"Content-Type: application/x-www-form-urlencoded"}, headers...)
	return c.Request(http.MethodPost, path, strings.NewReader(f.Encode()), headers...)
}

// PostFormRaw POSTs form exactly as given (no token added).
func (c *Client) PostFormRaw(path string, form url.Values, headers ...string) *http.Response {
	c.h.T.Helper()
	headers = append([]string{"Content-Type: application/x-www-form-urlencoded"}, headers...)
	return c.Request(http.MethodPost, path, strings.NewReader(form.Encode()), headers...)
}

// Cookie returns the value of the named cookie the client holds.
func (c *Client) Cookie(name string) string {
	u, _ := url.Parse(c.h.Server.URL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// SetCookie replaces the named cookie in the client's jar.
func (c *Client) SetCookie(name, value string) {
	u, _ := url.Parse(c.h.Server.URL)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// Scenario is one request against an application of its own: who sends
// it, what, and what must come back (the shape of PocketBase's route
// tests). Scenarios share nothing, so Run runs each in parallel.
type Scenario struct {
	Name    string
	Method  string // default GET
	Path    string
	Role    string     // a seeded username; "" is an anonymous visitor
	Form    url.Values // sent as a form with the session's CSRF token (POST)
	Headers []string   // "Name: value"
	// Setup, when set, runs on the fresh application before the request.
	Setup func(t *testing.T, h *Harness)
	// Status is the status wanted; Contains the fragments the body must
	// hold and Lacks those it must not.
	Status   int
	Contains []string
	Lacks    []string
	Options  []Options
}

// Run runs s as a parallel subtest of t.
func (s Scenario) Run(t *testing.T) {
	t.Helper()
	name := s.Name
	if name == "" {
		name = strings.TrimSpace(s.Method+" "+s.Path) + " as " + s.Role
	}
	t.Run(name, func(t *testing.T) {
		t.Parallel()
		h := New(t, s.Options...)
		if s.Setup != nil {
			s.Setup(t, h)
		}
		c := h.Anonymous()
		if s.Role != "" {
			c = h.Login(s.Role)
		}
		var res *http.Response
		switch {
		case s.Form != nil || s.Method == http.MethodPost:
			res = c.PostForm(s.Path, s.Form, s.Headers...)
		case s.Method == "":
			res = c.Get(s.Path, s.Headers...)
		default:
			res = c.Request(s.Method, s.Path, nil, s.Headers...)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != s.Status {
			t.Fatalf("status %d, want %d\n%.1500s", res.StatusCode, s.Status, body)
		}
		for _, f := range s.Contains {
			if !strings.Contains(string(body), f) {
				t.Errorf("body lacks %q\n%.1500s", f, body)
			}
		}
		for _, f := range s.Lacks {
			if strings.Contains(string(body), f) {
				t.Errorf("body holds %q", f)
			}
		}
	})
}
