package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the PostgreSQL driver, for INSTORE_TEST_POSTGRES
)

// testPostgresURL names a throwaway PostgreSQL database to run this
// package's tests on as well; empty runs them on SQLite alone.
var testPostgresURL = os.Getenv("INSTORE_TEST_POSTGRES")

// onPostgres reports whether the tests run on PostgreSQL.
func onPostgres() bool { return testPostgresURL != "" }

// skipOnPostgres skips a test of something only SQLite has (pragmas, the
// file, the SQLite migrations' history).
func skipOnPostgres(t testing.TB, why string) {
	t.Helper()
	if onPostgres() {
		t.Skip("SQLite only: " + why)
	}
}

// openTestDB opens a fresh, migrated database for one test: a SQLite file
// in the test's directory, or with INSTORE_TEST_POSTGRES a schema of its
// own in that database (dropped afterwards), so parallel tests never see
// each other's rows.
func openTestDB(t testing.TB) *DB {
	t.Helper()
	ctx := context.Background()
	if !onPostgres() {
		d, err := Open(ctx, filepath.Join(t.TempDir(), "test.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	admin, err := sql.Open(pgDriverName, testPostgresURL)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 8)
	rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	d, err := Open(ctx, withRuntimeParam(testPostgresURL, "search_path", schema))
	if err != nil {
		admin.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`)
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		d.Close()
		if os.Getenv("INSTORE_TEST_POSTGRES_KEEP") == "" {
			admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
		}
		admin.Close()
	})
	return d
}
