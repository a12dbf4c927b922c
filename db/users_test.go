package db

import (
	"context"
	"errors"
	"testing"
	"time"
)

func openAccountsDB(t *testing.T) *DB {
	t.Helper()
	return openTestDB(t)
}

var accountsActor = Actor{UserID: 0, Username: "tester", Role: "admin", IP: "192.0.2.1"}

func seedAccountsStore(t *testing.T, d *DB) {
	t.Helper()
	if _, err := d.CreateStore(context.Background(), accountsActor, Store{StoreID: "store_1234", StoreName: "Some Store", Methods: []string{SourceBarcodeAlipay}}); err != nil {
		t.Fatal(err)
	}
}

func TestUsersLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openAccountsDB(t)
	seedAccountsStore(t, d)
	hash, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateUser(ctx, accountsActor, NewUser{Username: "ann", Role: RoleCashier, PasswordHash: hash}); !errors.Is(err, ErrStoreRequired) {
		t.Fatalf("cashier without store: %v", err)
	}
	if _, err := d.CreateUser(ctx, accountsActor, NewUser{Username: "ann", Role: RoleCashier, StoreID: "nope", PasswordHash: hash}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown store: %v", err)
	}
	u, err := d.CreateUser(ctx, accountsActor, NewUser{Username: "ann", Role: RoleCashier, StoreID: "store_1234", PasswordHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	if u.ID == 0 || u.Role != RoleCashier || u.StoreID != "store_1234" || u.SessionEpoch != 1 || u.Disabled {
		t.Fatalf("created %+v", u)
	}
	if _, err := d.CreateUser(ctx, accountsActor, NewUser{Username: "ANN", Role: RoleAdmin, PasswordHash: hash}); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate (case-insensitive): %v", err)
	}
	admin, err := d.CreateUser(ctx, accountsActor, NewUser{Username: "root", Role: RoleAdmin, StoreID: "store_1234", PasswordHash: hash})
	if err != nil || admin.StoreID != "" {
		t.Fatalf("admin gets no store: %+v %v", admin, err)
	}
	if n, _ := d.CountUsers(ctx); n != 2 {
		t.Fatalf("count %d", n)
	}
	got, err := d.GetUserByUsername(ctx, "Ann")
	if err != nil || got.ID != u.ID {
		t.Fatalf("by name: %+v %v", got, err)
	}
	if h, _ := d.UserPasswordHash(ctx, u.ID); !CheckPassword(h, "correct horse") || CheckPassword(h, "wrong horse") {
		t.Fatal("password check")
	}

	now := time.Now()
	if err := d.CreateSession(ctx, "sid-1", u.ID, "192.0.2.1", "test", now, now.Add(-8*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if s, err := d.GetSession(ctx, "sid-1"); err != nil || s.User.ID != u.ID {
		t.Fatalf("session: %+v %v", s, err)
	}
	u2, err := d.SetUserPassword(ctx, accountsActor, u.ID, hash)
	if err != nil || u2.SessionEpoch != 2 {
		t.Fatalf("password: %+v %v", u2, err)
	}
	if _, err := d.GetSession(ctx, "sid-1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("session survived a password change: %v", err)
	}
	u3, err := d.UpdateUserRole(ctx, accountsActor, u.ID, RoleManager, "store_1234")
	if err != nil || u3.Role != RoleManager {
		t.Fatalf("role: %+v %v", u3, err)
	}
	if _, err := d.UpdateUserRole(ctx, accountsActor, u.ID, RoleFinance, ""); !errors.Is(err, ErrStoreRequired) {
		t.Fatalf("finance without store: %v", err)
	}
	u4, err := d.SetUserDisabled(ctx, accountsActor, u.ID, true)
	if err != nil || !u4.Disabled {
		t.Fatalf("disable: %+v %v", u4, err)
	}
	if _, err := d.SetUserDisabled(ctx, accountsActor, 999, true); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}

	entries, err := d.ListAudit(ctx, AuditFilter{Target: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
		if e.Username != "tester" || e.IP != "192.0.2.1" || e.Result != "ok" {
			t.Fatalf("audit row %+v", e)
		}
	}
	want := []string{"user.disable", "user.update", "user.password", "user.create"}
	if len(actions) != len(want) {
		t.Fatalf("audit actions %v, want %v", actions, want)
	}
	for i := range want {
		if actions[i] != want[i] {
			t.Fatalf("audit actions %v, want %v", actions, want)
		}
	}
}

func TestSessionIdlePrunedOnCreate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openAccountsDB(t)
	u, err := d.CreateUser(ctx, accountsActor, NewUser{Username: "root", Role: RoleAdmin, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-10 * time.Hour)
	if err := d.CreateSession(ctx, "old", u.ID, "", "", old, old.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := d.CreateSession(ctx, "new", u.ID, "", "", now, now.Add(-8*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := d.GetSession(ctx, "old"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("idle session kept: %v", err)
	}
	if err := d.TouchSession(ctx, "new", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	s, err := d.GetSession(ctx, "new")
	if err != nil || !s.SeenAt.After(now) {
		t.Fatalf("touch: %+v %v", s, err)
	}
	if err := d.DeleteSession(ctx, "new"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.GetSession(ctx, "new"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted session: %v", err)
	}
}

func TestValidators(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fn   func(string) bool
		in   string
		want bool
	}{
		{"username ok", ValidUsername, "ann.b-c_1", true},
		{"username short", ValidUsername, "ab", false},
		{"username upper", ValidUsername, "Ann", false},
		{"username long", ValidUsername, "a234567890123456789012345678901234", false},
		{"store id ok", ValidStoreID, "store_1234", true},
		{"store id space", ValidStoreID, "store 1", false},
		{"store id empty", ValidStoreID, "", false},
		{"store id 33", ValidStoreID, "a23456789012345678901234567890123", false},
		{"terminal ok", ValidTerminalID, "POS-01", true},
		{"terminal thai", ValidTerminalID, "เครื่อง1", false},
		{"name thai", ValidStoreName, "ร้านกาแฟ สาขา 1", true},
		{"name empty", ValidStoreName, "", false},
		{"name padded", ValidStoreName, " x", false},
		{"name control", ValidStoreName, "a\nb", false},
		{"name 65", ValidStoreName, string(make([]byte, 65)), false},
		{"label empty", ValidLabel, "", true},
		{"password short", ValidPassword, "123456789", false},
		{"password ok", ValidPassword, "1234567890", true},
		{"password thai", ValidPassword, "รหัสผ่านยาวพอ", true},
		{"password 73 bytes", ValidPassword, string(make([]byte, 73)), false},
	}
	for _, tt := range tests {
		if got := tt.fn(tt.in); got != tt.want {
			t.Errorf("%s: %q -> %v, want %v", tt.name, tt.in, got, tt.want)
		}
	}
	if !Role("finance").Valid() || Role("root").Valid() {
		t.Error("Role.Valid")
	}
}

// Two admins who disable or demote each other at the same moment each pass
// the pages' "not yourself" check; the second change must still be refused,
// or nobody is left to manage users.
func TestLastEnabledAdminIsKept(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openAccountsDB(t)
	seedAccountsStore(t, d)
	hash, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	alice, err := d.CreateUser(ctx, accountsActor, NewUser{Username: "alice", Role: RoleAdmin, PasswordHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := d.CreateUser(ctx, accountsActor, NewUser{Username: "bob", Role: RoleAdmin, PasswordHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	byAlice := Actor{UserID: alice.ID, Username: "alice", Role: "admin"}
	byBob := Actor{UserID: bob.ID, Username: "bob", Role: "admin"}
	if _, err := d.SetUserDisabled(ctx, byAlice, bob.ID, true); err != nil {
		t.Fatal(err)
	}
	// Bob's request was let in before his account was disabled.
	if _, err := d.SetUserDisabled(ctx, byBob, alice.ID, true); !errors.Is(err, ErrLastAdmin) {
		t.Fatalf("disabling the last enabled admin: %v", err)
	}
	if _, err := d.UpdateUserRoleScope(ctx, byBob, alice.ID, RoleManager, UserScope{StoreID: "store_1234"}); !errors.Is(err, ErrLastAdmin) {
		t.Fatalf("demoting the last enabled admin: %v", err)
	}
	if u, _ := d.GetUser(ctx, alice.ID); u.Disabled || u.Role != RoleAdmin {
		t.Fatalf("last admin changed: %+v", u)
	}
	if n := len(mustAudit(t, d, "alice")); n != 1 {
		t.Fatalf("a refused change was audited: %d rows", n)
	}
	// What does not take admin rights away still works on the last admin.
	if _, err := d.SetUserPassword(ctx, byAlice, alice.ID, hash); err != nil {
		t.Fatal(err)
	}
	if _, err := d.SetUserDisplayName(ctx, byAlice, alice.ID, "Alice"); err != nil {
		t.Fatal(err)
	}
	// With bob enabled again, either may be disabled or demoted.
	if _, err := d.SetUserDisabled(ctx, byAlice, bob.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := d.UpdateUserRoleScope(ctx, byBob, alice.ID, RoleManager, UserScope{AllStores: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.SetUserDisabled(ctx, byBob, alice.ID, true); err != nil {
		t.Fatal(err)
	}
}

func mustAudit(t *testing.T, d *DB, target string) []AuditEntry {
	t.Helper()
	rows, err := d.ListAudit(context.Background(), AuditFilter{Target: target})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
