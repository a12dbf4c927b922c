package db

import (
	"context"
	"strings"
	"testing"
)

func TestDisplayNames(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"  สมชาย ใจดี  ":        "สมชาย ใจดี",
		"Ann\u200b Lee":         "Ann Lee", // a zero-width space pasted from the web
		"":                      "",
		strings.Repeat("ก", 60): strings.Repeat("ก", 60),
	} {
		if got, ok := CleanDisplayName(in); !ok || got != want {
			t.Errorf("CleanDisplayName(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{strings.Repeat("ก", 61), "tab\there", "bell\a"} {
		if _, ok := CleanDisplayName(bad); ok {
			t.Errorf("CleanDisplayName(%q) accepted", bad)
		}
	}

	ctx := context.Background()
	d := openAccountsDB(t)
	seedAccountsStore(t, d)
	u, err := d.CreateUser(ctx, accountsActor, NewUser{Username: "somchai", DisplayName: "สมชาย ใจดี", Role: RoleCashier, StoreID: "store_1234", PasswordHash: "x"})
	if err != nil || u.DisplayName != "สมชาย ใจดี" {
		t.Fatalf("create: %+v %v", u, err)
	}
	if u, err = d.SetUserDisplayName(ctx, accountsActor, u.ID, "Somchai J."); err != nil || u.DisplayName != "Somchai J." {
		t.Fatalf("rename: %+v %v", u, err)
	}
	if got, _ := d.GetUserByUsername(ctx, "somchai"); got.DisplayName != "Somchai J." {
		t.Fatalf("read back: %q", got.DisplayName)
	}
	rows, err := d.ListAudit(ctx, AuditFilter{Action: "user.name"})
	if err != nil || len(rows) != 1 || !strings.Contains(rows[0].Before, "สมชาย ใจดี") || !strings.Contains(rows[0].After, "Somchai J.") {
		t.Fatalf("audit: %+v %v", rows, err)
	}
}
