package db

import (
	"context"
	"testing"
)

// The picker's listing follows every store change at once.
func TestStoreChoicesFollowStoreChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openListDB(t)
	by := Actor{Username: "test"}
	check := func(step string) {
		t.Helper()
		for range 2 { // the second read is the reused one
			got, err := d.StoreChoices(ctx)
			if err != nil {
				t.Fatal(err)
			}
			all, err := d.ListStores(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(all) {
				t.Fatalf("%s: %d choices, %d stores", step, len(got), len(all))
			}
			for i, s := range all {
				if got[i] != (StoreChoice{StoreID: s.StoreID, StoreName: s.StoreName}) {
					t.Fatalf("%s: choice %d is %+v, store %+v", step, i, got[i], s)
				}
			}
		}
	}
	check("no stores")
	if _, err := d.CreateStore(ctx, by, Store{StoreID: "S2", StoreName: "Second", Methods: []string{"barcode_alipay"}}); err != nil {
		t.Fatal(err)
	}
	check("one store")
	if _, err := d.CreateStore(ctx, by, Store{StoreID: "S1", StoreName: "ร้านแรก", Methods: []string{"barcode_alipay"}}); err != nil {
		t.Fatal(err)
	}
	check("two stores")
	if _, err := d.UpdateStore(ctx, by, Store{StoreID: "S2", StoreName: "Renamed", Methods: []string{"barcode_alipay"}}); err != nil {
		t.Fatal(err)
	}
	check("a rename")
}
