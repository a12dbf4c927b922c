package omisehttp_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"instore/omise"
	"instore/omise/omisehttp"
	"instore/omise/sim"
)

const (
	testPublicKey = "pkey_test_client"
	testSecretKey = "skey_test_client"
	// simPrefix mounts the simulator below a path, as demo mode does, so
	// every test also proves that a BaseURL with a path prefix works.
	simPrefix = "/sim/omise"
)

// seenRequest is what the wire carried for one call, captured in front of
// the simulator so tests can check encoding, headers and retries.
type seenRequest struct {
	Method, Path, Query string
	Header              http.Header
	Form                url.Values
	User, Password      string
	HasAuth             bool
}

// recorder passes every request on to the simulator after noting it.
type recorder struct {
	next http.Handler
	mu   sync.Mutex
	reqs []seenRequest
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	form, _ := url.ParseQuery(string(body))
	user, pass, ok := r.BasicAuth()
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, seenRequest{
		Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(),
		Form: form, User: user, Password: pass, HasAuth: ok,
	})
	rec.mu.Unlock()
	rec.next.ServeHTTP(w, r)
}

// all returns a copy of the requests seen so far.
func (rec *recorder) all() []seenRequest {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]seenRequest(nil), rec.reqs...)
}

// count returns how many requests had this method and path.
func (rec *recorder) count(method, path string) int {
	n := 0
	for _, r := range rec.all() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// last returns the most recent request.
func (rec *recorder) last(t *testing.T) seenRequest {
	t.Helper()
	all := rec.all()
	if len(all) == 0 {
		t.Fatal("no request reached the simulator")
	}
	return all[len(all)-1]
}

// harness is a simulator behind a real HTTP server plus a client for it.
type harness struct {
	sim     *sim.Sim
	srv     *httptest.Server
	rec     *recorder
	client  *omisehttp.Client
	baseURL string
}

// newHarness starts a simulator with webhooks off and a client with cfg's
// non-zero fields applied on top of working defaults.
func newHarness(t *testing.T, cfg omisehttp.Config) *harness {
	t.Helper()
	s := sim.New(sim.Options{PublicKey: testPublicKey, SecretKey: testSecretKey, WebhooksOff: true})
	rec := &recorder{next: s}
	mux := http.NewServeMux()
	mux.Handle(simPrefix+"/", http.StripPrefix(simPrefix, rec))
	srv := httptest.NewServer(mux)
	// Cleanups run last-in first-out: the simulator releases hanging fault
	// requests before the server waits for them.
	t.Cleanup(srv.Close)
	t.Cleanup(s.Close)
	h := &harness{sim: s, srv: srv, rec: rec, baseURL: srv.URL + simPrefix}
	h.client = h.newClient(t, cfg)
	return h
}

// newClient returns another client for the same simulator.
func (h *harness) newClient(t *testing.T, cfg omisehttp.Config) *omisehttp.Client {
	t.Helper()
	if cfg.BaseURL == "" {
		cfg.BaseURL = h.baseURL + "/" // a trailing slash must not break paths
	}
	if cfg.PublicKey == "" {
		cfg.PublicKey = testPublicKey
	}
	if cfg.SecretKey == "" {
		cfg.SecretKey = testSecretKey
	}
	if cfg.HTTPClient == nil {
		// A client per test keeps idle connections from leaking across tests.
		cfg.HTTPClient = &http.Client{Transport: &http.Transport{}}
		t.Cleanup(cfg.HTTPClient.CloseIdleConnections)
	}
	c, err := omisehttp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// ctx returns a context that ends with the test.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// barcodeCharge is a valid inline barcode_alipay charge tagged with attempt.
func barcodeCharge(amount int64, attempt string) omise.CreateChargeParams {
	return omise.CreateChargeParams{
		Amount:   amount,
		Currency: "THB",
		InlineSource: &omise.CreateSourceParams{
			Type: omise.SourceBarcodeAlipay, Barcode: "281234567890123456",
			StoreID: "store-1", StoreName: "Siam Branch", TerminalID: "POS-01",
		},
		Description: "sale " + attempt,
		Metadata:    map[string]string{"attempt_id": attempt},
	}
}

// mustCharge creates a pending charge or fails the test.
func (h *harness) mustCharge(t *testing.T, amount int64, attempt string) *omise.Charge {
	t.Helper()
	c, err := h.client.CreateCharge(testCtx(t), barcodeCharge(amount, attempt))
	if err != nil {
		t.Fatalf("CreateCharge: %v", err)
	}
	return c
}

// mustPaid creates a charge and marks it paid at the simulator.
func (h *harness) mustPaid(t *testing.T, amount int64, attempt string) *omise.Charge {
	t.Helper()
	c := h.mustCharge(t, amount, attempt)
	if _, err := h.sim.MarkPaid(c.ID); err != nil {
		t.Fatalf("MarkPaid: %v", err)
	}
	return c
}

// noKeys fails when s contains either key.
func noKeys(t *testing.T, what, s string) {
	t.Helper()
	for _, k := range []string{testPublicKey, testSecretKey} {
		if strings.Contains(s, k) {
			t.Errorf("%s leaks a key: %s", what, s)
		}
	}
}
