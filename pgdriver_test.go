package main

import (
	"bufio"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"instore/db"
	"instore/db/dbtest"
)

// Every command works on a postgres:// INSTORE_DB as on a file: the admin
// commands write to it, backup explains pg_dump, and the server starts on
// it (with keys; demo mode refuses it, dbrefusal_test.go).
func TestCommandsOnPostgres(t *testing.T) {
	dbtest.RequirePostgres(t)
	ctx := context.Background()
	src := dbtest.Source(t, "cli")
	env := envMap(map[string]string{"INSTORE_DB": src, "INSTORE_ADDR": "127.0.0.1:0",
		"OMISE_SECRET_KEY": "skey_test_x", "OMISE_PUBLIC_KEY": "pkey_test_x", "OMISE_API_URL": "http://127.0.0.1:1"})
	for _, c := range []struct{ args, stdin, out string }{
		{"terminal add --store-id s1 --store-name 'Shop One' --terminal-id POS-01", "", "added terminal POS-01 to store s1"},
		{"terminal add --store-id s2 --store-name Two --terminal-id POS-01", "", "added terminal POS-01 to store s2"},
		{"user add --username root --role admin", "a-long-password\n", "created user root (admin)"},
		{"user add --username ann --role cashier --store s1", "a-long-password\n", "created user ann (cashier)"},
		{"group add --name North --stores s1,s2", "", "North"},
		{"group list", "", "North"},
		{"user add --username nina --role manager --group North", "a-long-password\n", "created user nina (manager)"},
		{"user passwd ann", "another-long-password\n", "password of ann changed"},
	} {
		var out strings.Builder
		if err := run(ctx, splitArgs(c.args), env, strings.NewReader(c.stdin), &out); err != nil {
			t.Fatalf("%s: %v\n%s", c.args, err, out.String())
		}
		if !strings.Contains(out.String(), c.out) {
			t.Fatalf("%s: output %q lacks %q", c.args, out.String(), c.out)
		}
	}
	dest := filepath.Join(t.TempDir(), "copy.db")
	if err := run(ctx, []string{"backup", dest}, env, strings.NewReader(""), io.Discard); err == nil ||
		!strings.Contains(err.Error(), "pg_dump") {
		t.Fatalf("backup of PostgreSQL: %v, want the pg_dump explanation", err)
	}
	// A shell without the instances' Omise keys runs the commands too: they
	// start no simulator, so demo mode's refusal is the server's alone.
	keyless := envMap(map[string]string{"INSTORE_DB": src})
	var out strings.Builder
	if err := run(ctx, []string{"group", "list"}, keyless, strings.NewReader(""), &out); err != nil || !strings.Contains(out.String(), "North") {
		t.Fatalf("group list without keys: %v\n%s", err, out.String())
	}
	if err := run(ctx, []string{"backup", dest}, keyless, strings.NewReader(""), io.Discard); err == nil ||
		!strings.Contains(err.Error(), "pg_dump") {
		t.Fatalf("backup of PostgreSQL without keys: %v, want the pg_dump explanation", err)
	}

	d, err := db.Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	ann, err := d.GetUserByUsername(ctx, "ann")
	if err != nil || ann.StoreID != "s1" {
		t.Fatalf("ann: %+v %v", ann, err)
	}
	h, _ := d.UserPasswordHash(ctx, ann.ID)
	d.Close()
	if !db.CheckPassword(h, "another-long-password") {
		t.Fatal("password not changed")
	}

	// The server starts on it: users exist, so it prints only its URL.
	sctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(sctx, nil, env, strings.NewReader(""), pw); pw.Close() }()
	sc := bufio.NewScanner(pr)
	started := false
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "URL http://127.0.0.1:") {
			started = true
			break
		}
	}
	cancel()
	go io.Copy(io.Discard, pr)
	if err := <-done; err != nil || !started {
		t.Fatalf("server on PostgreSQL: started=%v err=%v", started, err)
	}
}
