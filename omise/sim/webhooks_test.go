package sim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// receiver is a webhook endpoint that records what it gets.
type receiver struct {
	mu     sync.Mutex
	got    []received
	status []int // answers in turn; 200 once exhausted
	srv    *httptest.Server
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, status ...int) *receiver {
	rc := &receiver{status: status}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, received{r.Header.Clone(), b})
		code := 200
		if len(rc.status) > 0 {
			code, rc.status = rc.status[0], rc.status[1:]
		}
		rc.mu.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) all() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

func (rc *receiver) count() int { return len(rc.all()) }

// eventID is the id of the i-th event received.
func (rc *receiver) eventID(i int) string {
	var ev struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(rc.all()[i].body, &ev)
	return ev.ID
}

// verify is an independent Omise-Signature check: hex HMAC-SHA256 over
// "<timestamp>.<body>" with the base64-decoded secret.
func verify(secretB64 string, h http.Header, body []byte) bool {
	key, err := base64.StdEncoding.DecodeString(secretB64)
	if err != nil {
		return false
	}
	ts := h.Get("Omise-Signature-Timestamp")
	if ts == "" {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(ts + "." + string(body)))
	want := mac.Sum(nil)
	got, err := hex.DecodeString(h.Get("Omise-Signature"))
	return err == nil && hmac.Equal(got, want)
}

type eventBody struct {
	Object            string            `json:"object"`
	ID                string            `json:"id"`
	Key               string            `json:"key"`
	WebhookDeliveries []json.RawMessage `json:"webhook_deliveries"`
	Data              struct {
		Object string `json:"object"`
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"data"`
}

func TestWebhookSigned(t *testing.T) {
	secret := base64.StdEncoding.EncodeToString([]byte("a webhook secret of 32 bytes!!!!"))
	rc := newReceiver(t)
	h := newHarness(t, Options{WebhookURL: rc.srv.URL, WebhookSecret: secret})
	id := h.charge(5000, "1234567890")
	h.must(h.post("/charges/"+id+"/mark_as_paid", nil), 200)
	waitFor(t, "2 deliveries", func() bool { return rc.count() == 2 })

	var evIDs []string
	for i, want := range []struct{ key, status string }{{"charge.create", "pending"}, {"charge.complete", "successful"}} {
		got := rc.all()[i]
		if !verify(secret, got.header, got.body) {
			t.Fatalf("delivery %d: signature does not verify", i)
		}
		if verify(base64.StdEncoding.EncodeToString([]byte("another secret")), got.header, got.body) {
			t.Fatal("a wrong secret verifies")
		}
		if ct := got.header.Get("Content-Type"); ct != "application/json" {
			t.Fatalf("Content-Type %q", ct)
		}
		var ev eventBody
		if err := json.Unmarshal(got.body, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Object != "event" || ev.Key != want.key || ev.Data.ID != id || ev.Data.Status != want.status || ev.WebhookDeliveries == nil || len(ev.WebhookDeliveries) != 0 {
			t.Fatalf("delivery %d: %s", i, got.body)
		}
		evIDs = append(evIDs, ev.ID)
	}
	waitFor(t, "deliveries recorded", func() bool { return len(h.sim.Deliveries()) == 2 })
	for _, d := range h.sim.Deliveries() {
		if d.StatusCode != 200 || d.Attempt != 1 || d.Error != "" || d.URL != rc.srv.URL {
			t.Fatalf("delivery %+v", d)
		}
	}
	e := h.must(h.get("/events/"+evIDs[0]), 200)
	wd := e.body["webhook_deliveries"].([]any)
	if len(wd) != 1 {
		t.Fatalf("webhook_deliveries %v", wd)
	}
	d := wd[0].(map[string]any)
	if d["object"] != "webhook_delivery" || num(d["status"]) != 200 || d["key"] != "charge.create" || d["payload"] != string(rc.all()[0].body) || d["error"] != nil {
		t.Fatalf("webhook_delivery %v", d)
	}
	if _, err := time.Parse("2006-01-02 15:04:05 UTC", d["created_at"].(string)); err != nil {
		t.Fatalf("created_at %v", d["created_at"])
	}
}

func TestWebhookRetries(t *testing.T) {
	rc := newReceiver(t, 500, 503)
	h := newHarness(t, Options{WebhookURL: rc.srv.URL, WebhookRetryBase: 10 * time.Millisecond})
	h.charge(5000, "1234567890")
	waitFor(t, "3 attempts", func() bool { return len(h.sim.Deliveries()) == 3 })
	var got [][2]int
	for _, d := range h.sim.Deliveries() {
		got = append(got, [2]int{d.Attempt, d.StatusCode})
	}
	if got[0] != [2]int{1, 500} || got[1] != [2]int{2, 503} || got[2] != [2]int{3, 200} {
		t.Fatalf("attempts %v", got)
	}
	if rc.count() != 3 {
		t.Fatalf("received %d", rc.count())
	}
	if st := h.sim.Stats(); st.WebhookAttempts != 3 || st.WebhookFailures != 2 {
		t.Fatalf("stats %+v", st)
	}

	// Nothing listens: every attempt fails with an error, up to the maximum.
	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL
	dead.Close()
	h2 := newHarness(t, Options{WebhookURL: url, WebhookRetryBase: 5 * time.Millisecond, WebhookMaxAttempts: 3})
	h2.charge(5000, "1234567890")
	waitFor(t, "3 failed attempts", func() bool { return len(h2.sim.Deliveries()) == 3 })
	// A fence behind the third attempt: once it is recorded, the third
	// attempt's retry decision is made, and no retry may be waiting.
	fence(t, h2.sim, h2.sim.Deliveries()[0].EventID, func() bool { return len(h2.sim.Deliveries()) == 4 })
	if n := h2.sim.sched.pending(); n != 0 {
		t.Fatalf("%d retries scheduled after the last attempt", n)
	}
	ds := h2.sim.Deliveries()[:3]
	for i, d := range ds {
		if d.Attempt != i+1 || d.StatusCode != 0 || d.Error == "" {
			t.Fatalf("attempt %+v", d)
		}
	}
	if w := newWebhooker(h.sim); w.backoff(1) != 10*time.Millisecond || w.backoff(4) != 80*time.Millisecond || w.backoff(40) != maxRetryDelay {
		t.Fatal("backoff schedule")
	}
}

func TestWebhookFaults(t *testing.T) {
	t.Run("drop", func(t *testing.T) {
		rc := newReceiver(t)
		h := newHarness(t, Options{WebhookURL: rc.srv.URL})
		h.sim.SetFaults(Faults{DropWebhooks: 1})
		h.charge(5000, "1234567890")
		waitFor(t, "drop recorded", func() bool { return len(h.sim.Deliveries()) == 1 })
		if d := h.sim.Deliveries()[0]; !d.Dropped || rc.count() != 0 {
			t.Fatalf("%+v, received %d", d, rc.count())
		}
	})
	t.Run("duplicate", func(t *testing.T) {
		rc := newReceiver(t)
		h := newHarness(t, Options{WebhookURL: rc.srv.URL})
		h.sim.SetFaults(Faults{DuplicateWebhooks: 1})
		h.charge(5000, "1234567890")
		waitFor(t, "2 copies", func() bool { return rc.count() == 2 })
		a, b := rc.all()[0], rc.all()[1]
		if string(a.body) != string(b.body) {
			t.Fatal("duplicates differ")
		}
		waitFor(t, "2 recorded", func() bool { return len(h.sim.Deliveries()) == 2 })
		if !h.sim.Deliveries()[1].Duplicate {
			t.Fatal("second delivery not marked duplicate")
		}
	})
	t.Run("reorder", func(t *testing.T) {
		rc := newReceiver(t)
		h := newHarness(t, Options{WebhookURL: rc.srv.URL})
		h.sim.SetFaults(Faults{ReorderWebhooks: 1})
		var ids []string
		for i := 0; i < 20; i++ {
			ids = append(ids, h.charge(5000, "1234567890"))
		}
		waitFor(t, "20 deliveries", func() bool { return rc.count() == 20 })
		same := true
		for i, got := range rc.all() {
			var ev eventBody
			_ = json.Unmarshal(got.body, &ev)
			if ev.Data.ID != ids[i] {
				same = false
			}
		}
		if same {
			t.Fatal("20 held-back deliveries arrived in creation order")
		}
	})
	t.Run("off and quiet", func(t *testing.T) {
		rc := newReceiver(t)
		h := newHarness(t, Options{WebhookURL: rc.srv.URL, WebhooksOff: true})
		h.paidCharge(5000)
		h2 := newHarness(t, Options{WebhookURL: rc.srv.URL})
		id := h2.paidCharge(5000)
		waitFor(t, "2 deliveries", func() bool { return rc.count() == 2 })
		if _, err := h2.sim.RefundQuietly(id, 100); err != nil {
			t.Fatal(err)
		}
		if err := h2.sim.ForceStatus(h2.charge(5000, "1234567890"), "expired", ""); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "charge.create of the third charge", func() bool { return rc.count() == 3 })
		// Fences behind the quiet refund and the forced status: a webhook
		// either caused would have reached the receiver before its fence.
		for i, ev := range []string{rc.eventID(1), rc.eventID(2)} {
			want := 4 + i
			fence(t, h2.sim, ev, func() bool { return rc.count() >= want })
		}
		if n := rc.count(); n != 5 {
			t.Fatalf("received %d, want 3 and the 2 fences (no refund.create, nothing from the webhooks-off sim)", n)
		}
		for i, got := range rc.all() {
			if i >= 3 && rc.eventID(i) != rc.eventID(i-2) {
				t.Fatalf("received %s after the fences (no refund.create wanted)", got.body)
			}
		}
		if h.sim.wh != nil || len(h.sim.Deliveries()) != 0 {
			t.Fatal("WebhooksOff delivers")
		}
		ev := h2.must(h2.get("/charges/"+id+"/events"), 200)
		if k := eventKeys(ev); len(k) != 3 || k[2] != "refund.create" {
			t.Fatalf("quiet refund event missing: %v", k)
		}
	})
}
