package db

import (
	"context"
	"path/filepath"
	"testing"
)

func TestOpenMigratesAndSetsPragmas(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	d, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var mode string
	if err := d.W.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v", mode, err)
	}
	var fk, busy int
	d.R.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk)
	d.R.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&busy)
	if fk != 1 || busy != 10000 {
		t.Fatalf("foreign_keys=%d busy_timeout=%d", fk, busy)
	}
	d.Close()
	// Reopening applies nothing twice.
	d2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	if _, err := d2.R.ExecContext(ctx, `INSERT INTO settings VALUES ('a','b','c')`); err == nil {
		t.Fatal("reader pool accepted a write")
	}
}
