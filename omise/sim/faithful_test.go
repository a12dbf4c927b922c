package sim

import (
	"encoding/base64"
	"net/http"
	"strconv"
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
