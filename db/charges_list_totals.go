package db

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
)

// The list page shows the totals of its filter on every request, and
// most requests ask for the same few filters between two commits. On
// SQLite the totals are therefore kept per filter and reused for as long
// as nothing was committed to the file: PRAGMA data_version, read on a
// connection of its own that never writes, changes whenever any other
// connection (this process's writer, the CLI, another process) commits.
// A version is read before the totals it stamps, so a commit racing the
// read makes the entry stale at once; totals are never older than the
// last commit. PostgreSQL, where other instances write, reads them
// every time.

// totalsCacheMax bounds the filters remembered per database; past it the
// cache starts over (filters are typed by people: a few dozen at most).
const totalsCacheMax = 256

// sessionCacheMax bounds the sessions remembered (every till and back-office
// login of an instance; a few hundred bytes each).
const sessionCacheMax = 4096

// totalsCaches holds each open SQLite database's cache.
var totalsCaches sync.Map // *DB → *totalsCache

type totalsCache struct {
	mu      sync.Mutex
	pool    *sql.DB   // one read-only connection on the file
	conn    *sql.Conn // pinned: data_version compares within one connection only
	epoch   int64     // bumped when conn is replaced, whose counter starts over
	entries map[string]totalsEntry
	hits    int // for tests
	// stores is StoreChoices' listing as of storesAt.
	stores   []StoreChoice
	storesAt [2]int64
	sessions map[string]sessionEntry // GetSession's rows by id hash
}

type sessionEntry struct {
	version [2]int64
	s       *Session // never handed out: callers get clones
}

type totalsEntry struct {
	version [2]int64 // epoch, data_version
	t       ChargeTotals
}

// totals returns d's cache, or nil on PostgreSQL or when the version
// connection cannot be opened (totals are then read every time).
func (d *DB) totals() *totalsCache {
	if d.pg || d.Path == "" || d.stopped == nil {
		return nil
	}
	if c, ok := totalsCaches.Load(d); ok {
		return c.(*totalsCache)
	}
	pool, err := openCached(dsn(d.Path, true))
	if err != nil {
		return nil
	}
	pool.SetMaxOpenConns(1)
	pool.SetMaxIdleConns(1)
	c := &totalsCache{pool: pool, entries: map[string]totalsEntry{}}
	if prev, loaded := totalsCaches.LoadOrStore(d, c); loaded {
		pool.Close()
		return prev.(*totalsCache)
	}
	stopped := d.stopped
	go func() { // the cache lives as long as the database is open
		<-stopped
		totalsCaches.Delete(d)
		c.mu.Lock()
		if c.conn != nil {
			c.conn.Close()
		}
		c.mu.Unlock()
		pool.Close()
	}()
	return c
}

type commitMemoKey struct{}

// commitMemo is one request's read of a cache's commit counter.
type commitMemo struct {
	c *totalsCache
	v [2]int64
}

// WithCommitMemo returns ctx under which the commit counter is read once
// and reused by every cache lookup made with it (the store picker and the
// totals of one page). Reusing it is the same as having made both lookups
// at the moment of that read, so a commit is still seen by the next
// request. ctx is for one request only.
func WithCommitMemo(ctx context.Context) context.Context {
	if _, ok := ctx.Value(commitMemoKey{}).(*commitMemo); ok {
		return ctx // the request's session lookup made it already
	}
	return context.WithValue(ctx, commitMemoKey{}, &commitMemo{})
}

// version reads the file's commit counter as seen by the cache's own
// connection, or the one read earlier under ctx (WithCommitMemo).
func (c *totalsCache) version(ctx context.Context) ([2]int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	memo, _ := ctx.Value(commitMemoKey{}).(*commitMemo)
	if memo != nil && memo.c == c && c.conn != nil && memo.v[0] == c.epoch {
		return memo.v, true
	}
	if c.conn == nil {
		conn, err := c.pool.Conn(ctx)
		if err != nil {
			return [2]int64{}, false
		}
		c.conn, c.epoch = conn, c.epoch+1
		c.entries = map[string]totalsEntry{}
	}
	var v int64
	if err := c.conn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
		c.conn.Close()
		c.conn = nil
		return [2]int64{}, false
	}
	if memo != nil {
		memo.c, memo.v = c, [2]int64{c.epoch, v}
	}
	return [2]int64{c.epoch, v}, true
}

func (c *totalsCache) get(key string, v [2]int64) (ChargeTotals, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if ok && e.version == v {
		c.hits++
		return e.t, true
	}
	return ChargeTotals{}, false
}

// session returns a copy of the session row stored under key at v.
func (c *totalsCache) session(key string, v [2]int64) (*Session, bool) {
	c.mu.Lock()
	e, ok := c.sessions[key]
	c.mu.Unlock()
	if !ok || e.version != v {
		return nil, false
	}
	return e.s.clone(), true
}

func (c *totalsCache) putSession(key string, v [2]int64, s *Session) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v[0] != c.epoch {
		return
	}
	if c.sessions == nil || len(c.sessions) >= sessionCacheMax {
		// Past the bound the cache starts over; a new session costs one read.
		c.sessions = map[string]sessionEntry{}
	}
	c.sessions[key] = sessionEntry{version: v, s: s}
}

func (c *totalsCache) put(key string, v [2]int64, t ChargeTotals) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v[0] != c.epoch {
		return
	}
	if len(c.entries) >= totalsCacheMax {
		c.entries = map[string]totalsEntry{}
	}
	c.entries[key] = totalsEntry{version: v, t: t}
}

// totalsKey names everything of f that its totals depend on (not the
// cursor or the page size).
func (f ChargeFilter) totalsKey() string {
	var b strings.Builder
	field := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	list := func(ss []string) {
		if ss == nil { // every store, unlike an empty set (none)
			b.WriteString("*")
		}
		b.WriteString(strconv.Itoa(len(ss)))
		b.WriteByte('[')
		for _, s := range ss {
			field(s)
		}
	}
	field(f.StoreID)
	list(f.Stores)
	field(f.TerminalID)
	list(f.Statuses)
	list(f.SourceTypes)
	for _, t := range []int64{f.From.UnixNano(), f.To.UnixNano(), f.AmountMin, f.AmountMax} {
		field(strconv.FormatInt(t, 10))
	}
	field(strconv.FormatBool(f.From.IsZero()) + strconv.FormatBool(f.To.IsZero()))
	field(f.FromDay)
	field(f.ToDay)
	field(strings.TrimSpace(f.Search))
	return b.String()
}
