package payments

import (
	"testing"

	"instore/db"
)

// One rule decides which stores a user sees: admins and head office every
// store, a group's user the group's stores as read, anyone else their own;
// a cashier is one store's whatever else the row says; nil and disabled
// users see nothing.
func TestScopeOfAndCanAccessStore(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		u      *db.User
		sees   []string
		blind  []string
		all    bool
		single string
	}{
		{"nobody", nil, nil, []string{"a", ""}, false, ""},
		{"disabled admin", &db.User{Role: db.RoleAdmin, Disabled: true}, nil, []string{"a"}, false, ""},
		{"admin", &db.User{Role: db.RoleAdmin}, []string{"a", "z"}, nil, true, ""},
		{"one store", &db.User{Role: db.RoleManager, StoreID: "a"}, []string{"a"}, []string{"b", ""}, false, "a"},
		{"group", &db.User{Role: db.RoleFinance, GroupID: 7, GroupStores: []string{"a", "b"}}, []string{"a", "b"}, []string{"c", ""}, false, ""},
		{"group of one", &db.User{Role: db.RoleFinance, GroupID: 7, GroupStores: []string{"b"}}, []string{"b"}, []string{"a"}, false, "b"},
		{"empty group", &db.User{Role: db.RoleManager, GroupID: 7}, nil, []string{"a"}, false, ""},
		{"head office", &db.User{Role: db.RoleFinance, AllStores: true}, []string{"a", "z"}, nil, true, ""},
		{"cashier is one store", &db.User{Role: db.RoleCashier, StoreID: "a", AllStores: true}, []string{"a"}, []string{"b"}, false, "a"},
		{"cashier without store", &db.User{Role: db.RoleCashier, GroupID: 7, GroupStores: []string{"a"}}, nil, []string{"a"}, false, ""},
	}
	for _, c := range cases {
		sc := ScopeOf(c.u)
		if sc.AllStores != c.all || sc.Single() != c.single {
			t.Errorf("%s: scope %+v", c.name, sc)
		}
		for _, s := range c.sees {
			if !CanAccessStore(c.u, s) {
				t.Errorf("%s: cannot see %q", c.name, s)
			}
		}
		for _, s := range c.blind {
			if CanAccessStore(c.u, s) {
				t.Errorf("%s: sees %q", c.name, s)
			}
		}
		if l := sc.Limit(); (l == nil) != c.all {
			t.Errorf("%s: limit %v", c.name, l)
		}
	}
	if got := (ChargeScope{Stores: []string{"a", "b"}}).CheckStore("c"); got != "filter_store_other" {
		t.Errorf("outside the group: %q", got)
	}
	if got := (ChargeScope{}).CheckStore(""); got != "filter_store_unlinked" {
		t.Errorf("no store: %q", got)
	}
}
