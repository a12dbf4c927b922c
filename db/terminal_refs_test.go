package db

import (
	"context"
	"testing"
)

// A terminal made by this process is in the next listing at once, though
// listings are reused for a moment.
func TestTerminalRefsSeeANewTerminalAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openListDB(t)
	by := Actor{Username: "test"}
	if _, err := d.CreateStore(ctx, by, Store{StoreID: "S1", StoreName: "One", Methods: []string{SourceBarcodeAlipay}}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateTerminal(ctx, by, Terminal{StoreID: "S1", TerminalID: "T2"}); err != nil {
		t.Fatal(err)
	}
	refs, err := d.TerminalRefs(ctx, "")
	if err != nil || len(refs) != 1 || refs[0] != (TerminalRef{"S1", "T2"}) {
		t.Fatalf("first listing: %v %v", refs, err)
	}
	if _, err := d.CreateTerminal(ctx, by, Terminal{StoreID: "S1", TerminalID: "T1"}); err != nil {
		t.Fatal(err)
	}
	for _, store := range []string{"", "S1"} {
		refs, err = d.TerminalRefs(ctx, store)
		if err != nil || len(refs) != 2 || refs[0].TerminalID != "T1" || refs[1].TerminalID != "T2" {
			t.Fatalf("store %q after a new terminal: %v %v", store, refs, err)
		}
	}
	if refs, _ := d.TerminalRefs(ctx, "S9"); len(refs) != 0 {
		t.Fatalf("another store: %v", refs)
	}
}
