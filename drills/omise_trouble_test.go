package drills

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"instore/db"
	"instore/omise/sim"
	"instore/payments"
)

// TestOmiseTroubleAtCheckout: till sales while Omise answers 5xx or 429,
// is slow, is slower than our client's timeout, or commits a charge and
// never answers. Each sale is also submitted a second time (and, while
// Omise is slow, twice at once). No sale is ever charged twice, and once
// the syncer has run (and the customer paid what is pending) every attempt
// ends resolved: successful, failed, expired or rejected.
func TestOmiseTroubleAtCheckout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{clientTimeout: time.Second})
	if _, err := e.db.CreateStore(e.ctx, db.CLI, db.Store{StoreID: "S1", StoreName: "Drill Store", Methods: []string{"barcode_alipay"}}); err != nil {
		t.Fatal(err)
	}
	postCharges := func(r *http.Request) bool { return r.Method == http.MethodPost && r.URL.Path == "/charges" }
	postSources := func(r *http.Request) bool { return r.Method == http.MethodPost && r.URL.Path == "/sources" }
	cases := []struct {
		name   string
		faults sim.Faults
		twice  bool // submit the same attempt twice at once
	}{
		{"5xx on POST /charges", sim.Faults{FailNext5xx: 1, Match: postCharges}, false},
		{"429 on POST /charges", sim.Faults{FailNext429: 1, Match: postCharges}, false},
		{"5xx on POST /sources", sim.Faults{FailNext5xx: 1, Match: postSources}, false},
		{"latency 300ms", sim.Faults{Latency: 300 * time.Millisecond}, true},
		{"latency beyond the client timeout", sim.Faults{Latency: 1500 * time.Millisecond, Match: postCharges}, false},
		{"timeout after commit", sim.Faults{TimeoutAfterCommitNext: 1}, true},
		{"no trouble", sim.Faults{}, false},
	}
	cashier := payments.Actor{Username: "cashier", Role: "cashier"}
	attempts := map[string]string{} // attempt id -> case
	for i, c := range cases {
		term := fmt.Sprintf("T%d", i+1)
		if _, err := e.db.CreateTerminal(e.ctx, db.CLI, db.Terminal{StoreID: "S1", TerminalID: term, Label: c.name}); err != nil {
			t.Fatal(err)
		}
		req := payments.CheckoutRequest{AttemptID: uuid.NewString(), StoreID: "S1", TerminalID: term,
			Amount: 150000, Barcode: fmt.Sprintf("2810%010d1234", i)}
		attempts[req.AttemptID] = c.name
		e.sim.SetFaults(c.faults)
		n := 1
		if c.twice {
			n = 2
		}
		var wg sync.WaitGroup
		for k := 0; k < n; k++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a, err := e.svc.Checkout(e.ctx, cashier, req)
				if err != nil {
					t.Logf("%s: checkout: %v", c.name, err)
				} else {
					t.Logf("%s: attempt %s", c.name, a.Status)
				}
			}()
		}
		wg.Wait()
		// The cashier presses the button again once the first answer came.
		if a, err := e.svc.Checkout(e.ctx, cashier, req); err == nil {
			t.Logf("%s: resubmitted: attempt %s", c.name, a.Status)
		}
		e.sim.SetFaults(sim.Faults{})
	}

	// The syncer resolves what is unknown (a charge Omise made is found by
	// its metadata), then customers confirm whatever is waiting.
	e.pass()
	for id := range attempts {
		a, err := e.db.GetAttempt(e.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status == db.AttemptPending && a.ChargeID != "" {
			if _, err := e.sim.MarkPaid(a.ChargeID); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.pass()
	// A charge Omise never made is given up on only after a grace period,
	// so the service's clock moves on.
	e.clock.Advance(3 * time.Minute)
	e.pass()

	perAttempt := map[string]int{}
	for _, oc := range e.omiseCharges() {
		perAttempt[oc.MetadataString(payments.MetaAttemptID)]++
	}
	for id, name := range attempts {
		a, err := e.db.GetAttempt(e.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%-35s → %s (charges at Omise: %d, code %q)", name, a.Status, perAttempt[id], a.ErrorCode)
		if perAttempt[id] > 1 {
			t.Errorf("%s: charged %d times", name, perAttempt[id])
		}
		if db.AttemptOpen(a.Status) {
			t.Errorf("%s: attempt still %s after the syncer", name, a.Status)
		}
		if perAttempt[id] == 1 && (a.ChargeID == "" || a.Status != db.AttemptSuccessful) {
			t.Errorf("%s: Omise has the charge (paid) but the attempt is %s with charge %q", name, a.Status, a.ChargeID)
		}
		if perAttempt[id] == 0 && a.Status == db.AttemptSuccessful {
			t.Errorf("%s: successful without a charge at Omise", name)
		}
	}
}
