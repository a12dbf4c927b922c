package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"instore/db/dbtest"
)

// RecordEventTx leaves an event as InsertEventTx then FinishEventTx would:
// a new one stored finished, a stored one keeping its body and signature.
func TestRecordEventIsInsertThenFinish(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openTestDB(t)
	at := time.Date(2026, 3, 1, 4, 0, 0, 0, time.UTC)
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		if err := RecordEventTx(ctx, tx, &OmiseEvent{ID: "evnt_test_new", Key: "charge.complete", ChargeID: "chrg_test_body",
			Signature: "valid", Raw: []byte(`{"a":1}`), ReceivedAt: at}, EventApplied, "done", "chrg_test_omise", at.Add(time.Second)); err != nil {
			return err
		}
		if err := InsertEventTx(ctx, tx, &OmiseEvent{ID: "evnt_test_old", Key: "charge.complete", ChargeID: "chrg_test_old",
			Signature: "unsigned", Raw: []byte(`{"b":22}`), ReceivedAt: at}); err != nil {
			return err
		}
		if err := FinishEventTx(ctx, tx, "evnt_test_old", EventError, "omise: timeout", "", at); err != nil {
			return err
		}
		return RecordEventTx(ctx, tx, &OmiseEvent{ID: "evnt_test_old", Key: "charge.complete", Signature: "valid",
			Raw: []byte(`{"c":333}`), ReceivedAt: at.Add(time.Hour)}, EventUnchanged, "again", "", at.Add(2*time.Hour))
	})
	if err != nil {
		t.Fatal(err)
	}
	e, err := d.GetEvent(ctx, "evnt_test_new")
	if err != nil {
		t.Fatal(err)
	}
	if e.Result != EventApplied || e.Detail != "done" || e.ChargeID != "chrg_test_omise" || e.Attempts != 1 ||
		e.RawSize != 7 || e.Signature != "valid" || !e.ReceivedAt.Equal(at) || e.ProcessedAt == nil || !e.ProcessedAt.Equal(at.Add(time.Second)) {
		t.Fatalf("new event: %+v", e)
	}
	e, err = d.GetEvent(ctx, "evnt_test_old")
	if err != nil {
		t.Fatal(err)
	}
	if e.Result != EventUnchanged || e.Detail != "again" || e.ChargeID != "chrg_test_old" || e.Attempts != 2 ||
		e.RawSize != 8 || e.Signature != "unsigned" || !e.ReceivedAt.Equal(at) || !e.ProcessedAt.Equal(at.Add(2*time.Hour)) {
		t.Fatalf("stored event: %+v", e)
	}
}

// A charge changed in place moves its share of the rollup by one row's
// difference; one moved to another store leaves its old row and joins the
// new one; a change that moves no total leaves the rollup alone.
func TestPutChargeMovesItsShareOfTheRollup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openTestDB(t)
	created := time.Date(2026, 3, 1, 4, 0, 0, 0, time.UTC)
	c := &Charge{ID: "chrg_test_move", Amount: 10000, Status: "pending", StoreID: "S1", TerminalID: "T1",
		SourceType: "barcode_alipay", CreatedAt: created}
	putListCharges(t, d, c)
	put := func(old Charge, change func(c *Charge)) {
		t.Helper()
		next := old
		change(&next)
		if err := d.Tx(ctx, func(tx *sql.Tx) error { return PutChargeTx(ctx, tx, &old, &next) }); err != nil {
			t.Fatal(err)
		}
		*c = next
	}
	type row struct{ pending, successful, gross, fee, refunded int64 }
	rollup := func(store string) (r row) {
		t.Helper()
		err := d.R.QueryRowContext(ctx, `SELECT pending_count, successful_count, gross, fee, charges_refunded FROM daily_totals
			WHERE store_id = ?`, store).Scan(&r.pending, &r.successful, &r.gross, &r.fee, &r.refunded)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	put(*c, func(c *Charge) { c.Status, c.Fee, c.FeeVat, c.Net = "successful", 365, 26, 9609 })
	if got := rollup("S1"); got != (row{0, 1, 10000, 365, 0}) {
		t.Fatalf("paid: %+v", got)
	}
	put(*c, func(c *Charge) { c.Metadata = `{"note":"x"}` })
	put(*c, func(c *Charge) { c.RefundedAmount = 4000 })
	if got := rollup("S1"); got != (row{0, 1, 10000, 365, 4000}) {
		t.Fatalf("refunded: %+v", got)
	}
	put(*c, func(c *Charge) { c.StoreID = "S2" })
	if got := rollup("S1"); got != (row{}) {
		t.Fatalf("old store after the move: %+v", got)
	}
	if got := rollup("S2"); got != (row{0, 1, 10000, 365, 4000}) {
		t.Fatalf("new store after the move: %+v", got)
	}
	var monthGross int64
	if err := d.R.QueryRowContext(ctx, `SELECT SUM(gross) FROM monthly_totals`).Scan(&monthGross); err != nil {
		t.Fatal(err)
	}
	if monthGross != 10000 {
		t.Fatalf("month rollup gross %d, want 10000", monthGross)
	}
}

// commitBatch keeps each caller's writes apart whichever caller fails:
// the first to run (no savepoint of its own), a later one, the last, or
// all; a caller whose context ended runs nothing.
func TestCommitBatchUndoesOnlyTheFailedCaller(t *testing.T) {
	dbtest.SkipOnPostgres(t, "PostgreSQL runs each Tx alone (txPG), with no batch")
	t.Parallel()
	ctx := context.Background()
	d := openTestDB(t)
	ended, cancel := context.WithCancel(ctx)
	cancel()
	for n, plan := range []string{"x", "o", "xoo", "oxo", "oox", "xx", "cxo", "cox", "oxxo"} {
		reqs := make([]*txRequest, len(plan))
		for i, what := range plan {
			key := fmt.Sprintf("batch%d-%d", n, i)
			r := &txRequest{ctx: ctx, done: make(chan error, 1), fn: func(tx *sql.Tx) error {
				if _, err := tx.Exec(`INSERT INTO settings (key, value, updated_at) VALUES (?, 'v', 'now')`, key); err != nil {
					return err
				}
				if what == 'x' {
					return errors.New("caller failed")
				}
				return nil
			}}
			if what == 'c' {
				r.ctx = ended
			}
			reqs[i] = r
		}
		d.commitBatch(reqs)
		for i, what := range plan {
			err := <-reqs[i].done
			if (err == nil) != (what == 'o') {
				t.Errorf("%s: caller %d: %v", plan, i, err)
			}
			var rows int
			if err := d.R.QueryRow(`SELECT COUNT(*) FROM settings WHERE key = ?`, fmt.Sprintf("batch%d-%d", n, i)).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			if (rows == 1) != (what == 'o') {
				t.Errorf("%s: caller %d left %d rows", plan, i, rows)
			}
		}
	}
}
