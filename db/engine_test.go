package db

import (
	"context"
	"testing"

	"instore/db/dbtest"
)

// testPostgresURL names a throwaway PostgreSQL database to run this
// package's tests on as well; empty runs them on SQLite alone.
var testPostgresURL = dbtest.URL()

// onPostgres reports whether the tests run on PostgreSQL.
func onPostgres() bool { return dbtest.OnPostgres() }

// skipOnPostgres skips a test of something only SQLite has (pragmas, the
// file, the SQLite migrations' history).
func skipOnPostgres(t testing.TB, why string) {
	t.Helper()
	dbtest.SkipOnPostgres(t, why)
}

// openTestDB opens a fresh, migrated database for one test: a SQLite file
// in the test's directory, or with INSTORE_TEST_POSTGRES a schema of its
// own in that database (dropped afterwards), so parallel tests never see
// each other's rows.
func openTestDB(t testing.TB) *DB {
	t.Helper()
	d, err := Open(context.Background(), dbtest.Source(t, "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}
