package main

import (
	"context"
	"fmt"
	"os"

	"instore/db"
)

// runBackup makes a consistent online copy of the database at dbPath in
// dest (`instore backup PATH`): VACUUM INTO a temporary file beside dest,
// PRAGMA integrity_check on the copy, then rename into place, so dest only
// ever appears complete and checked. The server may keep running and
// writing meanwhile. A PostgreSQL database is not copied: the answer
// explains pg_dump.
func runBackup(ctx context.Context, dbPath, dest string) error {
	if db.IsPostgresURL(dbPath) {
		// PostgreSQL is copied by its own tools; the error says which.
		return db.VacuumInto(ctx, dbPath, dest)
	}
	if dest == "" {
		return fmt.Errorf("backup: give the file to write, as in: instore backup /var/backups/instore-2025-03-20.db")
	}
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("backup: %s already exists; choose a new file name", dest)
	}
	tmp := dest + ".partial"
	os.Remove(tmp)
	if err := db.VacuumInto(ctx, dbPath, tmp); err != nil {
		return err
	}
	if err := db.IntegrityCheck(ctx, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup: the copy failed its check: %w", err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}
