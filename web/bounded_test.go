package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"instore/db"
	"instore/payments"
	"instore/web"
	"instore/web/webtest"
)

// dbBytes is the database's size on disk once the WAL is folded in.
func dbBytes(t *testing.T, h *webtest.Harness) int64 {
	t.Helper()
	if _, err := h.DB.W.ExecContext(context.Background(), `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, p := range []string{h.DB.Path, h.DB.Path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

func TestOversizeLoginsBarelyGrowTheDatabase(t *testing.T) {
	t.Parallel()
	h := webtest.New(t, behindProxy)
	before := dbBytes(t, h)
	c := h.Anonymous()
	statuses := map[int]int{}
	for i := 0; i < 100; i++ {
		name := fmt.Sprintf("%03d", i) + strings.Repeat("a", 450<<10)
		statuses[tryLogin(t, c, "198.51.100.50", name, "wrong password")]++
	}
	growth := dbBytes(t, h) - before
	t.Logf("100 logins with 450 KB usernames: %v; database grew %d bytes", statuses, growth)
	if growth >= 1<<20 {
		t.Fatalf("database grew %d bytes", growth)
	}
	if statuses[http.StatusTooManyRequests] < 75 {
		t.Fatalf("statuses %v: want most refused", statuses)
	}
	entries, err := h.DB.ListAudit(context.Background(), db.AuditFilter{Action: "login", Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	throttled := 0
	for _, e := range entries {
		if len([]rune(e.Username)) > db.MaxAuditName+len([]rune("…[cut]")) || !strings.HasSuffix(e.Username, "…[cut]") {
			t.Fatalf("audited username not capped: %d characters", len(e.Username))
		}
		if e.Result == "throttled" {
			throttled++
		}
	}
	if len(entries) > 25 || throttled != 1 {
		t.Fatalf("%d audit rows (%d throttled): want one per failure plus one per window", len(entries), throttled)
	}
	res := h.Login("admin").Get("/admin/audit")
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if len(page) > 200<<10 {
		t.Fatalf("/admin/audit is %d bytes", len(page))
	}
	// Once the window is over the counters go, and a summary is logged.
	h.Clock.Advance(16 * time.Minute)
	if err := h.App.Logins().Sweep(context.Background(), h.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := h.DB.R.QueryRow(`SELECT COUNT(*) FROM login_throttle`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("counters left after the sweep: %d %v", left, err)
	}
}

// withBudget gives the app the unsigned-webhook budget main gives it when
// no secret is set.
var withBudget = webtest.Options{Deps: func(d *web.Deps) { d.Payments.UnsignedLookups = payments.NewUnsignedBudget() }}

func simRequests(h *webtest.Harness) int64 {
	var n int64
	for _, v := range h.Sim.Stats().Requests {
		n += v
	}
	return n
}

func postWebhook(t *testing.T, h *webtest.Harness, body []byte, contentType string) (int, http.Header, map[string]any) {
	t.Helper()
	res := h.Anonymous().Request(http.MethodPost, "/webhooks/omise", bytes.NewReader(body), "Content-Type: "+contentType)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || json.Unmarshal(raw, &out) != nil {
		t.Fatalf("status %d answered %q, not JSON: %.200s", res.StatusCode, res.Header.Get("Content-Type"), raw)
	}
	return res.StatusCode, res.Header, out
}

func TestUnsignedOversizeWebhooksAreBudgeted(t *testing.T) {
	t.Parallel()
	h := webtest.New(t, withBudget)
	if h.Config.WebhookSecret != "" {
		t.Fatal("test needs no webhook secret")
	}
	pad := strings.Repeat("x", 900<<10)
	before, calls := dbBytes(t, h), simRequests(h)
	statuses := map[int]int{}
	for i := 0; i < 200; i++ {
		body, _ := json.Marshal(map[string]any{"object": "event", "id": fmt.Sprintf("evnt_test_flood%05d", i), "key": "charge.complete",
			"data": map[string]any{"object": "charge", "id": "chrg_test_nothere"}, "pad": pad})
		st, hdr, out := postWebhook(t, h, body, "application/json")
		statuses[st]++
		if st == http.StatusTooManyRequests && (hdr.Get("Retry-After") == "" || out["result"] != "retry") {
			t.Fatalf("429 without Retry-After or result: %v %v", hdr, out)
		}
	}
	growth, made := dbBytes(t, h)-before, simRequests(h)-calls
	t.Logf("200 unsigned 900 KB webhooks: %v; %d Omise calls (budget %d); database grew %d bytes", statuses, made, payments.UnsignedLookupBurst, growth)
	if growth >= 1<<20 {
		t.Fatalf("database grew %d bytes", growth)
	}
	if made > payments.UnsignedLookupBurst {
		t.Fatalf("%d Omise calls, budget %d", made, payments.UnsignedLookupBurst)
	}
	if statuses[http.StatusOK]+statuses[http.StatusTooManyRequests] != 200 || statuses[http.StatusTooManyRequests] < 100 {
		t.Fatalf("statuses %v", statuses)
	}
	doc := h.Login("admin").Page("/admin/webhooks", http.StatusOK)
	if doc.Find(`[data-testid="webhook-unsigned"]`).Length() != 1 {
		t.Fatal("inbox does not warn that no secret is set")
	}
}

func TestWebhookErrorsAreJSON(t *testing.T) {
	t.Parallel()
	h := webtest.New(t)
	cases := []struct {
		name, contentType string
		body              []byte
		want              int
	}{
		{"5 MB body", "application/json", bytes.Repeat([]byte("x"), 5<<20), http.StatusRequestEntityTooLarge},
		{"just over 1 MiB", "application/json", bytes.Repeat([]byte("x"), 1<<20+1), http.StatusRequestEntityTooLarge},
		{"form body", "application/x-www-form-urlencoded", []byte("a=b"), http.StatusUnsupportedMediaType},
		{"not JSON", "application/json", []byte("{not json"), http.StatusBadRequest},
		{"not an event", "application/json", []byte(`{"object":"charge","id":"chrg_1"}`), http.StatusBadRequest},
		{"id not Omise's shape", "application/json", []byte(`{"object":"event","id":"` + strings.Repeat("e", 200) + `","key":"charge.complete"}`), http.StatusBadRequest},
		{"key not Omise's shape", "application/json", []byte(`{"object":"event","id":"evnt_test_1","key":"<script>"}`), http.StatusBadRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if st, _, _ := postWebhook(t, h, c.body, c.contentType); st != c.want {
				t.Fatalf("status %d, want %d", st, c.want)
			}
		})
	}
}
