package sim

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"instore/omise"
)

// tickingClock moves one second every time it is read, so that requests
// running side by side get different creation times.
func tickingClock() func() time.Time {
	var n atomic.Int64
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time { return base.Add(time.Duration(n.Add(1)) * time.Second) }
}

// Lists are served in creation order and cut by from/to on created_at, as
// Omise's chronological lists are. Requests that create charges or refunds
// side by side must not leave a later created_at before an earlier one, or
// a charge found by "from" (how the product looks for a charge whose create
// timed out) can be skipped.
func TestListsChronologicalUnderConcurrentCreates(t *testing.T) {
	h := newHarness(t, Options{Now: tickingClock()})
	const workers, each = 8, 25
	var wg sync.WaitGroup
	paid := make(chan string, workers*each)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				id := h.charge(5000, "1234567890")
				if i%5 == 0 {
					if _, err := h.sim.MarkPaid(id); err == nil {
						paid <- id
					}
				}
			}
		}()
	}
	wg.Wait()
	close(paid)
	for id := range paid {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.must(h.post("/charges/"+id+"/refunds", map[string]any{"amount": 100}), http.StatusOK)
		}()
	}
	wg.Wait()

	for _, path := range []string{"/charges", "/refunds"} {
		var created []time.Time
		for offset := 0; ; offset += MaxListLimit {
			l := h.must(h.get(path+"?limit=100&offset="+strconv.Itoa(offset)), http.StatusOK)
			data := l.body["data"].([]any)
			for _, d := range data {
				ts, err := time.Parse(time.RFC3339, d.(map[string]any)["created_at"].(string))
				if err != nil {
					t.Fatal(err)
				}
				created = append(created, ts)
			}
			if len(data) < MaxListLimit {
				break
			}
		}
		for i := 1; i < len(created); i++ {
			if created[i].Before(created[i-1]) {
				t.Fatalf("%s: item %d created %s after item %d created %s", path, i, created[i], i-1, created[i-1])
			}
		}
		// from cuts where created_at says.
		mid := created[len(created)/2]
		want := 0
		for _, c := range created {
			if !c.Before(mid) {
				want++
			}
		}
		l := h.must(h.get(path+"?limit=1&from="+mid.Format(time.RFC3339)), http.StatusOK)
		if got := int(l.num("total")); got != want {
			t.Fatalf("%s from %s: total %d, want %d", path, mid.Format(time.RFC3339), got, want)
		}
	}
}

// GET /capability lists every source type the simulator accepts: Omise's
// capability (omise-php capability-get.json) names promptpay beside the
// Alipay types, and a client that checks capability before offering a
// method would otherwise never offer PromptPay here.
func TestCapabilityListsEveryAcceptedSourceType(t *testing.T) {
	h := newHarness(t, Options{})
	names := map[string]bool{}
	for _, m := range h.must(h.call("GET", "/capability", pkey, "", nil), http.StatusOK).body["payment_methods"].([]any) {
		names[m.(map[string]any)["name"].(string)] = true
	}
	for typ := range sourceTypes {
		if !names[typ] {
			t.Errorf("capability lacks %s, which POST /sources accepts", typ)
		}
	}
}

// The webhook secret is decoded as the product's verifier decodes it
// (omise.VerifySignature accepts it padded or not), so a secret pasted
// without its "=" padding still signs deliveries the verifier accepts.
func TestWebhookSecretWithoutPadding(t *testing.T) {
	key := []byte("0123456789abcdefghijklmnopqrstu") // 31 bytes: padded base64 ends in "="
	secret := base64.RawStdEncoding.EncodeToString(key)
	rc := newReceiver(t)
	h := newHarness(t, Options{WebhookURL: rc.srv.URL, WebhookSecret: secret})
	h.charge(5000, "1234567890")
	waitFor(t, "a delivery", func() bool { return rc.count() > 0 })
	got := rc.all()[0]
	err := omise.VerifySignature(secret, got.header.Get(omise.HeaderSignature), got.header.Get(omise.HeaderSignatureTimestamp), got.body, time.Now())
	if err != nil {
		t.Fatalf("delivery signed with an unpadded secret: %v", err)
	}
}

// recordedRefundKeys is the refund as the 2017-11-02 API was recorded
// answering POST and GET of a refund and GET /refunds (omise-elixir
// refund_charge.json, retrieve_refund.json, refund/list_refunds.json).
var recordedRefundKeys = []string{"amount", "charge", "created", "currency", "id", "location", "object", "transaction", "voided"}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// With Options.Recorded2017 a refund is the same object wherever it is
// read: the charge's embedded refunds were already in the recorded shape,
// the refund endpoints and refund.create events were not.
func TestRecorded2017RefundsEverywhere(t *testing.T) {
	h := newHarness(t, Options{Recorded2017: true})
	id := h.paidCharge(5000)
	v := omise.Version2017
	check := func(where string, m map[string]any) {
		t.Helper()
		if got := strings.Join(keysOf(m), ","); got != strings.Join(recordedRefundKeys, ",") {
			t.Errorf("%s: refund keys %s, recorded %s", where, got, strings.Join(recordedRefundKeys, ","))
		}
		if m["currency"] != "thb" {
			t.Errorf("%s: currency %v, recorded lowercase", where, m["currency"])
		}
	}
	r := h.must(h.call("POST", "/charges/"+id+"/refunds", skey, v, map[string]any{"amount": 100}), http.StatusOK)
	check("POST refund", r.body)
	rid := r.str("id")
	check("GET refund", h.must(h.call("GET", "/charges/"+id+"/refunds/"+rid, skey, v, nil), http.StatusOK).body)
	for _, path := range []string{"/charges/" + id + "/refunds", "/refunds"} {
		l := h.must(h.call("GET", path, skey, v, nil), http.StatusOK)
		check(path, l.body["data"].([]any)[0].(map[string]any))
	}
	c := h.must(h.call("GET", "/charges/"+id, skey, v, nil), http.StatusOK)
	check("embedded", c.body["refunds"].(map[string]any)["data"].([]any)[0].(map[string]any))

	// The account's version is the recorded one, so is its refund.create.
	l := h.must(h.call("GET", "/charges/"+id+"/events?order=reverse_chronological&limit=1", skey, v, nil), http.StatusOK)
	ev := l.body["data"].([]any)[0].(map[string]any)
	if ev["key"] != "refund.create" {
		t.Fatalf("last event %v", ev["key"])
	}
	check("refund.create data", ev["data"].(map[string]any))
	if _, ok := ev["created"]; !ok {
		t.Errorf("event keys %v: the recorded 2017 event has created", keysOf(ev))
	}
	if _, ok := ev["created_at"]; ok {
		t.Errorf("event keys %v: the recorded 2017 event has no created_at", keysOf(ev))
	}
	// And the client still reads every one of them.
	var e omise.Event
	raw, _ := json.Marshal(ev)
	if err := json.Unmarshal(raw, &e); err != nil || e.CreatedAt.IsZero() || e.ChargeID() != id {
		t.Fatalf("decoded event %+v: %v", e, err)
	}
	var rf omise.Refund
	if err := json.Unmarshal(r.raw, &rf); err != nil || rf.CreatedAt.IsZero() || rf.Currency != "THB" || rf.Charge != id {
		t.Fatalf("decoded refund %+v: %v", rf, err)
	}
}
