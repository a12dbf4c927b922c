package handlers

import (
	"context"

	"instore/db"
	"instore/payments"
	"instore/views"
)

// storeOptions lists the stores of a scope for a store picker: every store
// for a scope of every store, the group's stores for a group, none for a
// one-store scope (its store is fixed).
func storeOptions(ctx context.Context, d *db.DB, scope payments.ChargeScope) ([]views.Option, error) {
	if !scope.Picks() {
		return nil, nil
	}
	list, err := d.ListStores(ctx)
	if err != nil {
		return nil, err
	}
	var out []views.Option
	for _, s := range list {
		if scope.Has(s.StoreID) {
			out = append(out, views.Option{Value: s.StoreID, Label: s.StoreName + " (" + s.StoreID + ")"})
		}
	}
	return out, nil
}
