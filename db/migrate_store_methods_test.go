package db

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"testing"
)

// TestStoreMethodsMigrationKeepsData opens a database written before stores
// could take several methods and checks that 0010 carries each store's one
// source type over as its method, keeps the stores' other columns and the
// rows that reference stores, and leaves no foreign key broken.
func TestStoreMethodsMigrationKeepsData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	mustExec := func(q string, args ...any) {
		t.Helper()
		if _, err := raw.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	mustExec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`)
	for _, m := range ms {
		if m.version >= 10 {
			break
		}
		mustExec(m.sql)
		mustExec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, 'x')`, m.version, m.name)
	}
	const at = "2026-01-01T00:00:00.000000Z"
	mustExec(`INSERT INTO stores (store_id, store_name, source_type, confirm_above, created_at, updated_at)
VALUES ('a', 'Alipay shop', 'barcode_alipay', 100, ?, ?), ('p', 'Plus shop', 'alipayplus_upm', 0, ?, ?)`, at, at, at, at)
	mustExec(`INSERT INTO terminals (store_id, terminal_id, label, created_at, updated_at) VALUES ('p', 'T1', 'Front', ?, ?)`, at, at)
	mustExec(`INSERT INTO users (username, password_hash, role, store_id, created_at, updated_at)
VALUES ('mgr', 'x', 'manager', 'p', ?, ?)`, at, at)
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}

	d, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for id, want := range map[string][]string{"a": {"barcode_alipay"}, "p": {"alipayplus_upm"}} {
		s, err := d.GetStore(ctx, id)
		if err != nil || !slices.Equal(s.Methods, want) || s.CreatedAt.IsZero() {
			t.Fatalf("store %s: %+v %v", id, s, err)
		}
	}
	if s, _ := d.GetStore(ctx, "a"); s.ConfirmAbove != 100 || s.StoreName != "Alipay shop" {
		t.Fatalf("store a lost columns: %+v", s)
	}
	tt, err := d.GetTillTerminal(ctx, "p", "T1")
	if err != nil || !slices.Equal(tt.Methods, []string{"alipayplus_upm"}) || tt.Label != "Front" {
		t.Fatalf("till terminal: %+v %v", tt, err)
	}
	rows, err := d.R.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if rows.Next() {
		t.Fatal("a foreign key is broken after the migration")
	}
	// A store without a method cannot be written.
	if _, err := d.CreateStore(ctx, CLI, Store{StoreID: "none", StoreName: "None"}); err == nil {
		t.Fatal("a store with no method was created")
	}
}
