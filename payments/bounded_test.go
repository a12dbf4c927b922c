package payments

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"instore/db"
	"instore/omise"
	"instore/omise/sim"
)

func TestRefundNoteLosesInvisibleCharacters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newRefundEnv(t)
	c := e.paidCharge(t, 50000)
	note := "\u200bcustomer \u202Eexe.txt\u202C returned\u2066 it\u2069\ufeff"
	f, err := e.svc.Refund(ctx, manager, RefundRequest{ChargeID: c.ID, Amount: 1000, Reason: ReasonWrongAmount, Note: note, IdempotencyKey: newKey()})
	if err != nil {
		t.Fatal(err)
	}
	if want := "customer exe.txt returned it"; f.Note != want {
		t.Fatalf("note %q, want %q", f.Note, want)
	}
	var stored string
	if err := e.svc.DB.R.QueryRowContext(ctx, `SELECT note FROM refund_requests WHERE charge_id = ?`, c.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != f.Note || strings.Contains(f.Metadata, "\u202e") {
		t.Fatalf("stored request note %q, metadata %s", stored, f.Metadata)
	}
	refunds, err := e.client.ListChargeRefunds(ctx, c.ID, omise.ListParams{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range refunds.Data {
		if n, _ := r.Metadata["note"].(string); n != f.Note {
			t.Fatalf("note sent to Omise: %q", n)
		}
	}
}

func TestRejectedEventKeepsNoBody(t *testing.T) {
	t.Parallel()
	e := newCoreEnv(t, sim.Options{})
	ctx := context.Background()
	pad := strings.Repeat("x", 900<<10)
	raw, ev := eventBody(t, "evnt_test_forgedbig00000000000", "charge.complete", map[string]any{"object": "charge", "id": "chrg_test_claimed", "pad": pad})
	out, err := e.svc.ReceiveWebhook(ctx, raw, ev, "unsigned")
	if err != nil || out.Result != db.EventRejected {
		t.Fatalf("forged: %+v %v", out, err)
	}
	stored, err := e.svc.DB.GetEvent(ctx, ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.RawSize != len(raw) || stored.ChargeID != "" || stored.Detail == "" {
		t.Fatalf("stored %+v: want size %d, no charge, a reason", stored, len(raw))
	}
	var bodyLen int
	if err := e.svc.DB.R.QueryRowContext(ctx, `SELECT length(raw) FROM omise_events WHERE id = ?`, ev.ID).Scan(&bodyLen); err != nil || bodyLen != 0 {
		t.Fatalf("body of a rejected event kept: %d bytes (%v)", bodyLen, err)
	}
}

func TestUnsignedDeliveriesShareABudget(t *testing.T) {
	t.Parallel()
	e := newCoreEnv(t, sim.Options{})
	ctx := context.Background()
	e.svc.UnsignedLookups = rate.NewLimiter(0, 2*lookupsPerDelivery) // two deliveries, no refill
	oc := e.createCharge(t, 5000, nil)
	real := latestEventFor(t, e, oc.ID, "charge.create")
	before := e.sim.Stats().Requests["GET /events/{id}"]
	raw, ev := eventBody(t, real.ID, real.Key, map[string]any{"object": "charge", "id": oc.ID})
	if out, err := e.svc.ReceiveWebhook(ctx, raw, ev, "unsigned"); err != nil || out.Result == "deferred" {
		t.Fatalf("first: %+v %v", out, err)
	}
	// A repeat of a processed event costs nothing.
	if out, err := e.svc.ReceiveWebhook(ctx, raw, ev, "unsigned"); err != nil || out.Result != "duplicate" {
		t.Fatalf("duplicate: %+v %v", out, err)
	}
	forged := func(id string) (WebhookOutcome, error) {
		raw, ev := eventBody(t, id, "charge.complete", map[string]any{"object": "charge", "id": oc.ID})
		return e.svc.ReceiveWebhook(ctx, raw, ev, "unsigned")
	}
	if _, err := forged("evnt_test_budget1"); err != nil {
		t.Fatal(err)
	}
	out, err := forged("evnt_test_budget2")
	if !errors.Is(err, ErrWebhookBudget) || !out.Retryable {
		t.Fatalf("over budget: %+v %v", out, err)
	}
	if _, err := e.svc.DB.GetEvent(ctx, "evnt_test_budget2"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("a deferred delivery was stored: %v", err)
	}
	// Signed deliveries do not draw on it.
	if _, err := forged("evnt_test_budget3"); !errors.Is(err, ErrWebhookBudget) {
		t.Fatalf("still over budget: %v", err)
	}
	raw, ev = eventBody(t, "evnt_test_budget4", "charge.complete", map[string]any{"object": "charge", "id": oc.ID})
	if _, err := e.svc.ReceiveWebhook(ctx, raw, ev, "valid"); err != nil {
		t.Fatalf("signed delivery: %v", err)
	}
	// A signed delivery is Omise's: only its charge is read, not the event.
	if n := e.sim.Stats().Requests["GET /events/{id}"] - before; n != 2 {
		t.Fatalf("event look-ups = %d, want 2 (two budgeted, none for the signed one)", n)
	}
}

func TestHousekeepingPrunesEvents(t *testing.T) {
	t.Parallel()
	e := newCoreEnv(t, sim.Options{})
	ctx := context.Background()
	now := time.Now().UTC()
	day := 24 * time.Hour
	body := []byte(`{"object":"event"}`)
	events := []struct {
		id, result string
		age        time.Duration
		keep, body bool // record kept, body kept
	}{
		{"evnt_recent", db.EventApplied, 10 * day, true, true},
		{"evnt_old_body", db.EventApplied, 100 * day, true, false},
		{"evnt_rejected_recent", db.EventRejected, 10 * day, true, false},
		{"evnt_rejected_old", db.EventRejected, 100 * day, false, false},
		{"evnt_in_refund_window", db.EventUnchanged, 364 * day, true, false},
		{"evnt_past_refund_window", db.EventApplied, 366 * day, false, false},
	}
	for _, ev := range events {
		raw := body
		if ev.result == db.EventRejected {
			raw = nil
		}
		err := e.svc.DB.Tx(ctx, func(tx *sql.Tx) error {
			return db.RecordEventTx(ctx, tx, &db.OmiseEvent{ID: ev.id, Key: "charge.complete", Signature: "unsigned", Raw: raw, RawSize: 18, ReceivedAt: now.Add(-ev.age)},
				ev.result, "test", "", now.Add(-ev.age))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	k := &Housekeeping{Svc: e.svc, EventBodies: 90 * day}
	if err := k.PruneEvents(ctx, now); err != nil {
		t.Fatal(err)
	}
	for _, ev := range events {
		var n, size int
		err := e.svc.DB.R.QueryRowContext(ctx, `SELECT length(raw), raw_size FROM omise_events WHERE id = ?`, ev.id).Scan(&n, &size)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if ev.keep {
				t.Errorf("%s deleted", ev.id)
			}
		case err != nil:
			t.Fatal(err)
		case !ev.keep:
			t.Errorf("%s kept", ev.id)
		case (n > 0) != ev.body || size != 18:
			t.Errorf("%s: body %d bytes, size %d; want body kept %v, size 18", ev.id, n, size, ev.body)
		}
	}
}
