// Package dbtest gives tests a fresh database: a SQLite file in the test's
// directory, or with INSTORE_TEST_POSTGRES (a URL) a schema of its own in
// that PostgreSQL database, dropped when the test ends. Only tests import
// it, so the binary never links it (nor, through it, the PostgreSQL driver).
//
// It returns what to pass to db.Open rather than opening the database
// itself, so package db's own tests can use it without an import cycle.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the PostgreSQL driver, for INSTORE_TEST_POSTGRES
)

// EnvVar names the throwaway PostgreSQL database to run the suites on as
// well; empty runs them on SQLite alone.
const EnvVar = "INSTORE_TEST_POSTGRES"

// NeedsPostgres is the skip message of tests that only make sense on
// PostgreSQL; CI fails when it sees it, because there the variable is set.
const NeedsPostgres = "needs " + EnvVar

// URL is the PostgreSQL database the tests use, or "".
func URL() string { return os.Getenv(EnvVar) }

// OnPostgres reports whether the tests run on PostgreSQL.
func OnPostgres() bool { return URL() != "" }

// RequirePostgres skips a test of something only PostgreSQL has.
func RequirePostgres(t testing.TB) {
	t.Helper()
	if !OnPostgres() {
		t.Skip(NeedsPostgres)
	}
}

// SkipOnPostgres skips a test of something only SQLite has (pragmas, the
// file, the SQLite migrations' history), or one not yet passing there.
func SkipOnPostgres(t testing.TB, why string) {
	t.Helper()
	if OnPostgres() {
		t.Skip("SQLite only: " + why)
	}
}

// Source returns what db.Open needs for a fresh database for this test:
// the path of a new SQLite file named name in the test's directory, or the
// PostgreSQL URL with its search_path set to a new, empty schema, so
// parallel tests never see each other's rows. Register the database's
// Close after calling Source, so it runs before the schema is dropped.
// INSTORE_TEST_POSTGRES_KEEP keeps the schemas for a look afterwards.
func Source(t testing.TB, name string) string {
	t.Helper()
	if !OnPostgres() {
		return filepath.Join(t.TempDir(), name)
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", URL())
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 8)
	rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		t.Fatalf("%s: %v", EnvVar, err)
	}
	t.Cleanup(func() {
		if os.Getenv("INSTORE_TEST_POSTGRES_KEEP") == "" {
			admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
		}
		admin.Close()
	})
	return WithSearchPath(URL(), schema)
}

// WithSearchPath adds search_path to a PostgreSQL URL (pgx sends query
// parameters it does not know itself as run-time parameters). schema is a
// plain name that needs no escaping.
func WithSearchPath(u, schema string) string {
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + "search_path=" + schema
}

// TerminateKeyLock ends the server session holding the key lock named key
// (db.LockKey) in q's schema, as a database failover or a cut network
// does, and returns once the server has ended it. q is a pool of the
// instance's database, whose search_path names the test's schema. The
// hash repeats db's (locks_pg.go): a test that finds no holder fails.
func TerminateKeyLock(t testing.TB, q *sql.DB, key string) {
	t.Helper()
	ctx := context.Background()
	var pid int
	err := q.QueryRowContext(ctx, `SELECT pid FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND objsubid = 1
		AND ((classid::bigint << 32) | objid::bigint) = hashtextextended('instore.key ' || current_schema() || ' ' || $1, 0)`,
		key).Scan(&pid)
	if err != nil {
		t.Fatalf("holder of key %s: %v", key, err)
	}
	var ended bool
	if err := q.QueryRowContext(ctx, `SELECT pg_terminate_backend($1, 5000)`, pid).Scan(&ended); err != nil || !ended {
		t.Fatalf("terminate %d: %v %v", pid, ended, err)
	}
}
