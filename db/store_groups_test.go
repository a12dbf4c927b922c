package db

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestStoreGroupsAndUserScopes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openAccountsDB(t)
	for _, id := range []string{"s1", "s2", "s3"} {
		if _, err := d.CreateStore(ctx, accountsActor, Store{StoreID: id, StoreName: "Store " + id, Methods: []string{SourceBarcodeAlipay}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.CreateStoreGroup(ctx, accountsActor, "North", []string{"s1", "nope"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown store: %v", err)
	}
	g, err := d.CreateStoreGroup(ctx, accountsActor, "North", []string{"s2", "s1", "s1"})
	if err != nil || !slices.Equal(g.Stores, []string{"s1", "s2"}) {
		t.Fatalf("group %+v %v", g, err)
	}
	if _, err := d.CreateStoreGroup(ctx, accountsActor, "north", nil); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate name: %v", err)
	}
	hash, _ := HashPassword("correct horse")
	mk := func(name string, role Role, sc UserScope) (*User, error) {
		return d.CreateUser(ctx, accountsActor, NewUser{Username: name, Role: role, StoreID: sc.StoreID, GroupID: sc.GroupID,
			AllStores: sc.AllStores, PasswordHash: hash})
	}
	for _, bad := range []struct {
		role Role
		sc   UserScope
		want error
	}{
		{RoleFinance, UserScope{}, ErrStoreRequired},
		{RoleCashier, UserScope{GroupID: g.ID}, ErrScopeInvalid},
		{RoleCashier, UserScope{AllStores: true}, ErrScopeInvalid},
		{RoleManager, UserScope{StoreID: "s1", GroupID: g.ID}, ErrScopeInvalid},
		{RoleManager, UserScope{GroupID: 999}, ErrNotFound},
	} {
		if _, err := mk("bad", bad.role, bad.sc); !errors.Is(err, bad.want) {
			t.Errorf("%s %+v: %v, want %v", bad.role, bad.sc, err, bad.want)
		}
	}
	area, err := mk("area", RoleManager, UserScope{GroupID: g.ID})
	if err != nil || area.GroupID != g.ID || !slices.Equal(area.GroupStores, []string{"s1", "s2"}) {
		t.Fatalf("group manager %+v %v", area, err)
	}
	head, err := mk("head", RoleFinance, UserScope{AllStores: true})
	if err != nil || !head.AllStores || head.StoreID != "" {
		t.Fatalf("head office %+v %v", head, err)
	}
	// The schema itself refuses what the code refuses (the CHECK rewritten
	// by the migration is the one in force).
	_, err = d.W.ExecContext(ctx, `INSERT INTO users (username, password_hash, role, all_stores, created_at, updated_at)
		VALUES ('till', 'x', 'cashier', 1, '', '')`)
	if err == nil {
		t.Fatal("schema took a cashier over every store")
	}
	_, err = d.W.ExecContext(ctx, `INSERT INTO users (username, password_hash, role, created_at, updated_at)
		VALUES ('nobody', 'x', 'finance', '', '')`)
	if err == nil {
		t.Fatal("schema took a finance user without scope")
	}

	// A session reads the group's stores as they are now.
	now := time.Now()
	if err := d.CreateSession(ctx, "sid-area", area.ID, "", "", now, now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := d.UpdateStoreGroup(ctx, accountsActor, g.ID, "North", []string{"s2"}); err != nil {
		t.Fatal(err)
	}
	s, err := d.GetSession(ctx, "sid-area")
	if err != nil || !slices.Equal(s.User.GroupStores, []string{"s2"}) || s.User.GroupID != g.ID {
		t.Fatalf("session after removing s1: %+v %v", s, err)
	}
	if err := d.DeleteStoreGroup(ctx, accountsActor, g.ID); !errors.Is(err, ErrGroupInUse) {
		t.Fatalf("delete in use: %v", err)
	}
	if u, err := d.UpdateUserRoleScope(ctx, accountsActor, area.ID, RoleManager, UserScope{StoreID: "s3"}); err != nil || u.GroupID != 0 || u.StoreID != "s3" {
		t.Fatalf("move to one store: %+v %v", u, err)
	}
	if err := d.DeleteStoreGroup(ctx, accountsActor, g.ID); err != nil {
		t.Fatal(err)
	}
	if gs, _ := d.ListStoreGroups(ctx); len(gs) != 0 {
		t.Fatalf("groups left %+v", gs)
	}
	if a, err := d.CreateUser(ctx, accountsActor, NewUser{Username: "root", Role: RoleAdmin, AllStores: true, PasswordHash: hash}); err != nil || a.AllStores {
		t.Fatalf("admin keeps no scope of its own: %+v %v", a, err)
	}
}
