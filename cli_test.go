package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"instore/db"
)

func TestCLI(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "cli.db")
	env := envMap(map[string]string{"INSTORE_DB": dbPath})
	cases := []struct {
		name    string
		args    string
		stdin   string
		wantErr string // "" = success
		usage   bool   // usage printed
		out     string
	}{
		{"unknown command", "frobnicate", "", "unknown command", true, ""},
		{"user without verb", "user", "", "unknown command", true, ""},
		{"help", "help", "", "", true, ""},
		{"user add missing role", "user add --username ann", "", "needs --username and --role", true, ""},
		{"user add unknown flag", "user add --username ann --role admin --shop x", "", "flag provided but not defined", true, ""},
		{"user add bad username", "user add --username A --role admin", "", "--username: Username: 3–32", false, ""},
		{"user add bad role", "user add --username ann --role boss", "", "--role: Choose one of the roles", false, ""},
		{"user add cashier without store", "user add --username ann --role cashier", "", "--store: Choose a store", false, ""},
		{"user add short password", "user add --username root --role admin", "short\n", "password (stdin): Password: at least 10", false, ""},
		{"user add admin", "user add --username root --role admin", "a-long-password\n", "", false, "created user root (admin)"},
		{"user add duplicate", "user add --username ROOT --role admin", "a-long-password\n", "That username is taken", false, ""},
		{"user add unknown store", "user add --username ann --role cashier --store nope", "a-long-password\n", "no such store", false, ""},
		{"terminal add missing", "terminal add --store-id s1", "", "needs --store-id, --store-name and --terminal-id", true, ""},
		{"terminal add bad id", "terminal add --store-id 's 1' --store-name Shop --terminal-id T1", "", "--store-id: Store ID", false, ""},
		{"terminal add bad source", "terminal add --store-id s1 --store-name Shop --terminal-id T1 --source-type card", "", "--source-type", false, ""},
		{"terminal add", "terminal add --store-id s1 --store-name ร้านหนึ่ง --terminal-id POS-01 --label Front", "", "", false, "added terminal POS-01 to store s1"},
		{"terminal add again", "terminal add --store-id s1 --store-name ร้านหนึ่ง --terminal-id POS-01", "", "already has a terminal", false, ""},
		{"terminal add renames", "terminal add --store-id s1 --store-name 'Shop One' --terminal-id POS-02 --source-type alipayplus_upm", "", "", false, "(Shop One, alipayplus_upm, confirm above ฿5,000.00)"},
		{"terminal add bad threshold", "terminal add --store-id s1 --store-name 'Shop One' --terminal-id POS-03 --confirm-above 25,00", "", "--confirm-above: Confirm above", false, ""},
		{"terminal add negative threshold", "terminal add --store-id s1 --store-name 'Shop One' --terminal-id POS-03 --confirm-above -5", "", "--confirm-above", false, ""},
		{"terminal add threshold", "terminal add --store-id s1 --store-name 'Shop One' --terminal-id POS-03 --confirm-above ๒,๕๐๐.๕", "", "", false, "confirm above ฿2,500.50"},
		{"terminal add keeps threshold", "terminal add --store-id s1 --store-name 'Shop One' --terminal-id POS-04", "", "", false, "confirm above ฿2,500.50"},
		{"terminal add never ask", "terminal add --store-id s2 --store-name Two --terminal-id POS-01 --confirm-above 0", "", "", false, "confirm above ฿0.00"},
		{"terminal add two methods", "terminal add --store-id s3 --store-name Three --terminal-id POS-01 --methods alipayplus_upm,barcode_alipay", "", "", false, "(Three, barcode_alipay+alipayplus_upm,"},
		{"terminal add unknown method", "terminal add --store-id s3 --store-name Three --terminal-id POS-02 --methods barcode_alipay,card", "", "--methods", false, ""},
		{"terminal add again in other capitals", "terminal add --store-id s1 --store-name 'Shop One' --terminal-id pos-01", "", "--terminal-id: That store already has a terminal", false, ""},
		{"terminal add store in other capitals", "terminal add --store-id S1 --store-name Other --terminal-id POS-09", "", "--store-id: A store with that ID exists already", false, ""},
		{"user add cashier", "user add --username ann --role cashier --store s1", "a-long-password\r\n", "", false, "created user ann (cashier)"},
		{"passwd no name", "user passwd", "", "exactly one username", true, ""},
		{"passwd unknown", "user passwd bob", "a-long-password\n", "no user", false, ""},
		{"passwd", "user passwd ann", "another-long-password\n", "", false, "password of ann changed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out strings.Builder
			err := run(context.Background(), splitArgs(c.args), env, strings.NewReader(c.stdin), &out)
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("err = %v\n%s", err, out.String())
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("err = %v, want %q", err, c.wantErr)
			}
			if c.usage != strings.Contains(out.String(), "usage:") {
				t.Fatalf("usage printed = %v, want %v:\n%s", !c.usage, c.usage, out.String())
			}
			if c.usage && c.wantErr != "" && !errors.Is(err, errUsage) {
				t.Fatalf("usage error not marked: %v", err)
			}
			if !strings.Contains(out.String(), c.out) {
				t.Fatalf("output %q lacks %q", out.String(), c.out)
			}
		})
	}

	d, err := db.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ann, err := d.GetUserByUsername(context.Background(), "ann")
	if err != nil || ann.SessionEpoch != 2 || ann.StoreID != "s1" {
		t.Fatalf("ann: %+v %v", ann, err)
	}
	h, _ := d.UserPasswordHash(context.Background(), ann.ID)
	if !db.CheckPassword(h, "another-long-password") {
		t.Fatal("password not changed")
	}
	s, _ := d.GetStore(context.Background(), "s1")
	if s.StoreName != "Shop One" || strings.Join(s.Methods, ",") != "alipayplus_upm" || s.ConfirmAbove != 250050 {
		t.Fatalf("store: %+v", s)
	}
	entries, _ := d.ListAudit(context.Background(), db.AuditFilter{Username: "cli"})
	if len(entries) < 5 {
		t.Fatalf("CLI changes not audited: %d rows", len(entries))
	}
}

// splitArgs splits on spaces, keeping 'single quoted' parts together.
func splitArgs(s string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range s {
		switch {
		case r == '\'':
			quoted = !quoted
		case r == ' ' && !quoted:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}
