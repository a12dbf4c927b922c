package drills

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"instore/config"
	"instore/db"
	"instore/db/dbtest"
	"instore/fakeclock"
	"instore/metrics"
	"instore/omise"
	"instore/omise/omisehttp"
	"instore/omise/sim"
	"instore/payments"
	"instore/web"
)

// webhookSecret is the base64 secret the drills' simulator signs with.
const webhookSecret = "ZHJpbGwtd2ViaG9vay1zZWNyZXQtMzItYnl0ZXMhIQ=="

// env is the product's domain over a real SQLite file and the simulator
// over HTTP, with the simulator's signed webhooks delivered to the
// product's webhook handler.
type env struct {
	t      *testing.T
	ctx    context.Context
	db     *db.DB
	sim    *sim.Sim
	client *omisehttp.Client
	svc    *payments.Service
	clock  *fakeclock.Clock // the service's; the simulator keeps real time
	hook   *httptest.Server

	refused atomic.Int64 // drill deliveries refused for their signature
}

type envOpts struct {
	webhooks      bool
	clientTimeout time.Duration
}

func newEnv(t *testing.T, o envOpts) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), clock: fakeclock.Running()}
	d, err := db.Open(e.ctx, dbtest.Source(t, "drill.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	e.db = d
	// The simulator needs the endpoint's URL before the service exists.
	var endpoint http.Handler
	e.hook = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { endpoint.ServeHTTP(w, r) }))
	hookURL := e.hook.URL + "/webhooks/omise"
	t.Cleanup(e.hook.Close)
	so := sim.Options{Logger: quiet()}
	if o.webhooks {
		so.WebhookURL = hookURL
		so.WebhookSecret = webhookSecret
		so.WebhookRetryBase = 20 * time.Millisecond
		so.WebhookMaxAttempts = 3
	}
	e.sim = sim.New(so)
	t.Cleanup(e.sim.Close)
	srv := httptest.NewServer(e.sim)
	t.Cleanup(srv.Close)
	if o.clientTimeout == 0 {
		o.clientTimeout = 5 * time.Second
	}
	e.client, err = omisehttp.New(omisehttp.Config{BaseURL: srv.URL, PublicKey: sim.DefaultPublicKey, SecretKey: sim.DefaultSecretKey, Timeout: o.clientTimeout})
	if err != nil {
		t.Fatal(err)
	}
	// The product, wired as the binary wires it; the drills reach it
	// through its service and its webhook route.
	cfg, err := config.Parse(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBPath, cfg.APIURL, cfg.WebhookSecret = d.Path, srv.URL, webhookSecret
	cfg.PublicKey, cfg.SecretKey = sim.DefaultPublicKey, sim.DefaultSecretKey
	work, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	w, err := web.Wire(web.Parts{Config: cfg, DB: d, Metrics: metrics.New(), Log: quiet(), Now: e.clock.Now,
		OmiseTimeout: o.clientTimeout, BarcodeKey: []byte("drill-barcode-key"), Work: work})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = w.Payments
	endpoint = w.App
	return e
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// postWebhook sends body to the endpoint, signed with secret (or with a
// signature that does not match when secret is "").
func (e *env) postWebhook(body []byte, secret string) int {
	e.t.Helper()
	now := time.Now()
	sig := "00" + fmt.Sprintf("%062x", now.UnixNano())
	if secret != "" {
		var err error
		if sig, err = omise.Sign(secret, now, body); err != nil {
			e.t.Fatal(err)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, e.hook.URL+"/webhooks/omise", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(omise.HeaderSignature, sig)
	req.Header.Set(omise.HeaderSignatureTimestamp, fmt.Sprint(now.Unix()))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized {
		e.refused.Add(1)
	}
	return resp.StatusCode
}

// waitWebhooksQuiet waits until the simulator has made no delivery attempt
// for quiet, or until limit.
func (e *env) waitWebhooksQuiet(quiet, limit time.Duration) {
	deadline := time.Now().Add(limit)
	last, since := int64(-1), time.Now()
	for time.Now().Before(deadline) {
		n := e.sim.Stats().WebhookAttempts + int64(len(e.sim.Deliveries()))
		if n != last {
			last, since = n, time.Now()
		} else if time.Since(since) >= quiet {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// createCharge makes a pending charge at the simulator as another till would.
func (e *env) createCharge(i int, amount int64, meta map[string]string) *omise.Charge {
	e.t.Helper()
	oc, err := e.client.CreateCharge(e.ctx, omise.CreateChargeParams{Amount: amount, Currency: "THB", Metadata: meta,
		InlineSource: &omise.CreateSourceParams{Type: omise.SourceBarcodeAlipay, Barcode: fmt.Sprintf("28%012d0000", i),
			StoreID: "S1", StoreName: "Drill Store", TerminalID: "T1"}})
	if err != nil {
		e.t.Fatal(err)
	}
	return oc
}

// omiseCharges lists every charge the simulator holds.
func (e *env) omiseCharges() []omise.Charge {
	e.t.Helper()
	var out []omise.Charge
	for off := 0; ; {
		page, err := e.client.ListCharges(e.ctx, omise.ListParams{Offset: off, Limit: 100, Order: omise.OrderChronological})
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, page.Data...)
		off += len(page.Data)
		if len(page.Data) == 0 || off >= page.Total {
			return out
		}
	}
}

// syncer is the background syncer as main wires it, run pass by pass.
func (e *env) syncer() *payments.Syncer {
	return &payments.Syncer{Svc: e.svc, Interval: time.Second,
		Extra: []func(context.Context) error{e.svc.ResolveUnknownAttempts, e.svc.ExpireStaleTillCharges}}
}

// pass runs one syncer pass; errors are reported, not fatal (a pass meets
// faults on purpose in some drills).
func (e *env) pass() {
	if err := e.syncer().Pass(e.ctx); err != nil {
		e.t.Logf("syncer pass: %v", err)
	}
}

// sameAsOmise fails the test for every local charge field that differs
// from Omise's charge.
func (e *env) sameAsOmise(oc *omise.Charge) {
	e.t.Helper()
	c, err := e.db.GetCharge(e.ctx, oc.ID)
	if err != nil {
		e.t.Errorf("charge %s: not stored locally: %v", oc.ID, err)
		return
	}
	if c.Status != string(oc.Status) || c.Amount != oc.Amount || c.RefundedAmount != oc.RefundedAmount ||
		c.Fee != oc.Fee || c.FeeVat != oc.FeeVat || c.Net != oc.Net || c.FailureCode != deref(oc.FailureCode) {
		e.t.Errorf("charge %s: local %s amount=%d refunded=%d fee=%d/%d net=%d code=%q; Omise %s amount=%d refunded=%d fee=%d/%d net=%d code=%q",
			oc.ID, c.Status, c.Amount, c.RefundedAmount, c.Fee, c.FeeVat, c.Net, c.FailureCode,
			oc.Status, oc.Amount, oc.RefundedAmount, oc.Fee, oc.FeeVat, oc.Net, deref(oc.FailureCode))
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
