package sim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

const (
	pkey = DefaultPublicKey
	skey = DefaultSecretKey
)

// harness is a simulator served over real HTTP.
type harness struct {
	t   *testing.T
	sim *Sim
	srv *httptest.Server
}

func newHarness(t *testing.T, o Options) *harness {
	t.Helper()
	s := New(o)
	srv := httptest.NewServer(s)
	srv.Client().Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	t.Cleanup(func() {
		srv.Close()
		s.Close()
	})
	return &harness{t: t, sim: s, srv: srv}
}

// resp is a decoded answer.
type resp struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (r *resp) str(key string) string {
	s, _ := r.body[key].(string)
	return s
}

func (r *resp) num(key string) int64 { return num(r.body[key]) }

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

// call sends a request. body may be nil, url.Values (form) or anything
// else (JSON). version "" sends no Omise-Version header.
func (h *harness) call(method, path, key, version string, body any) *resp {
	h.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case url.Values:
		rd = strings.NewReader(b.Encode())
		ct = "application/x-www-form-urlencoded"
	case string:
		rd = strings.NewReader(b)
		ct = "application/json"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
		ct = "application/json"
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if key != "" {
		req.SetBasicAuth(key, "")
	}
	if version != "" {
		req.Header.Set("Omise-Version", version)
	}
	res, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := &resp{status: res.StatusCode, header: res.Header, raw: raw}
	if err := json.Unmarshal(raw, &out.body); err != nil {
		h.t.Fatalf("%s %s: body is not a JSON object: %v: %s", method, path, err, raw)
	}
	return out
}

func (h *harness) get(path string) *resp { return h.call("GET", path, skey, "", nil) }
func (h *harness) post(path string, body any) *resp {
	return h.call("POST", path, skey, "", body)
}

// must fails unless r has the status.
func (h *harness) must(r *resp, status int) *resp {
	h.t.Helper()
	if r.status != status {
		h.t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	return r
}

// wantErr checks an Omise error answer.
func (h *harness) wantErr(r *resp, status int, code, msg string) {
	h.t.Helper()
	if r.status != status || r.str("object") != "error" || r.str("code") != code || (msg != "" && r.str("message") != msg) {
		h.t.Fatalf("got %d %s, want %d %s %q", r.status, r.raw, status, code, msg)
	}
	wantLoc := "https://www.omise.co/api-errors#" + strings.ReplaceAll(code, "_", "-")
	if r.str("location") != wantLoc {
		h.t.Fatalf("location %q, want %q", r.str("location"), wantLoc)
	}
	if r.header.Get("Omise-Version") != "" {
		h.t.Fatalf("error carries Omise-Version %q", r.header.Get("Omise-Version"))
	}
}

// charge creates a pending charge with an inline source.
func (h *harness) charge(amount int64, barcode string) string {
	h.t.Helper()
	r := h.must(h.post("/charges", map[string]any{
		"amount": amount, "currency": "thb",
		"source": map[string]any{"type": "barcode_alipay", "barcode": barcode},
	}), 200)
	return r.str("id")
}

// paidCharge creates a successful charge.
func (h *harness) paidCharge(amount int64) string {
	h.t.Helper()
	id := h.charge(amount, "2800000000000001")
	h.must(h.post("/charges/"+id+"/mark_as_paid", nil), 200)
	return id
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// fence sends event id once more to the first endpoint, as a last attempt
// (never retried), on the worker that delivers its charge's events, and waits for arrived.
// One charge's events leave one worker in order, so whatever was queued
// for the charge before the fence has been sent and its retry decided
// when fence returns: a check after it needs no sleep.
func fence(t *testing.T, s *Sim, id string, arrived func() bool) {
	t.Helper()
	s.mu.RLock()
	ev := s.eventsByID[id]
	s.mu.RUnlock()
	if ev == nil {
		t.Fatalf("fence: no event %s", id)
	}
	s.wh.push(whJob{ev: ev, url: s.wh.urls[0], attempt: s.o.WebhookMaxAttempts, held: true})
	waitFor(t, "the fence delivery", arrived)
}

// pending is how many functions wait in the scheduler.
func (sc *scheduler) pending() int {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return len(sc.h)
}
