package db

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// The list page's light rows are the same page, in the same order, with
// the same cursor and the same shown fields as ListCharges.
func TestListChargeRowsMatchListCharges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openListDB(t)
	start := time.Date(2025, 3, 1, 2, 0, 0, 0, time.UTC)
	var cs []*Charge
	for i := 0; i < 130; i++ {
		c := &Charge{ID: fmt.Sprintf("chrg_test_r%05d", i), Amount: int64(2000 + i), Status: []string{"successful", "failed", "pending"}[i%3],
			StoreID: fmt.Sprintf("S%d", i%2), TerminalID: "T1", SourceType: "barcode_alipay",
			BarcodeMasked: []string{"28••••1234", `q"uo\te`, "ctl\x01\n\u2028", ""}[i%4],
			CreatedAt:     start.Add(time.Duration(i/2) * time.Minute)} // pairs share a time: the id breaks the tie
		if c.Status == "failed" {
			c.FailureCode = "payment_rejected"
		}
		if i%7 == 0 && c.Status == "successful" {
			c.RefundedAmount = 1000
		}
		cs = append(cs, c)
	}
	putListCharges(t, d, cs...)
	for _, f := range []ChargeFilter{{}, {StoreID: "S1"}, {Statuses: []string{"failed"}}, {Limit: 7}} {
		for page := 0; ; page++ {
			full, next, err := d.ListCharges(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			lp, err := d.ListChargeRows(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			light, lnext := lp.Charges, lp.Next
			if len(full) != len(light) || next != lnext {
				t.Fatalf("filter %+v page %d: %d rows, cursor %q; light %d rows, cursor %q", f, page, len(full), next, len(light), lnext)
			}
			for i := range full {
				a, b := full[i], light[i]
				if a.ID != b.ID || a.Amount != b.Amount || a.Status != b.Status || a.FailureCode != b.FailureCode ||
					a.RefundedAmount != b.RefundedAmount || a.SourceType != b.SourceType || a.BarcodeMasked != b.BarcodeMasked ||
					a.StoreID != b.StoreID || a.TerminalID != b.TerminalID || !a.CreatedAt.Equal(b.CreatedAt) {
					t.Fatalf("row %d differs:\n%+v\n%+v", i, a, b)
				}
			}
			if next == "" {
				break
			}
			f.Cursor = next
		}
	}
}
