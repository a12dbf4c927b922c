package payments

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"instore/db"
	"instore/db/dbtest"
	"instore/omise"
	"instore/omise/omisehttp"
	"instore/omise/sim"
)

// coreEnv is a service over a real SQLite file and the simulator over HTTP.
type coreEnv struct {
	svc    *Service
	sim    *sim.Sim
	srv    *httptest.Server
	client *omisehttp.Client
	notes  *recordingNotifier
}

type recordingNotifier struct {
	mu      sync.Mutex
	changes []Change
}

func (r *recordingNotifier) Publish(c Change) {
	r.mu.Lock()
	r.changes = append(r.changes, c)
	r.mu.Unlock()
}

func (r *recordingNotifier) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.changes)
}

func newCoreEnv(t *testing.T, opts sim.Options) *coreEnv {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, dbtest.Source(t, "core.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	s := sim.New(opts)
	srv := httptest.NewServer(s)
	t.Cleanup(func() { srv.Close(); s.Close() })
	cl, err := omisehttp.New(omisehttp.Config{BaseURL: srv.URL, PublicKey: sim.DefaultPublicKey, SecretKey: sim.DefaultSecretKey, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	notes := &recordingNotifier{}
	svc := &Service{DB: d, Omise: cl, Notify: notes, TillTimeout: 90 * time.Second, BarcodeKey: []byte("test-key")}
	return &coreEnv{svc: svc, sim: s, srv: srv, client: cl, notes: notes}
}

// createCharge makes a pending charge at the simulator (as another till would).
func (e *coreEnv) createCharge(t *testing.T, amount int64, meta map[string]string) *omise.Charge {
	t.Helper()
	oc, err := e.client.CreateCharge(context.Background(), omise.CreateChargeParams{
		Amount: amount, Currency: "THB", Metadata: meta,
		InlineSource: &omise.CreateSourceParams{Type: omise.SourceBarcodeAlipay, Barcode: "2810000000000000123", StoreID: "store_1234", StoreName: "Some Store", TerminalID: "POS-01"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return oc
}

func eventBody(t *testing.T, id, key string, data any) ([]byte, *omise.Event) {
	t.Helper()
	raw, _ := json.Marshal(map[string]any{"object": "event", "id": id, "key": key, "data": data, "created_at": time.Now().UTC().Format(time.RFC3339)})
	ev, err := omise.DecodeEvent(raw)
	if err != nil {
		t.Fatal(err)
	}
	return raw, ev
}

func latestEventFor(t *testing.T, e *coreEnv, chargeID, key string) *omise.Event {
	t.Helper()
	list, err := e.client.ListEvents(context.Background(), omise.ListParams{Limit: 100, Order: omise.OrderReverseChronological})
	if err != nil {
		t.Fatal(err)
	}
	for i := range list.Data {
		ev := &list.Data[i]
		if ev.Key == key && ev.ChargeID() == chargeID {
			return ev
		}
	}
	t.Fatalf("no %s event for %s", key, chargeID)
	return nil
}

func TestForgedEventChangesNothing(t *testing.T) {
	t.Parallel()
	e := newCoreEnv(t, sim.Options{})
	ctx := context.Background()
	oc := e.createCharge(t, 5000, nil)
	if _, err := e.svc.SyncCharge(ctx, oc.ID); err != nil {
		t.Fatal(err)
	}
	before := e.notes.count()
	raw, ev := eventBody(t, "evnt_test_forged0000000000000", "charge.complete", map[string]any{"object": "charge", "id": oc.ID, "status": "successful"})
	out, err := e.svc.ReceiveWebhook(ctx, raw, ev, "unsigned")
	if err != nil {
		t.Fatal(err)
	}
	if out.Result != db.EventRejected || out.Changed {
		t.Fatalf("forged event: %+v", out)
	}
	c, _ := e.svc.DB.GetCharge(ctx, oc.ID)
	if c.Status != "pending" || e.notes.count() != before {
		t.Fatalf("forged event changed the charge: %s, notes %d→%d", c.Status, before, e.notes.count())
	}
	stored, err := e.svc.DB.GetEvent(ctx, ev.ID)
	if err != nil || stored.Result != db.EventRejected {
		t.Fatalf("stored forged event: %+v %v", stored, err)
	}
}

func TestTamperedEventUsesOmiseState(t *testing.T) {
	t.Parallel()
	e := newCoreEnv(t, sim.Options{})
	ctx := context.Background()
	oc := e.createCharge(t, 5000, nil)
	real := latestEventFor(t, e, oc.ID, "charge.create")
	// The body claims success; Omise says pending.
	raw, ev := eventBody(t, real.ID, "charge.complete", map[string]any{"object": "charge", "id": oc.ID, "status": "successful", "amount": 5000})
	out, err := e.svc.ReceiveWebhook(ctx, raw, ev, "unsigned")
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.svc.DB.GetCharge(ctx, oc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != "pending" {
		t.Fatalf("tampered body applied: status %s (%+v)", c.Status, out)
	}
}

func TestDuplicateAndReorderedDeliveriesConverge(t *testing.T) {
	t.Parallel()
	e := newCoreEnv(t, sim.Options{})
	ctx := context.Background()
	oc := e.createCharge(t, 12345, nil)
	if _, err := e.sim.MarkPaid(oc.ID); err != nil {
		t.Fatal(err)
	}
	create := latestEventFor(t, e, oc.ID, "charge.create")
	complete := latestEventFor(t, e, oc.ID, "charge.complete")
	bodyOf := func(ev *omise.Event) []byte {
		b, _ := json.Marshal(map[string]any{"object": "event", "id": ev.ID, "key": ev.Key, "data": json.RawMessage(ev.Data)})
		return b
	}
	// complete first, then create, then both again.
	for _, ev := range []*omise.Event{complete, create, complete, create} {
		raw := bodyOf(ev)
		dec, _ := omise.DecodeEvent(raw)
		if _, err := e.svc.ReceiveWebhook(ctx, raw, dec, "unsigned"); err != nil {
			t.Fatal(err)
		}
	}
	c, _ := e.svc.DB.GetCharge(ctx, oc.ID)
	if c.Status != "successful" || c.Fee != 451 || c.FeeVat != 32 || c.Net != 11862 {
		t.Fatalf("after reordered deliveries: %+v", c)
	}
	// The stale pending view of charge.create never took the charge back.
	raw := bodyOf(create)
	dec, _ := omise.DecodeEvent(raw)
	out, _ := e.svc.ReceiveWebhook(ctx, raw, dec, "unsigned")
	if out.Result != "duplicate" {
		t.Fatalf("duplicate delivery result %q", out.Result)
	}
	var n int
	e.svc.DB.R.QueryRow(`SELECT successful_count FROM daily_totals WHERE store_id='store_1234'`).Scan(&n)
	if n != 1 {
		t.Fatalf("daily successful_count = %d, want 1 (no double counting)", n)
	}
}

func TestFinalStatusNeverGoesBack(t *testing.T) {
	t.Parallel()
	e := newCoreEnv(t, sim.Options{})
	ctx := context.Background()
	oc := e.createCharge(t, 5000, nil)
	stalePending := *oc
	paid, err := e.sim.MarkPaid(oc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ApplyCharge(ctx, paid); err != nil {
		t.Fatal(err)
	}
	res, err := e.svc.ApplyCharge(ctx, &stalePending)
	if err != nil {
		t.Fatal(err)
	}
	if res.Charge.Status != "successful" {
		t.Fatalf("stale pending view took a successful charge back to %s", res.Charge.Status)
	}
	// refunded_amount only grows.
	refunded := *paid
	refunded.RefundedAmount = 3000
	if _, err := e.svc.ApplyCharge(ctx, &refunded); err != nil {
		t.Fatal(err)
	}
	if res, _ := e.svc.ApplyCharge(ctx, paid); res.Charge.RefundedAmount != 3000 {
		t.Fatalf("refunded_amount went back to %d", res.Charge.RefundedAmount)
	}
}

func TestSyncerCatchesUpWithoutWebhooks(t *testing.T) {
	t.Parallel()
	e := newCoreEnv(t, sim.Options{WebhooksOff: true})
	ctx := context.Background()
	var ids []string
	for i := 0; i < 30; i++ {
		oc := e.createCharge(t, int64(2000+i*100), map[string]string{"attempt_id": "a"})
		ids = append(ids, oc.ID)
	}
	y := &Syncer{Svc: e.svc, Interval: time.Second}
	if err := y.Pass(ctx); err != nil { // imports all 30 as pending
		t.Fatal(err)
	}
	for i, id := range ids {
		switch i % 3 {
		case 0:
			e.sim.MarkPaid(id)
		case 1:
			e.sim.MarkFailed(id, omise.FailureInsufficientBalance)
		}
	}
	e.sim.RefundQuietly(ids[0], 500)
	if err := y.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		want, err := e.client.GetCharge(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.svc.DB.GetCharge(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != string(want.Status) || got.RefundedAmount != want.RefundedAmount || got.Fee != want.Fee || got.Net != want.Net {
			t.Fatalf("%s: local %s/%d, omise %s/%d", id, got.Status, got.RefundedAmount, want.Status, want.RefundedAmount)
		}
	}
}

func TestSyncerImportsChargesMadeElsewhere(t *testing.T) {
	t.Parallel()
	e := newCoreEnv(t, sim.Options{WebhooksOff: true})
	ctx := context.Background()
	oc := e.createCharge(t, 9900, nil)
	y := &Syncer{Svc: e.svc}
	if err := y.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := e.svc.DB.GetCharge(ctx, oc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.StoreID != "store_1234" || c.TerminalID != "POS-01" || c.BarcodeMasked != "28•••••••••••••0123" {
		t.Fatalf("imported charge lacks its source's store/terminal: %+v", c)
	}
}

func TestProcessEventWhenOmiseDown(t *testing.T) {
	t.Parallel()
	e := newCoreEnv(t, sim.Options{})
	ctx := context.Background()
	oc := e.createCharge(t, 5000, nil)
	real := latestEventFor(t, e, oc.ID, "charge.create")
	raw, ev := eventBody(t, real.ID, real.Key, map[string]any{"object": "charge", "id": oc.ID})
	e.sim.SetFaults(sim.Faults{FailNext5xx: 1})
	out, err := e.svc.ReceiveWebhook(ctx, raw, ev, "unsigned")
	if err == nil || !out.Retryable {
		t.Fatalf("want a retryable error, got %+v %v", out, err)
	}
	// Omise's retry (or the syncer) processes the stored event.
	out, err = e.svc.ReceiveWebhook(ctx, raw, ev, "unsigned")
	if err != nil || out.Result != db.EventApplied {
		t.Fatalf("retry: %+v %v", out, err)
	}
}

func TestStateTransitionApplyIsIdempotent(t *testing.T) {
	t.Parallel()
	e := newCoreEnv(t, sim.Options{})
	ctx := context.Background()
	oc := e.createCharge(t, 5000, nil)
	r1, _ := e.svc.ApplyCharge(ctx, oc)
	r2, _ := e.svc.ApplyCharge(ctx, oc)
	if !r1.Changed || r2.Changed {
		t.Fatalf("first apply changed=%v, second changed=%v", r1.Changed, r2.Changed)
	}
	if e.notes.count() != 1 {
		t.Fatalf("published %d changes, want 1", e.notes.count())
	}
}

var _ http.Handler = (*sim.Sim)(nil)

func BenchmarkApplyCharge(b *testing.B) {
	ctx := context.Background()
	d, err := db.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	svc := &Service{DB: d}
	now := time.Now().UTC()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		oc := &omise.Charge{ID: "chrg_test_" + time.Duration(i).String(), Amount: 5000, Currency: "THB", Status: omise.StatusPending, CreatedAt: now}
		if _, err := svc.ApplyCharge(ctx, oc); err != nil {
			b.Fatal(err)
		}
		oc.Status = omise.StatusSuccessful
		if _, err := svc.ApplyCharge(ctx, oc); err != nil {
			b.Fatal(err)
		}
	}
}
