package db

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"testing"
	"time"
)

func openAttemptsDB(t *testing.T) (*DB, context.Context) {
	t.Helper()
	ctx := context.Background()
	d := openTestDB(t)
	if _, err := d.CreateStore(ctx, CLI, Store{StoreID: "S1", StoreName: "ร้านหลัก", Methods: []string{SourceAlipayPlusUPM}}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"T2", "T1"} {
		if _, err := d.CreateTerminal(ctx, CLI, Terminal{StoreID: "S1", TerminalID: id, Label: "Counter " + id}); err != nil {
			t.Fatal(err)
		}
	}
	return d, ctx
}

func insertTestAttempt(t *testing.T, d *DB, ctx context.Context, id, terminal, hash, status string, at time.Time) {
	t.Helper()
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		return InsertAttemptTx(ctx, tx, &Attempt{AttemptID: id, StoreID: "S1", TerminalID: terminal, Cashier: "c",
			Amount: 5000, Currency: "THB", SourceType: SourceAlipayPlusUPM, BarcodeMasked: "28••1234",
			BarcodeHash: hash, Status: status, CreatedAt: at, UpdatedAt: at})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAttemptInsertGetAndRules(t *testing.T) {
	t.Parallel()
	d, ctx := openAttemptsDB(t)
	now := time.Now().UTC()
	insertTestAttempt(t, d, ctx, "a1", "T1", "h1", AttemptCreating, now.Add(-time.Minute))
	a, err := d.GetAttempt(ctx, "a1")
	if err != nil || a.Status != AttemptCreating || a.ChargeID != "" || a.UserID != 0 || a.ResolvedAt != nil {
		t.Fatalf("got %+v, %v", a, err)
	}
	if _, err := d.GetAttempt(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing attempt: %v", err)
	}
	// The primary key refuses a second row with the same id.
	err = d.Tx(ctx, func(tx *sql.Tx) error { return InsertAttemptTx(ctx, tx, a) })
	if err == nil {
		t.Fatal("duplicate attempt id accepted")
	}
	if c, _ := ClaimChecksQ(ctx, d.R, "a2", "h1", now.Add(-10*time.Minute), "S1", "T9"); !c.BarcodeUsed || c.Exists {
		t.Fatalf("code used a minute ago not found: %+v", c)
	}
	if c, _ := ClaimChecksQ(ctx, d.R, "a1", "h1", now, "S1", "T9"); c.BarcodeUsed || !c.Exists {
		t.Fatalf("code found outside the window: %+v", c)
	}
	if open, err := OpenAttemptForTerminalQ(ctx, d.R, "S1", "T1"); err != nil || open.AttemptID != "a1" {
		t.Fatalf("open attempt: %+v, %v", open, err)
	}
	if _, err := OpenAttemptForTerminalQ(ctx, d.R, "S1", "T2"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("T2 open attempt: %v", err)
	}
	// SetAttemptOutcome only moves from the expected status.
	if ok, err := d.SetAttemptOutcome(ctx, "a1", AttemptPending, AttemptFailed, "", "x", "", now); ok || err != nil {
		t.Fatalf("moved from the wrong status: %v %v", ok, err)
	}
	if ok, err := d.SetAttemptOutcome(ctx, "a1", AttemptCreating, AttemptRejected, "", "source_failed", "omise 500", now); !ok || err != nil {
		t.Fatalf("move: %v %v", ok, err)
	}
	a, _ = d.GetAttempt(ctx, "a1")
	if a.Status != AttemptRejected || a.ErrorCode != "source_failed" || a.ResolvedAt == nil {
		t.Fatalf("after move: %+v", a)
	}
	if _, err := OpenAttemptForTerminalQ(ctx, d.R, "S1", "T1"); !errors.Is(err, ErrNotFound) {
		t.Fatal("a rejected attempt still holds the terminal")
	}
}

func TestSyncAttemptFromCharge(t *testing.T) {
	t.Parallel()
	d, ctx := openAttemptsDB(t)
	now := time.Now().UTC()
	insertTestAttempt(t, d, ctx, "a1", "T1", "h1", AttemptUnknown, now)
	// apply returns what the update returned, after checking it is the
	// attempt as stored (nil when nothing changed).
	apply := func(c *Charge) *Attempt {
		t.Helper()
		var got *Attempt
		if err := d.Tx(ctx, func(tx *sql.Tx) error {
			var err error
			got, err = SyncAttemptFromChargeTx(ctx, tx, c, true)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if stored, _ := d.GetAttempt(ctx, "a1"); got != nil && !reflect.DeepEqual(got, stored) {
			t.Fatalf("returned %+v, stored %+v", got, stored)
		}
		return got
	}
	if got := apply(&Charge{ID: "chrg_1", AttemptID: "a1", Status: "pending", SyncedAt: now}); got == nil {
		t.Fatal("a changed attempt was not returned")
	}
	a, _ := d.GetAttempt(ctx, "a1")
	if a.Status != AttemptPending || a.ChargeID != "chrg_1" || a.ResolvedAt != nil {
		t.Fatalf("pending: %+v", a)
	}
	if got := apply(&Charge{ID: "chrg_1", AttemptID: "a1", Status: "pending", SyncedAt: now}); got != nil {
		t.Fatalf("nothing changed, yet %+v returned", got)
	}
	// Another charge claiming the same attempt does not take it over.
	if got := apply(&Charge{ID: "chrg_2", AttemptID: "a1", Status: "successful", SyncedAt: now}); got != nil {
		t.Fatalf("taken over, returned %+v", got)
	}
	if a, _ = d.GetAttempt(ctx, "a1"); a.ChargeID != "chrg_1" || a.Status != AttemptPending {
		t.Fatalf("taken over: %+v", a)
	}
	apply(&Charge{ID: "chrg_1", AttemptID: "a1", Status: "failed", FailureCode: "insufficient_balance",
		FailureMessage: "Insufficient balance", SyncedAt: now})
	a, _ = d.GetAttempt(ctx, "a1")
	if a.Status != AttemptFailed || a.ErrorCode != "insufficient_balance" || a.ResolvedAt == nil {
		t.Fatalf("failed: %+v", a)
	}
	// Charges without an attempt (made elsewhere) are ignored.
	apply(&Charge{ID: "chrg_3", Status: "pending", SyncedAt: now})
}

func TestTillTerminals(t *testing.T) {
	t.Parallel()
	d, ctx := openAttemptsDB(t)
	tt, err := d.GetTillTerminal(ctx, "S1", "T1")
	if err != nil || tt.StoreName != "ร้านหลัก" || len(tt.Methods) != 1 || tt.Methods[0] != SourceAlipayPlusUPM || tt.Label != "Counter T1" {
		t.Fatalf("got %+v, %v", tt, err)
	}
	if _, err := d.GetTillTerminal(ctx, "S2", "T1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("terminal of another store: %v", err)
	}
	list, err := d.ListTillTerminals(ctx, "S1")
	if err != nil || len(list) != 2 || list[0].TerminalID != "T1" {
		t.Fatalf("list %+v, %v", list, err)
	}
}
