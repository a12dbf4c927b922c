package handlers

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/omise"
	"instore/omise/omisehttp"
	"instore/omise/sim"
	"instore/payments"
)

type webhookEnv struct {
	e      *echo.Echo
	svc    *payments.Service
	sim    *sim.Sim
	client *omisehttp.Client
	secret string
}

func newWebhookEnv(t *testing.T) *webhookEnv {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, filepath.Join(t.TempDir(), "wh.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	s := sim.New(sim.Options{WebhooksOff: true})
	srv := httptest.NewServer(s)
	t.Cleanup(func() { srv.Close(); s.Close() })
	cl, err := omisehttp.New(omisehttp.Config{BaseURL: srv.URL, PublicKey: sim.DefaultPublicKey, SecretKey: sim.DefaultSecretKey})
	if err != nil {
		t.Fatal(err)
	}
	svc := &payments.Service{DB: d, Omise: cl}
	secret := base64.StdEncoding.EncodeToString([]byte("webhook-secret-for-tests-0123456"))
	e := echo.New()
	h := &Webhooks{Payments: svc, Secret: secret}
	e.POST("/webhooks/omise", h.Receive)
	return &webhookEnv{e: e, svc: svc, sim: s, client: cl, secret: secret}
}

func (w *webhookEnv) post(t *testing.T, body []byte, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/webhooks/omise", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	w.e.ServeHTTP(rec, req)
	return rec
}

func (w *webhookEnv) paidEvent(t *testing.T) ([]byte, string) {
	t.Helper()
	ctx := context.Background()
	oc, err := w.client.CreateCharge(ctx, omise.CreateChargeParams{Amount: 5000, Currency: "THB",
		InlineSource: &omise.CreateSourceParams{Type: omise.SourceAlipayPlusUPM, Barcode: "28100000000000001234"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.sim.MarkPaid(oc.ID); err != nil {
		t.Fatal(err)
	}
	list, err := w.client.ListEvents(ctx, omise.ListParams{Limit: 100, Order: omise.OrderReverseChronological})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range list.Data {
		if ev.Key == "charge.complete" && ev.ChargeID() == oc.ID {
			b, _ := json.Marshal(map[string]any{"object": "event", "id": ev.ID, "key": ev.Key, "data": json.RawMessage(ev.Data)})
			return b, oc.ID
		}
	}
	t.Fatal("no charge.complete event")
	return nil, ""
}

func signHeaders(t *testing.T, secret string, ts time.Time, body []byte) map[string]string {
	t.Helper()
	sig, err := omise.Sign(secret, ts, body)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"Omise-Signature": sig, "Omise-Signature-Timestamp": strconv.FormatInt(ts.Unix(), 10)}
}

func TestWebhookSignatureCases(t *testing.T) {
	w := newWebhookEnv(t)
	body, chargeID := w.paidEvent(t)
	now := time.Now()
	other := base64.StdEncoding.EncodeToString([]byte("the-previous-secret-before-roll"))
	right := signHeaders(t, w.secret, now, body)
	old := signHeaders(t, other, now, body)
	cases := []struct {
		name string
		hdr  map[string]string
		want int
	}{
		{"missing", nil, http.StatusUnauthorized},
		{"wrong", old, http.StatusUnauthorized},
		{"stale", signHeaders(t, w.secret, now.Add(-10*time.Minute), body), http.StatusUnauthorized},
		{"tampered body", map[string]string{"Omise-Signature": right["Omise-Signature"], "Omise-Signature-Timestamp": strconv.FormatInt(now.Add(time.Second).Unix(), 10)}, http.StatusUnauthorized},
		{"two during rotation", map[string]string{"Omise-Signature": old["Omise-Signature"] + "," + right["Omise-Signature"], "Omise-Signature-Timestamp": right["Omise-Signature-Timestamp"]}, http.StatusOK},
	}
	for _, tc := range cases {
		rec := w.post(t, body, tc.hdr)
		if rec.Code != tc.want {
			t.Errorf("%s: status %d, want %d (%s)", tc.name, rec.Code, tc.want, rec.Body)
		}
	}
	c, err := w.svc.DB.GetCharge(context.Background(), chargeID)
	if err != nil || c.Status != "successful" {
		t.Fatalf("after the valid delivery: %+v %v", c, err)
	}
	// The same event again is a 200 no-op.
	rec := w.post(t, body, right)
	if rec.Code != http.StatusOK || !bytes.Contains(rec.Body.Bytes(), []byte(`"duplicate"`)) {
		t.Fatalf("duplicate: %d %s", rec.Code, rec.Body)
	}
}

func TestWebhookRejectsNonJSONAndHugeBodies(t *testing.T) {
	w := newWebhookEnv(t)
	req := httptest.NewRequest(http.MethodPost, "/webhooks/omise", bytes.NewReader([]byte("a=b")))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	w.e.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnsupportedMediaType {
		t.Fatalf("form body: %d", rec.Code)
	}
	big := bytes.Repeat([]byte("x"), maxWebhookBody+10)
	if rec := w.post(t, big, nil); rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("huge body: %d", rec.Code)
	}
}

func TestWebhookAsksForRetryWhenOmiseIsDown(t *testing.T) {
	w := newWebhookEnv(t)
	body, _ := w.paidEvent(t)
	w.sim.SetFaults(sim.Faults{FailNext5xx: 1})
	now := time.Now()
	if rec := w.post(t, body, signHeaders(t, w.secret, now, body)); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("omise down: %d %s", rec.Code, rec.Body)
	}
	if rec := w.post(t, body, signHeaders(t, w.secret, now, body)); rec.Code != http.StatusOK || !bytes.Contains(rec.Body.Bytes(), []byte(`"applied"`)) {
		t.Fatalf("retry: %d %s", rec.Code, rec.Body)
	}
}
