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

// A stored text holding the unit separator the SQLite lists cut their
// rows at (Omise's failure messages are free text) still lists as stored.
func TestChargeListsReadTextHoldingTheSeparator(t *testing.T) {
	t.Parallel()
	d := openListDB(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	paid := at.Add(time.Second)
	odd := &Charge{ID: "chrg_test_sep1", Amount: 2000, Status: "failed", FailureCode: "payment_rejected",
		FailureMessage: "rejected\x1fby\x1f\x1f the \"bank\" ไม่ผ่าน\\", StoreID: "S1", TerminalID: "T1", SourceType: "barcode_alipay",
		BarcodeMasked: "28••••1111", CreatedAt: at}
	plain := &Charge{ID: "chrg_test_sep2", Amount: 3000, Status: "successful", Fee: 100, FeeVat: 7, Net: 2893, StoreID: "S1",
		TerminalID: "T1", SourceType: "barcode_alipay", CreatedAt: at.Add(time.Minute), PaidAt: &paid}
	putListCharges(t, d, odd, plain)
	full, _, err := d.ListCharges(ctx, ChargeFilter{})
	if err != nil || len(full) != 2 {
		t.Fatalf("%v %v", full, err)
	}
	shown, err := d.ListChargesShown(ctx, ChargeFilter{})
	if err != nil || len(shown.Charges) != 2 {
		t.Fatalf("shown: %v %v", shown, err)
	}
	rows, err := d.ListChargeRows(ctx, ChargeFilter{})
	if err != nil || len(rows.Charges) != 2 {
		t.Fatalf("rows: %v %v", rows, err)
	}
	for i := range full {
		if got := shown.Charges[i]; got.FailureMessage != full[i].FailureMessage || got.ID != full[i].ID ||
			got.Net != full[i].Net || !reflect.DeepEqual(got.PaidAt, full[i].PaidAt) || got.ExpiredAt != nil {
			t.Fatalf("shown %d: %+v, stored %+v", i, got, full[i])
		}
		if got := rows.Charges[i]; got.ID != full[i].ID || got.FailureCode != full[i].FailureCode || !got.CreatedAt.Equal(full[i].CreatedAt) {
			t.Fatalf("row %d: %+v, stored %+v", i, got, full[i])
		}
	}
	if shown.Charges[1].FailureMessage != odd.FailureMessage {
		t.Fatalf("message %q, want %q", shown.Charges[1].FailureMessage, odd.FailureMessage)
	}
}
