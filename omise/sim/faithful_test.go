package sim

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
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
