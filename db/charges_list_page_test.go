package db

import (
	"context"
	"reflect"
	"testing"
	"time"
)

// A page keeps its charges until it is released, whatever other lists run
// meanwhile; a page made from released storage holds nothing of the page
// before it.
func TestChargePageStorageReuse(t *testing.T) {
	t.Parallel()
	d := openListDB(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	putListCharges(t, d,
		&Charge{ID: "chrg_test_page1", Amount: 2000, Status: "failed", FailureCode: "payment_rejected", StoreID: "S1", TerminalID: "T1",
			SourceType: "barcode_alipay", BarcodeMasked: "28••••1111", CreatedAt: at},
		&Charge{ID: "chrg_test_page2", Amount: 3000, Status: "successful", StoreID: "S2", TerminalID: "T2",
			SourceType: "barcode_alipay", CreatedAt: at.Add(time.Minute)})
	snapshot := func(p *ChargePage) []Charge {
		var out []Charge
		for _, c := range p.Charges {
			out = append(out, *c)
		}
		return out
	}
	failed, err := d.ListChargeRows(ctx, ChargeFilter{Statuses: []string{"failed"}})
	if err != nil || len(failed.Charges) != 1 {
		t.Fatalf("failed page: %v %v", failed, err)
	}
	before := snapshot(failed)
	for range 3 {
		other, err := d.ListChargesShown(ctx, ChargeFilter{StoreID: "S2"})
		if err != nil {
			t.Fatal(err)
		}
		other.Release()
		other.Release() // twice is harmless
	}
	if !reflect.DeepEqual(before, snapshot(failed)) {
		t.Fatalf("an unreleased page changed: %+v, was %+v", snapshot(failed), before)
	}
	failed.Release()
	for range 3 {
		ok, err := d.ListChargeRows(ctx, ChargeFilter{StoreID: "S2"})
		if err != nil || len(ok.Charges) != 1 {
			t.Fatalf("S2 page: %v %v", ok, err)
		}
		if c := ok.Charges[0]; c.ID != "chrg_test_page2" || c.FailureCode != "" || c.BarcodeMasked != "" || c.Status != "successful" {
			t.Fatalf("reused storage kept the page before: %+v", c)
		}
		ok.Release()
	}
}
