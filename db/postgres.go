package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// PostgreSQL is the engine for a chain: several instances on one database.
// The package keeps one SQL text per statement where it can: queries are
// written with SQLite's ? placeholders and numbered ($1…$N) for pgx by the
// connection wrapper below, and the few SQLite functions the queries use
// (instr, group_concat, two-argument max) exist in the PostgreSQL schema as
// compatibility functions (migrations_pg/0001_init.sql). What cannot be
// shared is chosen by d.pg in the file that needs it.

// pgDriverName is pgx's database/sql driver (github.com/jackc/pgx/v5/stdlib).
// Like the SQLite driver it is linked by whoever opens a PostgreSQL
// database, not by this package, so a SQLite build carries no PostgreSQL
// client.
const pgDriverName = "pgx"

//go:embed migrations_pg/*.sql
var pgMigrationFiles embed.FS

// pgMigrateLockKey is the advisory lock several instances starting at once
// take around migrating, so the schema is migrated exactly once. Any fixed
// number works; this one is "instore" in ASCII.
const pgMigrateLockKey = 0x696e73746f7265

// IsPostgresURL reports whether s names a PostgreSQL database rather than
// a SQLite file. The URL is pgx's (libpq's keywords as query parameters):
// TLS to the server is whatever its sslmode says (prefer when absent;
// verify-full with sslrootcert=… to check the server's certificate).
func IsPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// redactURL hides the password of a database URL for messages and Path.
// Plain string work, not net/url: the domain packages build on db and must
// not carry a URL parser with them.
func redactURL(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return "postgres://…"
	}
	authority, path, _ := strings.Cut(rest, "/")
	at := strings.LastIndexByte(authority, '@')
	if at < 0 {
		return s
	}
	user, _, hasPassword := strings.Cut(authority[:at], ":")
	if !hasPassword {
		return s
	}
	out := scheme + "://" + user + ":xxxxx" + authority[at:]
	if len(rest) > len(authority) {
		out += "/" + path
	}
	return out
}

// withRuntimeParam adds a PostgreSQL run-time parameter to the URL (pgx
// sends the query parameters it does not know itself as such). key and
// value are this package's own, plain words that need no escaping.
func withRuntimeParam(s, key, value string) string {
	sep := "?"
	if strings.Contains(s, "?") {
		sep = "&"
	}
	return s + sep + key + "=" + value
}

// openPostgres opens the database at the URL: a writer pool and a reader
// pool whose sessions refuse writes, as on SQLite. Every Tx is its own
// transaction (no group commit, see txPG): one caller's error must not
// abort another's work.
func openPostgres(ctx context.Context, dbURL string) (*DB, error) {
	w, err := openPG(dbURL)
	if err != nil {
		return nil, fmt.Errorf("open writer: %w", err)
	}
	n := runtime.GOMAXPROCS(0) * 2
	if n < 4 {
		n = 4
	}
	w.SetMaxOpenConns(n)
	w.SetMaxIdleConns(n)
	w.SetConnMaxIdleTime(5 * time.Minute)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", redactURL(dbURL), err)
	}
	d := &DB{W: w, Path: redactURL(dbURL), pg: true}
	if err := d.migratePG(ctx); err != nil {
		w.Close()
		return nil, err
	}
	r, err := openPG(withRuntimeParam(dbURL, "default_transaction_read_only", "on"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open reader: %w", err)
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(5 * time.Minute)
	d.R = r
	if d.jobs, err = newJobLocks(dbURL); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("open job lock sessions: %w", err)
	}
	if d.advisory, err = openAdvisoryLocks(dbURL); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("open lock sessions: %w", err)
	}
	return d, nil
}

// lockSessionKeepalive are the server's TCP keepalive settings (seconds)
// for sessions that hold advisory locks (job leadership, key locks): the
// server notices a vanished instance within about idle + interval × count
// and frees its locks, instead of the operating system's default of two
// hours. The client side needs nothing set: pgx dials with Go's net.Dialer
// defaults, which keep TCP keepalives on, and every lock statement runs
// with a deadline anyway.
var lockSessionKeepalive = [][2]string{{"tcp_keepalives_idle", "10"}, {"tcp_keepalives_interval", "5"}, {"tcp_keepalives_count", "3"}}

// openLockSessions opens a pool for sessions that hold advisory locks,
// kept apart from the writers so holding a lock never takes a writer's
// connection.
func openLockSessions(dbURL string) (*sql.DB, error) {
	for _, kv := range lockSessionKeepalive {
		dbURL = withRuntimeParam(dbURL, kv[0], kv[1])
	}
	return openPG(dbURL)
}

func openPG(dbURL string) (*sql.DB, error) {
	probe, err := sql.Open(pgDriverName, dbURL) // connects nothing: it only finds the driver
	if err != nil {
		return nil, fmt.Errorf("%w (this build does not link the PostgreSQL driver)", err)
	}
	drv := probe.Driver()
	probe.Close()
	dc, ok := drv.(driver.DriverContext)
	if !ok {
		return nil, errors.New("db: the pgx driver has no connector")
	}
	base, err := dc.OpenConnector(dbURL)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(pgConnector{base: base}), nil
}

// migratePG applies the PostgreSQL migrations under a session advisory
// lock, so instances starting together wait for the first and then find
// nothing left to do. Each migration runs in its own transaction
// (PostgreSQL's DDL is transactional).
func (d *DB) migratePG(ctx context.Context) error {
	ms, err := loadMigrationsFrom(pgMigrationFiles, "migrations_pg")
	if err != nil {
		return err
	}
	conn, err := d.W.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(?)`, int64(pgMigrateLockKey)); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer func() {
		// A lock left behind would block every later start; if the unlock
		// cannot be sent, closing the session releases it.
		if _, err := conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(?)`, int64(pgMigrateLockKey)); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("schema_migrations: %w", err)
	}
	for _, m := range ms {
		err := func() error {
			tx, err := conn.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			// Sent as one simple-protocol batch: a migration is many
			// statements, which the extended protocol refuses.
			if _, err := tx.ExecContext(ctx, m.sql, pgSimpleProtocol); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, FormatTime(time.Now())); err != nil {
				return err
			}
			return tx.Commit()
		}()
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

// pgTxAttempts bounds how many times txPG runs one Tx: a deadlock or a
// serialization failure aborts the transaction and is settled by running
// it again, and a few tries settle any collision these short transactions
// have.
const pgTxAttempts = 5

// pgTxRetries counts the Tx that PostgreSQL aborted and txPG ran again
// (TxRetries), for the operator and the tests.
var pgTxRetries atomic.Int64

// TxRetries is how many times, since the process started, a transaction
// on PostgreSQL was aborted by a deadlock or a serialization failure and
// run again. A number that keeps growing means two paths take their locks
// in opposite orders.
func TxRetries() int64 { return pgTxRetries.Load() }

// txPG runs fn in a transaction of its own, at PostgreSQL's READ
// COMMITTED, with as many writers at once as the pool has connections:
// there is no lock shared by every writer. Each rule that reads and then
// decides rests on its own guard, taken where the rule is (the charge's
// lock, LockChargeTx; the terminal's row, LockTerminalTx; a unique key
// with ON CONFLICT; an UPDATE … WHERE that checks what it changes; the
// caller's LockKey), so writers to different charges, terminals and users
// never wait for each other.
//
// Row locks can meet in a cycle (two charges' rollup rows, a trigger's
// month row): PostgreSQL then aborts one transaction with a deadlock
// (40P01), or a serialization failure (40001). Neither wrote anything, so
// fn is run again from the start on a new transaction, after a short
// random pause so the two do not collide again in step. fn must therefore
// set whatever it hands out anew on every run (the callers assign their
// results, never append to what an earlier run left).
func (d *DB) txPG(ctx context.Context, fn func(tx *sql.Tx) error) error {
	pause := 2 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := d.txDirect(ctx, fn)
		code := pgRetryable(err)
		if code == "" || attempt == pgTxAttempts {
			return err
		}
		pgTxRetries.Add(1)
		slog.Info("db: transaction aborted by the server, running it again", "sqlstate", code, "attempt", attempt)
		t := time.NewTimer(pause/2 + rand.N(pause))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return err
		}
		pause *= 2
	}
}

// pgRetryable returns the SQLSTATE of err when it is one that running the
// transaction again settles: a deadlock or a serialization failure. The
// error is asked through its SQLState method (pgx's PgError has one) so
// that this package links no PostgreSQL client of its own.
func pgRetryable(err error) string {
	var se interface{ SQLState() string }
	if err == nil || !errors.As(err, &se) {
		return ""
	}
	switch code := se.SQLState(); code {
	case "40P01", "40001":
		return code
	}
	return ""
}

// pgSimpleProtocol, passed as the only argument, makes the wrapper send
// the text as it is (no placeholder numbering, no parameters), so a
// migration of several statements runs as one batch.
var pgSimpleProtocol = simpleProtocol{}

type simpleProtocol struct{}

// pgConnector hands out connections that number ? placeholders.
type pgConnector struct {
	base driver.Connector
}

func (c pgConnector) Driver() driver.Driver { return c.base.Driver() }

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	base, ok := conn.(pgBaseConn)
	if !ok {
		conn.Close()
		return nil, errors.New("db: the pgx connection lacks an interface this package needs")
	}
	return &pgConn{base}, nil
}

// pgBaseConn is what pgx's stdlib connections offer.
type pgBaseConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.NamedValueChecker
}

type pgConn struct {
	pgBaseConn
}

// CheckNamedValue stores a Go bool as 1 or 0: the flag columns are BIGINT
// on both engines (SQLite has no boolean type, and the queries compare the
// flags with numbers), and pgx refuses to encode a bool as a number.
func (c *pgConn) CheckNamedValue(nv *driver.NamedValue) error {
	switch v := nv.Value.(type) {
	case simpleProtocol:
		return nil
	case bool:
		nv.Value = int64(0)
		if v {
			nv.Value = int64(1)
		}
		return nil
	}
	return c.pgBaseConn.CheckNamedValue(nv)
}

func (c *pgConn) Prepare(query string) (driver.Stmt, error) {
	return c.pgBaseConn.Prepare(rebind(query))
}

func (c *pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.pgBaseConn.PrepareContext(ctx, rebind(query))
}

func (c *pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) == 1 {
		if _, ok := args[0].Value.(simpleProtocol); ok {
			// With no arguments pgx sends the text by the simple protocol,
			// which accepts several statements.
			return c.pgBaseConn.ExecContext(ctx, query, nil)
		}
	}
	return c.pgBaseConn.ExecContext(ctx, rebind(query), args)
}

func (c *pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.pgBaseConn.QueryContext(ctx, rebind(query), args)
}

// rebound caches each statement's numbered form: the texts are constants,
// so the map stays as small as the set of statements.
var rebound sync.Map

// rebind numbers the ? placeholders of query ($1, $2, …) for PostgreSQL,
// leaving alone a ? inside a string literal, a quoted identifier or a
// comment.
func rebind(query string) string {
	if s, ok := rebound.Load(query); ok {
		return s.(string)
	}
	key := query
	for _, r := range pgDialect {
		query = strings.ReplaceAll(query, r.sqlite, r.pg)
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for i := 0; i < len(query); i++ {
		ch := query[i]
		switch {
		case ch == '\'' || ch == '"':
			j := i + 1
			for j < len(query) && query[j] != ch {
				j++
			}
			b.WriteString(query[i:min(j+1, len(query))])
			i = j
		case ch == '-' && i+1 < len(query) && query[i+1] == '-':
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				j = len(query) - i
			}
			b.WriteString(query[i : i+j])
			i += j - 1
		case ch == '/' && i+1 < len(query) && query[i+1] == '*':
			j := strings.Index(query[i+2:], "*/")
			end := len(query)
			if j >= 0 {
				end = i + 2 + j + 2
			}
			b.WriteString(query[i:end])
			i = end - 1
		case ch == '?':
			n++
			b.WriteByte('$')
			b.WriteString(fmt.Sprint(n))
		default:
			b.WriteByte(ch)
		}
	}
	s := b.String()
	rebound.Store(key, s)
	return s
}

// pgDialect lists the fragments of shared statements that PostgreSQL
// spells differently, where the statement is built without a *DB to ask
// (the charge filter's WHERE clause). rebind applies them, once per
// statement text. Each SQLite form is a whole fragment of this package's
// SQL, not a pattern.
var pgDialect = []struct{ sqlite, pg string }{
	// The last four characters of the payment code: PostgreSQL's substr
	// takes no negative start. Its index (charges_last4) is on the same
	// expression.
	{whereLast4, `right(barcode_masked, 4) = ?`},
	// PostgreSQL has no rowid; its planner turns the OR into two index
	// probes itself.
	{whereIDs, `(id = ? OR (attempt_id = ? AND attempt_id <> ''))`},
	// A unary plus keeps SQLite off the status indexes (refund state and
	// several-status filters); PostgreSQL has no unary plus for text.
	{`+status = 'successful'`, `status = 'successful'`},
	{`+status IN (`, `status IN (`},
	// An empty blob: x'' is a bit string to PostgreSQL.
	{`SET raw = x''`, `SET raw = ''::bytea`},
}
