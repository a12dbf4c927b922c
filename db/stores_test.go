package db

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// Method ids as payments names them: db stores them as given.
const (
	SourceBarcodeAlipay = "barcode_alipay"
	SourceAlipayPlusUPM = "alipayplus_upm"
)

func TestStoresAndTerminals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openAccountsDB(t)
	if _, err := d.CreateTerminal(ctx, accountsActor, Terminal{StoreID: "store_1234", TerminalID: "POS-01"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("terminal of a missing store: %v", err)
	}
	seedAccountsStore(t, d)
	if _, err := d.CreateStore(ctx, accountsActor, Store{StoreID: "store_1234", StoreName: "x", Methods: []string{SourceBarcodeAlipay}}); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate store: %v", err)
	}
	s, err := d.UpdateStore(ctx, accountsActor, Store{StoreID: "store_1234", StoreName: "ร้านใหม่", Methods: []string{SourceAlipayPlusUPM}})
	if err != nil || s.StoreName != "ร้านใหม่" || !slices.Equal(s.Methods, []string{SourceAlipayPlusUPM}) {
		t.Fatalf("update: %+v %v", s, err)
	}
	if _, err := d.UpdateStore(ctx, accountsActor, Store{StoreID: "nope", StoreName: "x", Methods: []string{SourceAlipayPlusUPM}}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update missing: %v", err)
	}
	if s, err := d.UpsertStore(ctx, accountsActor, Store{StoreID: "s2", StoreName: "Two", Methods: []string{SourceBarcodeAlipay}}); err != nil || s.StoreName != "Two" {
		t.Fatalf("upsert new: %+v %v", s, err)
	}
	if s, err := d.UpsertStore(ctx, accountsActor, Store{StoreID: "s2", StoreName: "Two!", Methods: []string{SourceBarcodeAlipay}}); err != nil || s.StoreName != "Two!" {
		t.Fatalf("upsert existing: %+v %v", s, err)
	}
	stores, err := d.ListStores(ctx)
	if err != nil || len(stores) != 2 || stores[0].StoreID != "s2" {
		t.Fatalf("list: %v %v", stores, err)
	}

	for _, id := range []string{"POS-02", "POS-01"} {
		if _, err := d.CreateTerminal(ctx, accountsActor, Terminal{StoreID: "store_1234", TerminalID: id, Label: "Front"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.CreateTerminal(ctx, accountsActor, Terminal{StoreID: "store_1234", TerminalID: "POS-01"}); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate terminal: %v", err)
	}
	if _, err := d.CreateTerminal(ctx, accountsActor, Terminal{StoreID: "s2", TerminalID: "POS-01"}); err != nil {
		t.Fatalf("same terminal id in another store: %v", err)
	}
	ts, err := d.ListTerminals(ctx, "store_1234")
	if err != nil || len(ts) != 2 || ts[0].TerminalID != "POS-01" {
		t.Fatalf("list terminals: %v %v", ts, err)
	}
	if all, _ := d.ListTerminals(ctx, ""); len(all) != 3 {
		t.Fatalf("all terminals: %d", len(all))
	}
	tm, err := d.UpdateTerminal(ctx, accountsActor, Terminal{StoreID: "store_1234", TerminalID: "POS-01", Label: "Back"})
	if err != nil || tm.Label != "Back" {
		t.Fatalf("update terminal: %+v %v", tm, err)
	}
	if _, err := d.GetTerminal(ctx, "store_1234", "POS-09"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get missing terminal: %v", err)
	}
	audit, _ := d.ListAudit(ctx, AuditFilter{Action: "terminal.update"})
	if len(audit) != 1 || audit[0].Target != "store_1234/POS-01" || audit[0].Before != `{"label":"Front"}` {
		t.Fatalf("terminal audit: %+v", audit)
	}
}

func TestSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openAccountsDB(t)
	if _, err := d.GetSetting(ctx, "k"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
	if v, err := d.InitSetting(ctx, "k", "first"); err != nil || v != "first" {
		t.Fatalf("init: %q %v", v, err)
	}
	if v, err := d.InitSetting(ctx, "k", "second"); err != nil || v != "first" {
		t.Fatalf("init again: %q %v", v, err)
	}
	if err := d.SetSetting(ctx, "k", "third"); err != nil {
		t.Fatal(err)
	}
	if v, _ := d.GetSetting(ctx, "k"); v != "third" {
		t.Fatalf("set: %q", v)
	}
}

// "pos-01" beside "POS-01" (or "STORE_1234" beside "store_1234") would be a
// second till or store people take for the first: ids are unique whatever
// their capitals, and the first one stays as it was.
func TestIDsDifferingOnlyInCapitalsAreTaken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openAccountsDB(t)
	seedAccountsStore(t, d)
	if _, err := d.CreateTerminal(ctx, accountsActor, Terminal{StoreID: "store_1234", TerminalID: "POS-01"}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateTerminal(ctx, accountsActor, Terminal{StoreID: "store_1234", TerminalID: "pos-01"}); !errors.Is(err, ErrExists) {
		t.Fatalf("terminal differing in capitals: %v", err)
	}
	for _, id := range []string{"STORE_1234", "Store_1234"} {
		if _, err := d.CreateStore(ctx, accountsActor, Store{StoreID: id, StoreName: "x", Methods: []string{SourceBarcodeAlipay}}); !errors.Is(err, ErrExists) {
			t.Fatalf("store %s beside store_1234: %v", id, err)
		}
		if _, err := d.UpsertStore(ctx, accountsActor, Store{StoreID: id, StoreName: "x", Methods: []string{SourceBarcodeAlipay}}); !errors.Is(err, ErrExists) {
			t.Fatalf("upsert of store %s beside store_1234: %v", id, err)
		}
	}
	if stores, _ := d.ListStores(ctx); len(stores) != 1 || stores[0].StoreName != "Some Store" {
		t.Fatalf("stores: %+v", stores)
	}
	if ts, _ := d.ListTerminals(ctx, ""); len(ts) != 1 || ts[0].TerminalID != "POS-01" {
		t.Fatalf("terminals: %+v", ts)
	}
	// The same id in another store is another till.
	if _, err := d.CreateStore(ctx, accountsActor, Store{StoreID: "s2", StoreName: "Two", Methods: []string{SourceBarcodeAlipay}}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateTerminal(ctx, accountsActor, Terminal{StoreID: "s2", TerminalID: "pos-01"}); err != nil {
		t.Fatalf("same id in another store: %v", err)
	}
}
