package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
)

// errPostgresBackup answers a backup or integrity check asked of a
// PostgreSQL database: those are the database server's own tools, and the
// message names them rather than pretending to copy a file.
var errPostgresBackup = errors.New("backup: a PostgreSQL database is backed up with pg_dump " +
	"(for example: pg_dump --format=custom --file=instore.dump \"$INSTORE_DB\"), restored with pg_restore " +
	"and checked with pg_amcheck; instore backup copies SQLite files only")

// VacuumInto writes a consistent copy of the database file at srcPath to
// dest with VACUUM INTO. It reads inside one read transaction, so writers
// carry on meanwhile (WAL) and the copy holds exactly what was committed
// when it started. It opens srcPath without running migrations, so a
// backup never changes the file it copies. dest must not exist.
func VacuumInto(ctx context.Context, srcPath, dest string) error {
	if IsPostgresURL(srcPath) {
		return errPostgresBackup
	}
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("backup: %s already exists; choose a new file name", dest)
	}
	if _, err := os.Stat(srcPath); err != nil {
		return fmt.Errorf("backup: database %s: %w", srcPath, err)
	}
	src, err := sql.Open(driverName, bareDSN(srcPath))
	if err != nil {
		return err
	}
	defer src.Close()
	src.SetMaxOpenConns(1)
	if _, err := src.ExecContext(ctx, `VACUUM INTO ?`, dest); err != nil {
		os.Remove(dest)
		return fmt.Errorf("backup: vacuum into %s: %w", dest, err)
	}
	return nil
}

// IntegrityCheck runs PRAGMA integrity_check on the file at path and
// returns nil when SQLite answers "ok", else an error listing what it found.
func IntegrityCheck(ctx context.Context, path string) error {
	if IsPostgresURL(path) {
		return errPostgresBackup
	}
	if _, err := os.Stat(path); err != nil {
		return err
	}
	conn, err := sql.Open(driverName, bareDSN(path))
	if err != nil {
		return err
	}
	defer conn.Close()
	rows, err := conn.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var found []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		found = append(found, s)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(found) == 1 && found[0] == "ok" {
		return nil
	}
	return errors.New("integrity_check: " + strings.Join(found, "; "))
}

// CountCharges returns how many charges the database holds.
func (d *DB) CountCharges(ctx context.Context) (int64, error) {
	var n int64
	err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM charges`).Scan(&n)
	return n, err
}
