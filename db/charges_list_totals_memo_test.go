package db

import (
	"context"
	"testing"
	"time"
)

// Under one WithCommitMemo the commit counter is read once: a commit made
// after that read is seen by the next request (a new memo), as it would be
// had every lookup of the first one been made at the moment of the read.
func TestCommitMemoReadsTheCounterOncePerRequest(t *testing.T) {
	t.Parallel()
	d := openListDB(t)
	if d.pg {
		t.Skip("PostgreSQL reads totals every time")
	}
	at := time.Date(2025, 3, 1, 2, 0, 0, 0, time.UTC)
	putListCharges(t, d, &Charge{ID: "chrg_test_memo1", Amount: 1000, Status: "failed", StoreID: "S1", TerminalID: "T1",
		SourceType: "barcode_alipay", CreatedAt: at})
	req := WithCommitMemo(context.Background())
	before, err := d.ChargeTotals(req, ChargeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	putListCharges(t, d, &Charge{ID: "chrg_test_memo2", Amount: 2000, Status: "failed", StoreID: "S1", TerminalID: "T1",
		SourceType: "barcode_alipay", CreatedAt: at.Add(time.Minute)})
	same, err := d.ChargeTotals(req, ChargeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if same != before {
		t.Fatalf("the request read the counter again: %+v, then %+v", before, same)
	}
	next, err := d.ChargeTotals(WithCommitMemo(context.Background()), ChargeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if next.Count != before.Count+1 {
		t.Fatalf("the next request missed the commit: %+v after %+v", next, before)
	}
}
