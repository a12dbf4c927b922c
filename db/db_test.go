package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
)

func TestOpenMigratesAndSetsPragmas(t *testing.T) {
	t.Parallel()
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

func TestGroupCommitIsolatesCallerErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openTestDB(t)
	const n = 200
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func(i int) {
			errs <- d.Tx(ctx, func(tx *sql.Tx) error {
				if _, err := tx.Exec(`INSERT INTO settings (key, value, updated_at) VALUES (?, 'v', 'now')`, fmt.Sprint("k", i)); err != nil {
					return err
				}
				if i%10 == 0 {
					return errors.New("caller failed")
				}
				return nil
			})
		}(i)
	}
	failed := 0
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			failed++
		}
	}
	var rows int
	d.R.QueryRow(`SELECT COUNT(*) FROM settings WHERE key LIKE 'k%'`).Scan(&rows)
	if failed != n/10 || rows != n-n/10 {
		t.Fatalf("failed=%d rows=%d, want %d and %d", failed, rows, n/10, n-n/10)
	}
}
