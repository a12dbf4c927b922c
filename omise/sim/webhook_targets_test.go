package sim

import (
	"testing"
	"time"
)

// Several endpoints (instances that each want every event) each get every
// event, and one refusing is retried without holding back the other.
func TestWebhookSeveralEndpoints(t *testing.T) {
	up, flaky := newReceiver(t), newReceiver(t, 503)
	h := newHarness(t, Options{WebhookURL: up.srv.URL, WebhookURLs: []string{flaky.srv.URL},
		WebhookRetryBase: 10 * time.Millisecond})
	id := h.charge(5000, "1234567890")
	h.must(h.post("/charges/"+id+"/mark_as_paid", nil), 200)
	waitFor(t, "both events at both endpoints", func() bool { return up.count() == 2 && flaky.count() == 3 })
	for _, rc := range []*receiver{up, flaky} {
		seen := map[string]bool{}
		for i := range rc.all() {
			seen[rc.eventID(i)] = true
		}
		if len(seen) != 2 {
			t.Fatalf("%s got events %v, want the charge's two", rc.srv.URL, seen)
		}
	}
	// A delivery is recorded once its answer is read, which can be just
	// after the receiver counted it.
	byURL := func() map[string][]int {
		m := map[string][]int{}
		for _, d := range h.sim.Deliveries() {
			m[d.URL] = append(m[d.URL], d.StatusCode)
		}
		return m
	}
	waitFor(t, "every delivery recorded", func() bool {
		m := byURL()
		return len(m[up.srv.URL]) == 2 && len(m[flaky.srv.URL]) == 3
	})
	if m := byURL(); m[flaky.srv.URL][0] != 503 {
		t.Fatalf("deliveries by endpoint %v", m)
	}
}
