package drills

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"instore/db"
	"instore/omise"
	"instore/omise/sim"
)

// TestWebhookChaos: 1,000 charges change at Omise while 30% of webhook
// deliveries are dropped, 20% duplicated and 20% reordered, and forged
// deliveries arrive (unknown event ids signed with the right secret,
// tampered bodies of real events, and wrong signatures). After the
// syncer's passes every local charge equals Omise's, and nothing forged
// changed anything.
func TestWebhookChaos(t *testing.T) {
	t.Parallel()
	const n = 1000
	e := newEnv(t, envOpts{webhooks: true})
	e.sim.SetFaults(sim.Faults{DropWebhooks: 0.3, DuplicateWebhooks: 0.2, ReorderWebhooks: 0.2})

	ids := make([]string, n)
	parallel(n, 8, func(i int) {
		oc := e.createCharge(i, int64(2000+i*10), nil)
		ids[i] = oc.ID
	})
	// What happens to each charge at Omise: paid, failed, expired, paid and
	// half refunded, or left pending (i%10 == 8, 9).
	parallel(n, 8, func(i int) {
		var err error
		switch i % 10 {
		case 0, 1, 2, 3:
			_, err = e.sim.MarkPaid(ids[i])
		case 4, 5:
			_, err = e.sim.MarkFailed(ids[i], omise.FailurePaymentRejected)
		case 6:
			_, err = e.client.ExpireCharge(e.ctx, ids[i])
		case 7:
			if _, err = e.sim.MarkPaid(ids[i]); err == nil {
				_, err = e.client.CreateRefund(e.ctx, ids[i], omise.CreateRefundParams{Amount: int64(2000+i*10) / 2})
			}
		}
		if err != nil {
			t.Errorf("charge %d at Omise: %v", i, err)
		}
	})

	// Forged deliveries, all about charges Omise keeps pending.
	var forged []string
	for k := 0; k < 30; k++ {
		target := ids[10*k+8]
		id := fmt.Sprintf("evnt_test_forged%013d", k)
		forged = append(forged, id)
		body := eventJSON(id, "charge.complete", target, "successful")
		if code := e.postWebhook(body, webhookSecret); code != http.StatusOK {
			t.Errorf("forged event %s: status %d, want 200 (stored, nothing changed)", id, code)
		}
		bad := eventJSON(fmt.Sprintf("evnt_test_badsig%013d", k), "charge.complete", target, "successful")
		if code := e.postWebhook(bad, ""); code != http.StatusUnauthorized {
			t.Errorf("wrong signature: status %d, want 401", code)
		}
	}
	// Tampered: a real event's id with a body claiming the charge was paid.
	evs, err := e.client.ListEvents(e.ctx, omise.ListParams{Limit: 100, Order: omise.OrderChronological})
	if err != nil {
		t.Fatal(err)
	}
	pending := map[string]bool{}
	for i := 8; i < n; i += 10 {
		pending[ids[i]], pending[ids[i+1]] = true, true
	}
	tampered := 0
	for _, ev := range evs.Data {
		if ev.Key == "charge.create" && pending[ev.ChargeID()] {
			e.postWebhook(eventJSON(ev.ID, "charge.complete", ev.ChargeID(), "successful"), webhookSecret)
			tampered++
		}
	}

	e.waitWebhooksQuiet(time.Second, 60*time.Second)
	e.pass()
	e.pass()

	oms := e.omiseCharges()
	if len(oms) != n {
		t.Fatalf("Omise holds %d charges, want %d", len(oms), n)
	}
	for i := range oms {
		e.sameAsOmise(&oms[i])
	}
	for _, id := range forged {
		ev, err := e.db.GetEvent(e.ctx, id)
		if err != nil {
			t.Errorf("forged event %s not recorded: %v", id, err)
			continue
		}
		// Signed with the right secret, a delivery is taken as Omise's
		// without reading the event back; its charge is still re-read, so
		// the claim in the body ("successful") is never what is stored
		// (the charge may be recorded for the first time, as Omise has it).
		if ev.Result == db.EventError {
			t.Errorf("forged event %s: result %s", id, ev.Result)
		}
		if c, err := e.db.GetCharge(e.ctx, ev.ChargeID); err == nil && c.Status != "pending" {
			t.Errorf("forged event %s made charge %s %s", id, c.ID, c.Status)
		}
	}
	if got := e.refused.Load(); got < 30 {
		t.Errorf("%d deliveries refused for their signature, want at least 30", got)
	}
	dropped, dup := 0, 0
	seen := map[string]int{}
	for _, d := range e.sim.Deliveries() {
		if d.Dropped {
			dropped++
		}
		seen[d.EventID]++
	}
	for _, c := range seen {
		if c > 1 {
			dup++
		}
	}
	t.Logf("%d charges; deliveries: %d dropped, %d events delivered more than once; %d forged, %d tampered, %d bad signatures",
		n, dropped, dup, len(forged), tampered, e.refused.Load())
	if dropped == 0 || dup == 0 {
		t.Errorf("the faults did not happen: %d dropped, %d duplicated", dropped, dup)
	}
}

// eventJSON is a webhook body naming chargeID in status.
func eventJSON(id, key, chargeID, status string) []byte {
	b, _ := json.Marshal(map[string]any{"object": "event", "id": id, "key": key, "livemode": false,
		"created_at": time.Now().UTC().Format(time.RFC3339),
		"data":       map[string]any{"object": "charge", "id": chargeID, "status": status, "amount": 2000, "currency": "THB"}})
	return b
}

// parallel runs fn(0..n-1) with at most workers at once.
func parallel(n, workers int, fn func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}
