package db

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// The JSON list's charges are ListCharges' page, order and cursor, with
// every field it names equal and the others left zero.
func TestListChargesShownMatchListCharges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openListDB(t)
	start := time.Date(2025, 3, 1, 2, 0, 0, 0, time.UTC)
	badUTF8 := "bad utf-8 \xff\xfe"
	if d.pg {
		badUTF8 = "PostgreSQL keeps UTF-8 only" // it refuses the bytes
	}
	var cs []*Charge
	for i := 0; i < 90; i++ {
		at := start.Add(time.Duration(i/2) * time.Minute) // pairs share a time: the id breaks the tie
		c := &Charge{ID: fmt.Sprintf("chrg_test_a%05d", i), Amount: int64(2000 + i), Status: []string{"successful", "failed", "expired"}[i%3],
			StoreID: fmt.Sprintf("S%d", i%2), TerminalID: "T1", SourceType: "barcode_alipay", BarcodeMasked: "28••••1234",
			CreatedAt: at, UpdatedAt: at.Add(time.Second), SyncedAt: at.Add(time.Minute), Cashier: "c", SourceID: "src_x",
			TransactionID: "tx", Livemode: i%5 == 0, Fee: int64(73 - i), FeeVat: 5, Net: int64(2000+i) - 78, FeeUnknown: i%4 == 0,
			ExpiresAt: &at}
		if i%2 == 0 {
			c.AttemptID = fmt.Sprintf("att_%d", i)
		}
		switch c.Status {
		case "failed":
			c.FailureCode, c.FailureMessage = "payment_rejected", []string{`rejected "<ไม่ผ่าน>"`,
				"tab\there\nnew \\ back \x01\x1f ctrl \x7f 😀 \u2028 / \\u0041 ,]", "", `\`, badUTF8}[i/3%5]
		case "expired":
			c.ExpiredAt = &at
		default:
			c.PaidAt = &at
			if i%7 == 0 {
				c.RefundedAmount = 1000
			}
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
			sp, err := d.ListChargesShown(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			shown, snext := sp.Charges, sp.Next
			if len(full) != len(shown) || next != snext {
				t.Fatalf("filter %+v page %d: %d rows, cursor %q; shown %d rows, cursor %q", f, page, len(full), next, len(shown), snext)
			}
			for i := range full {
				want := *full[i]
				want.Livemode, want.SourceID, want.Cashier, want.Metadata, want.TransactionID = false, "", "", "", ""
				want.BkkDay, want.ExpiresAt, want.SyncedAt = "", nil, time.Time{}
				if !reflect.DeepEqual(&want, shown[i]) {
					t.Fatalf("row %d differs:\n%+v\n%+v", i, &want, shown[i])
				}
			}
			if next == "" {
				break
			}
			f.Cursor = next
		}
	}
}
