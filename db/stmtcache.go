package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
)

// Every statement the application runs is a constant (or one of a few
// shapes built from a filter), yet database/sql hands the driver the text
// each time, and SQLite parses and plans it again: a write whose table has
// triggers (charges keep daily_totals) is planned with them, which made
// parsing the single largest cost of the one writer. Each connection
// therefore keeps its prepared statements by text and reuses them.

// stmtCacheSize bounds the statements kept per connection; past it the
// idle ones are dropped and prepared again on use.
const stmtCacheSize = 256

// openCached opens dsn like sql.Open with the registered driver, through
// connections that reuse prepared statements.
func openCached(dsn string) (*sql.DB, error) {
	probe, err := sql.Open(driverName, dsn) // connects nothing: it only finds the driver
	if err != nil {
		return nil, err
	}
	drv := probe.Driver()
	probe.Close()
	return sql.OpenDB(cachingConnector{drv: drv, dsn: dsn}), nil
}

type cachingConnector struct {
	drv driver.Driver
	dsn string
}

func (c cachingConnector) Driver() driver.Driver { return c.drv }

func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	base, ok := conn.(baseConn)
	if !ok {
		return conn, nil // a driver without these interfaces runs uncached
	}
	return &cachingConn{baseConn: base, stmts: make(map[string]*cachedStmt)}, nil
}

// baseConn is what the wrapped driver's connections offer (modernc's do).
type baseConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

type stmtContext interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// cachingConn is used by one goroutine at a time (database/sql's rule for
// driver connections), so its map needs no lock.
type cachingConn struct {
	baseConn
	stmts map[string]*cachedStmt
}

type cachedStmt struct {
	s    stmtContext
	busy bool // rows of a query are open on it
}

// stmt returns the cached statement for query, preparing it on first use;
// nil when it cannot be used now (busy with open rows, or a script, or a
// driver statement without context methods), and the caller goes uncached.
func (c *cachingConn) stmt(ctx context.Context, query string) *cachedStmt {
	if cs, ok := c.stmts[query]; ok {
		if cs.busy {
			return nil
		}
		return cs
	}
	ds, err := c.baseConn.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	s, ok := ds.(stmtContext)
	if !ok {
		ds.Close()
		return nil
	}
	if len(c.stmts) >= stmtCacheSize {
		for q, cs := range c.stmts {
			if !cs.busy {
				cs.s.Close()
				delete(c.stmts, q)
			}
		}
	}
	cs := &cachedStmt{s: s}
	c.stmts[query] = cs
	return cs
}

// preparedBare are the statements without arguments that are still kept
// prepared: the group commit's savepoints run for every caller but the
// first of each batch, and parsing them each time was a cost per delivery.
var preparedBare = map[string]bool{savepointSQL: true, rollbackToSavepointSQL: true, releaseSavepointSQL: true}

// ExecContext runs statements with arguments through the cache; those
// without (scripts, transaction control, pragmas) go straight through,
// except preparedBare.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) > 0 || preparedBare[query] {
		if cs := c.stmt(ctx, query); cs != nil {
			return cs.s.ExecContext(ctx, args)
		}
	}
	return c.baseConn.ExecContext(ctx, query, args)
}

// QueryContext runs a query through the cache; the statement is busy until
// its rows are closed.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs := c.stmt(ctx, query)
	if cs == nil {
		return c.baseConn.QueryContext(ctx, query, args)
	}
	r, err := cs.s.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	cs.busy = true
	return &cachedRows{Rows: r, cs: cs}, nil
}

// Close finalizes the cached statements, then the connection.
func (c *cachingConn) Close() error {
	for q, cs := range c.stmts {
		cs.s.Close()
		delete(c.stmts, q)
	}
	return c.baseConn.Close()
}

type cachedRows struct {
	driver.Rows
	cs *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.cs.busy = false
	return err
}
