// Package db owns the SQLite file: opening it with the right pragmas, the
// embedded migrations and every SQL statement the application runs. Every
// write goes through Tx, the one writer that group-commits. The same
// statements run on PostgreSQL when Open is given a postgres:// URL
// (postgres.go). (The load
// tool's bare baselines, which measure SQLite and Echo without the product,
// keep their own statements; its seeding goes through here.)
package db

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// driverName is the database/sql driver Open uses: modernc.org/sqlite. The
// binary links it (main.go), and so does every test package that opens a
// database, rather than this package: the domain builds on db's queries and
// must not carry the driver's net/url along with them.
const driverName = "sqlite"

// ErrNotFound is returned when a row asked for by key does not exist.
var ErrNotFound = errors.New("db: not found")

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DB holds two pools on the same file: W has exactly one connection, so
// writers queue in Go instead of fighting over SQLite's lock, and R serves
// concurrent readers (WAL lets them run beside the writer).
type DB struct {
	W    *sql.DB
	R    *sql.DB
	Path string

	batch   chan *txRequest
	stop    chan struct{}
	stopped chan struct{}

	// pg is set on a PostgreSQL database (postgres.go): the few
	// statements that differ between the engines choose by it.
	pg bool

	// jobs are the job leadership locks' sessions (leader.go), on
	// PostgreSQL only.
	jobs *jobLocks

	// keys and advisory are LockKey's locks (locks.go): this process's,
	// and on PostgreSQL the ones shared with other instances.
	keys     keyLocks
	advisory *advisoryLocks

	// writer counts the single writer's work on SQLite (WriterStats).
	writer writerCounters
}

type writerCounters struct {
	busy, commit     atomic.Int64 // nanoseconds
	batches, callers atomic.Int64
}

// WriterStats is what SQLite's single writer has done since the database
// was opened: the time it spent running batches (Busy, commits included),
// the time in commits alone (Commit: writing and syncing the WAL), how many
// batches it committed and how many callers' transactions they held. Busy
// close to the wall time means writes queue for the writer, and the
// writes a second cannot grow further; PostgreSQL has no single writer and
// reports zeros.
type WriterStats struct {
	Busy, Commit     time.Duration
	Batches, Callers int64
}

// WriterStats returns the writer's counts so far.
func (d *DB) WriterStats() WriterStats {
	return WriterStats{Busy: time.Duration(d.writer.busy.Load()), Commit: time.Duration(d.writer.commit.Load()),
		Batches: d.writer.batches.Load(), Callers: d.writer.callers.Load()}
}

// dsn builds the connection string: a SQLite URI for path, then the
// driver's parameters. busy_timeout comes first so that every later pragma
// already waits instead of failing on a busy file.
func dsn(path string, readOnly bool) string {
	params := []string{
		"_pragma=busy_timeout(10000)",
		"_pragma=journal_mode(WAL)",
		"_pragma=foreign_keys(1)",
		// FULL: a commit that moved money state survives a power cut, not
		// just a crash of this process. Group commit (Tx) keeps it cheap.
		"_pragma=synchronous(FULL)",
	}
	if readOnly {
		params = append(params, "_pragma=query_only(1)")
	} else {
		// Group commit runs each caller under a SAVEPOINT; its statement
		// journal belongs in memory, not in a temporary file written on
		// every batch.
		params = append(params, "_pragma=temp_store(memory)", "_txlock=immediate")
	}
	return "file:" + uriPath(path) + "?" + strings.Join(params, "&")
}

// bareDSN opens path with the busy timeout alone: no journal switch, so a
// backup or an integrity check changes nothing in the file it reads.
func bareDSN(path string) string {
	return "file:" + uriPath(path) + "?_pragma=busy_timeout(10000)"
}

// uriPath escapes the characters a SQLite URI gives meaning to ('%' starts
// an escape, '?' the parameters, '#' a fragment), so any file name opens
// the file it names; SQLite decodes them again.
func uriPath(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
}

// Open opens (creating if needed) the database at path and applies every
// pending migration. A postgres:// or postgresql:// URL opens that
// PostgreSQL database instead (postgres.go).
func Open(ctx context.Context, path string) (*DB, error) {
	if IsPostgresURL(path) {
		return openPostgres(ctx, path)
	}
	w, err := openCached(dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("open writer: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	d := &DB{W: w, Path: path}
	if err := d.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	r, err := openCached(dsn(path, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open reader: %w", err)
	}
	n := runtime.GOMAXPROCS(0) * 2
	if n < 4 {
		n = 4
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	d.R = r
	d.batch = make(chan *txRequest, maxBatch)
	d.stop = make(chan struct{})
	d.stopped = make(chan struct{})
	go d.runBatcher()
	return d, nil
}

// Close closes both pools.
func (d *DB) Close() error {
	if d.stop != nil {
		close(d.stop)
		<-d.stopped
		d.stop = nil
	}
	var jobErr error
	if d.jobs != nil {
		jobErr = d.jobs.close()
	}
	var lockErr error
	if d.advisory != nil {
		lockErr = d.advisory.close()
	}
	return errors.Join(jobErr, lockErr, d.R.Close(), d.W.Close())
}

// Ping checks that the database answers a trivial query.
func (d *DB) Ping(ctx context.Context) error {
	var one int
	return d.R.QueryRowContext(ctx, `SELECT 1`).Scan(&one)
}

// Tx runs fn in one write transaction (BEGIN IMMEDIATE; on PostgreSQL see
// txPG): fn's writes all land or none do. Concurrent callers are group-committed: the writer runs
// several callers' fn back to back inside one SQLite transaction, each under
// its own SAVEPOINT (so one caller's error undoes only its own writes), and
// pays for a single commit. Tx returns only after the commit, so a caller
// may publish what it wrote as soon as Tx returns nil. fn must not call Tx.
func (d *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if d.pg {
		return d.txPG(ctx, fn)
	}
	if d.batch == nil {
		return d.txDirect(ctx, fn)
	}
	req := &txRequest{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case d.batch <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-d.stop:
		return errors.New("db: closed")
	}
	return <-req.done
}

// exec runs one statement as a write of its own through Tx, so that a
// single-row write queues with every other writer and shares its commit.
// The result's counts are read at exec time and stay valid after commit.
func (d *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		res, err = tx.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}

func (d *DB) txDirect(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := d.W.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

type txRequest struct {
	ctx  context.Context
	fn   func(tx *sql.Tx) error
	done chan error
}

// maxBatch bounds how many callers share one commit.
const maxBatch = 128

// runBatcher is the single writer goroutine behind Tx.
func (d *DB) runBatcher() {
	defer close(d.stopped)
	for {
		var first *txRequest
		select {
		case first = <-d.batch:
		case <-d.stop:
			// Callers already queued get an answer, not a hang.
			for {
				select {
				case r := <-d.batch:
					r.done <- errors.New("db: closed")
				default:
					return
				}
			}
		}
		reqs := []*txRequest{first}
	gather:
		for len(reqs) < maxBatch {
			select {
			case r := <-d.batch:
				reqs = append(reqs, r)
			default:
				break gather
			}
		}
		start := time.Now()
		d.commitBatch(reqs)
		d.writer.busy.Add(int64(time.Since(start)))
		d.writer.batches.Add(1)
		d.writer.callers.Add(int64(len(reqs)))
	}
}

// The savepoint each caller of a batch but the first runs under.
const (
	savepointSQL           = `SAVEPOINT caller`
	rollbackToSavepointSQL = `ROLLBACK TO caller`
	releaseSavepointSQL    = `RELEASE caller`
)

// commitBatch runs reqs' functions in one transaction and commits once.
// Each caller but the first to run is under a SAVEPOINT, so that one
// caller's error undoes only its own writes. The first needs none: when it
// fails the transaction holds nothing else yet, so it is rolled back whole
// and the rest run in a new one.
func (d *DB) commitBatch(reqs []*txRequest) {
	results := make([]error, len(reqs))
	// The transaction itself must not die with one caller's context.
	begin := func() (*sql.Tx, error) { return d.W.BeginTx(context.Background(), nil) }
	tx, err := begin()
	if err != nil {
		for _, r := range reqs {
			r.done <- fmt.Errorf("begin: %w", err)
		}
		return
	}
	ran := 0
	for i, r := range reqs {
		if tx == nil {
			results[i] = fmt.Errorf("begin: %w", err)
			continue
		}
		if err := r.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		if ran == 0 {
			if results[i] = r.fn(tx); results[i] == nil {
				ran++
				continue
			}
			_ = tx.Rollback()
			tx = nil
			if i < len(reqs)-1 {
				tx, err = begin()
			}
			continue
		}
		if _, err := tx.Exec(savepointSQL); err != nil {
			results[i] = err
			continue
		}
		if err := r.fn(tx); err != nil {
			results[i] = err
			if _, rbErr := tx.Exec(rollbackToSavepointSQL); rbErr != nil {
				results[i] = errors.Join(err, rbErr)
			}
		} else {
			ran++
		}
		if _, err := tx.Exec(releaseSavepointSQL); err != nil && results[i] == nil {
			results[i] = err
		}
	}
	var commitErr error
	if tx != nil {
		if ran == 0 {
			_ = tx.Rollback()
		} else {
			start := time.Now()
			if err := tx.Commit(); err != nil {
				commitErr = fmt.Errorf("commit: %w", err)
			}
			d.writer.commit.Add(int64(time.Since(start)))
		}
	}
	for i, r := range reqs {
		if results[i] == nil && commitErr != nil {
			results[i] = commitErr
		}
		r.done <- results[i]
	}
}

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	return loadMigrationsFrom(migrationFiles, "migrations")
}

func loadMigrationsFrom(files embed.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(files, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and _", name)
		}
		b, err := files.ReadFile(dir + "/" + name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share a number", out[i-1].name, out[i].name)
		}
	}
	return out, nil
}

// migrate applies, in order and each in its own transaction, every embedded
// migration newer than the recorded version. Migrations are forward-only.
func (d *DB) migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	if _, err := d.W.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("schema_migrations: %w", err)
	}
	for _, m := range ms {
		err := d.txDirect(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, FormatTime(time.Now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

// TimeLayout is how every timestamp is stored: UTC, fixed width, so that
// text comparison orders like time.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// FormatTime renders t in UTC for storage.
func FormatTime(t time.Time) string {
	return t.UTC().Format(TimeLayout)
}

// FormatTimePtr renders t, or NULL when t is nil or zero.
func FormatTimePtr(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return FormatTime(*t)
}

// ParseTime parses a stored timestamp; the empty string gives the zero time.
func ParseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	if t, ok := parseStoredTime(s); ok {
		return t
	}
	t, err := time.Parse(TimeLayout, s)
	if err != nil {
		t, _ = time.Parse(time.RFC3339Nano, s)
	}
	return t.UTC()
}

// ParseTimeNull parses a nullable stored timestamp.
func ParseTimeNull(s sql.NullString) *time.Time {
	if !s.Valid || s.String == "" {
		return nil
	}
	t := ParseTime(s.String)
	return &t
}
