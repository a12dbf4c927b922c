package db

import (
	"context"
	"testing"
)

func TestStoreConfirmAbove(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openAccountsDB(t)
	// A store written before the column existed (or by plain SQL) gets the default.
	if _, err := d.W.ExecContext(ctx, `INSERT INTO stores (store_id, store_name, created_at, updated_at)
VALUES ('old', 'Old', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`); err != nil {
		t.Fatal(err)
	}
	if s, err := d.GetStore(ctx, "old"); err != nil || s.ConfirmAbove != DefaultConfirmAbove {
		t.Fatalf("default: %+v %v", s, err)
	}
	s, err := d.CreateStore(ctx, accountsActor, Store{StoreID: "s1", StoreName: "One", Methods: []string{SourceBarcodeAlipay}, ConfirmAbove: 123400})
	if err != nil || s.ConfirmAbove != 123400 {
		t.Fatalf("create: %+v %v", s, err)
	}
	if _, err := d.CreateTerminal(ctx, accountsActor, Terminal{StoreID: "s1", TerminalID: "T1"}); err != nil {
		t.Fatal(err)
	}
	// A threshold-only change is a change (and audited).
	if s, err = d.UpdateStore(ctx, accountsActor, Store{StoreID: "s1", StoreName: "One", Methods: []string{SourceBarcodeAlipay}}); err != nil || s.ConfirmAbove != 0 {
		t.Fatalf("update to never ask: %+v %v", s, err)
	}
	if tt, err := d.GetTillTerminal(ctx, "s1", "T1"); err != nil || tt.ConfirmAbove != 0 {
		t.Fatalf("till terminal: %+v %v", tt, err)
	}
	if s, err = d.UpsertStore(ctx, accountsActor, Store{StoreID: "s1", StoreName: "One", Methods: []string{SourceBarcodeAlipay}, ConfirmAbove: 900000}); err != nil || s.ConfirmAbove != 900000 {
		t.Fatalf("upsert: %+v %v", s, err)
	}
	if l, err := d.ListTillTerminals(ctx, "s1"); err != nil || len(l) != 1 || l[0].ConfirmAbove != 900000 {
		t.Fatalf("till terminals: %+v %v", l, err)
	}
	if _, err := d.UpdateStore(ctx, accountsActor, Store{StoreID: "s1", StoreName: "One", Methods: []string{SourceBarcodeAlipay}, ConfirmAbove: -1}); err == nil {
		t.Fatal("negative threshold stored")
	}
	for v, ok := range map[int64]bool{-1: false, 0: true, 500000: true, 100000000: true, 100000001: false} {
		if ValidConfirmAbove(v) != ok {
			t.Errorf("ValidConfirmAbove(%d) = %v", v, !ok)
		}
	}
}
