package payments_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"instore/db"
	"instore/db/dbtest"
	"instore/omise/omisehttp"
	"instore/omise/sim"
	"instore/payments"
)

// tillHarness is a real setup for till tests: the simulator over HTTP, a
// real SQLite file, one store with two terminals.
type tillHarness struct {
	t       *testing.T
	ctx     context.Context
	db      *db.DB
	sim     *sim.Sim
	svc     *payments.Service
	changes *tillChanges
}

// tillChanges records what the service published.
type tillChanges struct {
	mu  sync.Mutex
	all []payments.Change
}

func (c *tillChanges) Publish(ch payments.Change) {
	c.mu.Lock()
	c.all = append(c.all, ch)
	c.mu.Unlock()
}

func (c *tillChanges) forAttempt(id string) []payments.Change {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []payments.Change
	for _, ch := range c.all {
		if ch.AttemptID == id {
			out = append(out, ch)
		}
	}
	return out
}

const (
	tillStore     = "S1"
	tillTerminal  = "T1"
	tillTerminal2 = "T2"
	tillCode      = "281012345678901234" // 18 digits: valid for both source types
)

func newTillHarness(t *testing.T, sourceType string, clientTimeout time.Duration) *tillHarness {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, dbtest.Source(t, "till.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	sm := sim.New(sim.Options{})
	t.Cleanup(sm.Close)
	srv := httptest.NewServer(sm)
	t.Cleanup(srv.Close)
	if clientTimeout == 0 {
		clientTimeout = 5 * time.Second
	}
	cl, err := omisehttp.New(omisehttp.Config{BaseURL: srv.URL, PublicKey: sim.DefaultPublicKey,
		SecretKey: sim.DefaultSecretKey, Timeout: clientTimeout})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateStore(ctx, db.CLI, db.Store{StoreID: tillStore, StoreName: "Main Store", Methods: []string{sourceType}}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{tillTerminal, tillTerminal2} {
		if _, err := d.CreateTerminal(ctx, db.CLI, db.Terminal{StoreID: tillStore, TerminalID: id, Label: "Counter " + id}); err != nil {
			t.Fatal(err)
		}
	}
	ch := &tillChanges{}
	svc := &payments.Service{DB: d, Omise: cl, Notify: ch, TillTimeout: 90 * time.Second,
		BarcodeKey: []byte("test-barcode-key"), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return &tillHarness{t: t, ctx: ctx, db: d, sim: sm, svc: svc, changes: ch}
}

var tillCashier = payments.Actor{UserID: 0, Username: "cashier", Role: "cashier"}

func (h *tillHarness) req(attemptID, terminal, code string, amount int64) payments.CheckoutRequest {
	return payments.CheckoutRequest{AttemptID: attemptID, StoreID: tillStore, TerminalID: terminal, Amount: amount, Barcode: code}
}

// charges counts the charges the simulator holds.
func (h *tillHarness) charges() int { return h.sim.CountCharges() }

// omiseRequests counts every request the simulator served.
func (h *tillHarness) omiseRequests() int64 {
	var n int64
	for _, v := range h.sim.Stats().Requests {
		n += v
	}
	return n
}
