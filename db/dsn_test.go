package db

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// A file name with the characters a SQLite URI gives meaning to opens the
// file it names, with the same pragmas as any other.
func TestOpenPathWithURICharacters(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "shop #1 ?50% off.db")
	d, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the file named is not the file opened: %v", err)
	}
	var mode string
	if err := d.R.QueryRowContext(context.Background(), `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v; want wal", mode, err)
	}
	if err := IntegrityCheck(context.Background(), path); err != nil {
		t.Fatal(err)
	}
}
