package db

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync"
	"testing"

	"instore/db/dbtest"
)

// Placeholders are numbered in order, except inside literals, quoted
// names and comments; the PostgreSQL forms of the dialect table replace
// SQLite's.
func TestRebind(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`a = ? AND b = ?`, `a = $1 AND b = $2`},
		{`x = '?' AND y = ? -- why?` + "\n" + `AND "q?" = ? /* ? */`, `x = '?' AND y = $1 -- why?` + "\n" + `AND "q?" = $2 /* ? */`},
		{`WHERE ` + whereLast4, `WHERE right(barcode_masked, 4) = $1`},
		{`WHERE ` + refundStateConds[StateRefunded], `WHERE (refunded_amount > 0 AND status = 'successful' AND refunded_amount >= amount)`},
		{`it's`, `it's`},
	} {
		if got := rebind(c.in); got != c.want {
			t.Errorf("rebind(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"postgres://shop:s3cret@db.example:5432/instore?sslmode=verify-full": "postgres://shop:xxxxx@db.example:5432/instore?sslmode=verify-full",
		"postgresql://shop@db/instore":                                       "postgresql://shop@db/instore",
		"postgres://db/instore":                                              "postgres://db/instore",
		"postgres://a:b@host":                                                "postgres://a:xxxxx@host",
	} {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// Several instances starting together on one new database migrate it
// once: the advisory lock makes the others wait and then find nothing to
// do. The reader pool refuses writes, as SQLite's does.
func TestPostgresMigratesOnceUnderLock(t *testing.T) {
	dbtest.RequirePostgres(t)
	t.Parallel()
	ctx := context.Background()
	first := openTestDB(t) // makes the schema; its URL is reused below
	var schema string
	if err := first.R.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	// A second, empty schema that three instances open at once.
	admin, err := sql.Open(pgDriverName, testPostgresURL)
	if err != nil {
		t.Fatal(err)
	}
	fresh := schema + "_b"
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+fresh); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	// Cleanups run after the deferred closes below, and last registered first.
	t.Cleanup(func() {
		admin.ExecContext(context.Background(), `DROP SCHEMA `+fresh+` CASCADE`)
		admin.Close()
	})
	u := withRuntimeParam(testPostgresURL, "search_path", fresh)
	var wg sync.WaitGroup
	dbs := make([]*DB, 3)
	errs := make([]error, 3)
	for i := range dbs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			dbs[i], errs[i] = Open(ctx, u)
		}(i)
	}
	wg.Wait()
	for i, d := range dbs {
		if errs[i] != nil {
			t.Fatalf("instance %d: %v", i, errs[i])
		}
		defer d.Close()
	}
	ms, err := loadMigrationsFrom(pgMigrationFiles, "migrations_pg")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := dbs[0].R.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(ms) {
		t.Fatalf("schema_migrations has %d rows (%v), want %d", n, err, len(ms))
	}
	if _, err := dbs[1].R.ExecContext(ctx, `INSERT INTO settings VALUES ('a', 'b', 'c')`); err == nil {
		t.Fatal("reader pool accepted a write")
	}
	if err := dbs[2].SetSetting(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
}

// The PostgreSQL baseline and later migrations give every table the
// columns SQLite's migrations give it: a SQLite migration without its
// PostgreSQL twin fails here.
func TestPostgresSchemaMatchesSQLite(t *testing.T) {
	dbtest.RequirePostgres(t)
	t.Parallel()
	ctx := context.Background()
	lite, err := Open(ctx, filepath.Join(t.TempDir(), "schema.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	pg := openTestDB(t)
	columns := func(d *DB, q string) map[string]bool {
		rows, err := d.R.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]bool{}
		for rows.Next() {
			var table, column string
			if err := rows.Scan(&table, &column); err != nil {
				t.Fatal(err)
			}
			out[table+"."+column] = true
		}
		return out
	}
	want := columns(lite, `SELECT m.name, p.name FROM sqlite_schema m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`)
	got := columns(pg, `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`)
	for c := range want {
		if !got[c] {
			t.Errorf("PostgreSQL lacks %s", c)
		}
	}
	for c := range got {
		if !want[c] {
			t.Errorf("PostgreSQL has %s, SQLite does not", c)
		}
	}
}
