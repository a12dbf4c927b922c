package drills

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"instore/omise"
	"instore/omise/omisehttp"
	"instore/web/webtest"
)

// The "never twice" invariants. Money must move once however often a
// request arrives: a till that re-sends a sale, a manager who double-clicks
// a refund, Omise redelivering an event. Each test sends the same thing
// many times at once over HTTP, the way the world does, and counts what
// happened at Omise (the simulator's own counters) and on the live feed
// (every committed change is published there exactly once). Only public
// behaviour is used, so the suite holds whatever the storage engine and
// however many server processes share it.

// racers is how many identical requests each test sends at once.
const racers = 16

const (
	onceStore    = "store_1234" // barcode_alipay, terminals POS-01 and POS-02
	onceTerminal = "POS-01"
	onceCode     = "281012345678901234"
)

// onceEnv is the whole application over HTTP with a live-feed recorder.
type onceEnv struct {
	t      *testing.T
	h      *webtest.Harness
	omise  *omisehttp.Client // straight to the simulator: the world outside
	live   *liveRecorder
	fences int
}

func newOnceEnv(t *testing.T) *onceEnv {
	t.Helper()
	h := webtest.New(t, webtest.Options{BothEngines: true})
	cl, err := omisehttp.New(omisehttp.Config{BaseURL: h.Config.APIURL, PublicKey: h.Config.PublicKey, SecretKey: h.Config.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	e := &onceEnv{t: t, h: h, omise: cl}
	e.live = recordLive(t, h, h.Login("admin"))
	// The recorder is subscribed once a change reaches it.
	e.fence()
	return e
}

// liveMsg is the part of a /live message the invariants look at.
type liveMsg struct {
	Kind           string `json:"kind"`
	ChargeID       string `json:"charge_id"`
	AttemptID      string `json:"attempt_id"`
	Status         string `json:"status"`
	RefundedAmount int64  `json:"refunded_amount"`
}

// liveRecorder keeps every message /live sent to one admin, in order.
type liveRecorder struct {
	mu   sync.Mutex
	msgs []liveMsg
	more chan struct{} // signalled after each message
}

func recordLive(t *testing.T, h *webtest.Harness, admin *webtest.Client) *liveRecorder {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.URL("/live"), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	stream := &http.Client{Jar: admin.Jar} // no timeout: the stream stays open
	res, err := stream.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/live: %d", res.StatusCode)
	}
	r := &liveRecorder{more: make(chan struct{}, 1)}
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var m liveMsg
			if json.Unmarshal([]byte(data), &m) != nil {
				continue
			}
			r.mu.Lock()
			r.msgs = append(r.msgs, m)
			r.mu.Unlock()
			select {
			case r.more <- struct{}{}:
			default:
			}
		}
	}()
	return r
}

// fence makes a change of its own (a charge on another store, made at
// Omise and delivered as its webhook) and waits until the feed shows it.
// The broker keeps each subscriber's order, so every change committed
// before the fence is on the record when fence returns: counting them
// needs no sleep.
func (e *onceEnv) fence() {
	e.t.Helper()
	e.fences++
	oc, err := e.omise.CreateCharge(context.Background(), omise.CreateChargeParams{Amount: 5000, Currency: "THB",
		InlineSource: &omise.CreateSourceParams{Type: omise.SourceAlipayPlusUPM,
			Barcode: fmt.Sprintf("28109%013d", e.fences), StoreID: "store_5678", StoreName: "fence", TerminalID: "POS-01"}})
	if err != nil {
		e.t.Fatal(err)
	}
	if code, body := e.deliver(e.event(oc.ID, "charge.create")); code != http.StatusOK {
		e.t.Fatalf("fence webhook: %d %s", code, body)
	}
	deadline := time.After(10 * time.Second)
	for {
		e.live.mu.Lock()
		seen := false
		for _, m := range e.live.msgs {
			seen = seen || m.ChargeID == oc.ID
		}
		e.live.mu.Unlock()
		if seen {
			return
		}
		select {
		case <-e.live.more:
		case <-deadline:
			e.t.Fatal("the fence change never reached /live")
		}
	}
}

// changes fences the feed, then returns the charge changes of chargeID
// recorded so far.
func (e *onceEnv) changes(chargeID string) []liveMsg {
	e.t.Helper()
	e.fence()
	e.live.mu.Lock()
	defer e.live.mu.Unlock()
	var out []liveMsg
	for _, m := range e.live.msgs {
		if m.Kind == "charge" && m.ChargeID == chargeID {
			out = append(out, m)
		}
	}
	return out
}

// event returns Omise's newest event of key about a charge, as a webhook body.
func (e *onceEnv) event(chargeID, key string) []byte {
	e.t.Helper()
	list, err := e.omise.ListEvents(context.Background(), omise.ListParams{Limit: 100, Order: omise.OrderReverseChronological})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, ev := range list.Data {
		if ev.Key == key && ev.ChargeID() == chargeID {
			body, _ := json.Marshal(map[string]any{"object": "event", "id": ev.ID, "key": ev.Key, "data": json.RawMessage(ev.Data)})
			return body
		}
	}
	e.t.Fatalf("no %s event for %s", key, chargeID)
	return nil
}

// deliver posts a webhook body as Omise would. Safe from any goroutine.
func (e *onceEnv) deliver(body []byte) (int, string) {
	res, err := http.Post(e.h.URL("/webhooks/omise"), "application/json", strings.NewReader(string(body)))
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// post sends a form with the session's CSRF token, asking for JSON. Safe
// from any goroutine (webtest.Client's helpers fail the test, which only
// the test's goroutine may do).
func post(h *webtest.Harness, c *webtest.Client, csrf, path string, form url.Values) (int, string) {
	f := url.Values{"_csrf": {csrf}}
	for k, v := range form {
		f[k] = v
	}
	req, err := http.NewRequest(http.MethodPost, h.URL(path), strings.NewReader(f.Encode()))
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	res, err := c.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// answer is one response of a race.
type answer struct {
	code int
	body string
}

// race runs send racers times at once and returns the answers.
func race(send func(i int) (int, string)) []answer {
	out := make([]answer, racers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range out {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i].code, out[i].body = send(i)
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// byCode counts answers by HTTP status.
func byCode(as []answer) map[int]int {
	n := map[int]int{}
	for _, a := range as {
		n[a.code]++
	}
	return n
}

// saleForm is a till sale of 50 baht.
func saleForm(attemptID, terminal, code string) url.Values {
	return url.Values{"attempt_id": {attemptID}, "terminal_id": {terminal}, "amount": {"50"}, "barcode": {code}}
}

// sale makes one sale at the till and returns its charge id.
func (e *onceEnv) sale(cashier *webtest.Client) string {
	e.t.Helper()
	code, body := post(e.h, cashier, cashier.CSRF(), "/till/charges", saleForm(uuid.NewString(), onceTerminal, onceCode))
	var a struct {
		ChargeID string `json:"charge_id"`
	}
	if code != http.StatusOK || json.Unmarshal([]byte(body), &a) != nil || a.ChargeID == "" {
		e.t.Fatalf("sale: %d %s", code, body)
	}
	return a.ChargeID
}

// TestOnceSameSale: a till sending the same sale (one attempt id) many
// times at once makes one Omise charge, and the charge appears once.
func TestOnceSameSale(t *testing.T) {
	t.Parallel()
	e := newOnceEnv(t)
	cashier := e.h.Login("cashier")
	csrf := cashier.CSRF()
	before := e.h.Sim.Stats()
	id := uuid.NewString()
	answers := race(func(int) (int, string) {
		return post(e.h, cashier, csrf, "/till/charges", saleForm(id, onceTerminal, onceCode))
	})
	after := e.h.Sim.Stats()
	if n := after.ChargesCreated - before.ChargesCreated; n != 1 {
		t.Fatalf("%d Omise charges for one sale sent %d times (answers %v)", n, racers, byCode(answers))
	}
	if n := after.Requests["POST /charges"] - before.Requests["POST /charges"]; n != 1 {
		t.Fatalf("%d POST /charges for one sale", n)
	}
	chargeIDs := map[string]bool{}
	for _, a := range answers {
		var got struct {
			AttemptID string `json:"attempt_id"`
			ChargeID  string `json:"charge_id"`
		}
		switch {
		case a.code == http.StatusOK && json.Unmarshal([]byte(a.body), &got) == nil && got.AttemptID == id:
			if got.ChargeID != "" {
				chargeIDs[got.ChargeID] = true
			}
		case a.code == http.StatusConflict:
			// Still being charged by a twin request: the till polls.
		default:
			t.Fatalf("answer %d %s", a.code, a.body)
		}
	}
	if len(chargeIDs) != 1 {
		t.Fatalf("answers name charges %v, want one (answers %v)", chargeIDs, byCode(answers))
	}
	for cid := range chargeIDs {
		if ch := e.changes(cid); len(ch) != 1 || ch[0].Status != "pending" {
			t.Fatalf("live feed shows %+v for the charge, want one pending", ch)
		}
	}
	t.Logf("answers %v", byCode(answers))
}

// TestOnceBusyTerminal: different sales on one terminal at once: one is
// charged, every other is refused as busy before reaching Omise.
func TestOnceBusyTerminal(t *testing.T) {
	t.Parallel()
	e := newOnceEnv(t)
	cashier := e.h.Login("cashier")
	csrf := cashier.CSRF()
	before := e.h.Sim.Stats()
	answers := race(func(i int) (int, string) {
		// Different codes too, so a refusal can only be the busy terminal.
		return post(e.h, cashier, csrf, "/till/charges", saleForm(uuid.NewString(), onceTerminal, fmt.Sprintf("2810%014d", i)))
	})
	after := e.h.Sim.Stats()
	if n := byCode(answers); n[http.StatusOK] != 1 || n[http.StatusConflict] != racers-1 {
		t.Fatalf("answers %v, want one 200 and %d 409", n, racers-1)
	}
	for _, a := range answers {
		if a.code == http.StatusConflict && !strings.Contains(a.body, "terminal_busy") {
			t.Fatalf("409 that is not terminal_busy: %s", a.body)
		}
	}
	if n := after.Requests["POST /charges"] - before.Requests["POST /charges"]; n != 1 {
		t.Fatalf("%d POST /charges for one accepted sale", n)
	}
}

// TestOnceSameWebhook: Omise delivering the same event many times at once
// changes the charge once.
func TestOnceSameWebhook(t *testing.T) {
	t.Parallel()
	e := newOnceEnv(t)
	cid := e.sale(e.h.Login("cashier"))
	if _, err := e.h.Sim.MarkPaid(cid); err != nil {
		t.Fatal(err)
	}
	body := e.event(cid, "charge.complete")
	before := e.h.Sim.Stats()
	answers := race(func(int) (int, string) { return e.deliver(body) })
	if n := byCode(answers); n[http.StatusOK] != racers {
		t.Fatalf("deliveries answered %v, want %d 200", n, racers)
	}
	ch := e.changes(cid)
	var successful int
	for _, m := range ch {
		if m.Status == "successful" {
			successful++
		}
	}
	if successful != 1 || len(ch) != 2 {
		t.Fatalf("live feed shows %+v, want pending then successful once", ch)
	}
	t.Logf("%d deliveries cost %d GET /charges/{id}", racers, e.h.Sim.Stats().Requests["GET /charges/{id}"]-before.Requests["GET /charges/{id}"])
}

// TestOnceSameRefund: a refund form posted many times at once with one
// idempotency key makes one refund at Omise and one change of the charge.
func TestOnceSameRefund(t *testing.T) {
	t.Parallel()
	e := newOnceEnv(t)
	cid := e.sale(e.h.Login("cashier"))
	if _, err := e.h.Sim.MarkPaid(cid); err != nil {
		t.Fatal(err)
	}
	if code, body := e.deliver(e.event(cid, "charge.complete")); code != http.StatusOK {
		t.Fatalf("webhook: %d %s", code, body)
	}
	manager := e.h.Login("manager")
	csrf := manager.CSRF()
	form := url.Values{"amount": {"20"}, "reason": {"requested_by_customer"}, "note": {"customer returned the cup"},
		"idempotency_key": {uuid.NewString()}, "confirm": {"yes"}}
	before := e.h.Sim.Stats()
	answers := race(func(int) (int, string) { return post(e.h, manager, csrf, "/charges/"+cid+"/refunds", form) })
	after := e.h.Sim.Stats()
	if n := after.RefundsCreated - before.RefundsCreated; n != 1 {
		t.Fatalf("%d Omise refunds for one form sent %d times (answers %v)", n, racers, byCode(answers))
	}
	for _, a := range answers {
		if a.code >= 500 || a.code == 0 {
			t.Fatalf("answer %d %s", a.code, a.body)
		}
	}
	var refunded []liveMsg
	for _, m := range e.changes(cid) {
		if m.RefundedAmount > 0 {
			refunded = append(refunded, m)
		}
	}
	if len(refunded) != 1 || refunded[0].RefundedAmount != 2000 {
		t.Fatalf("live feed shows refund changes %+v, want one of 2000 satang", refunded)
	}
	t.Logf("answers %v", byCode(answers))
}
