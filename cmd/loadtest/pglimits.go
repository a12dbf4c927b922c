package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgInsertSQL is the bare insert: the SQLite limit's table and row, so the
// two engines' limits are of the same work.
const (
	pgInsertTable = `CREATE TABLE ev (id TEXT PRIMARY KEY, charge_id TEXT NOT NULL, result TEXT NOT NULL,
		raw BYTEA NOT NULL, received_at TEXT NOT NULL)`
	pgInsertSQL = `INSERT INTO ev (id, charge_id, result, raw, received_at) VALUES ($1, $2, 'received', $3, $4)`
)

// limitInsertPG measures a bare PostgreSQL insert loop through pgx on a
// fresh schema of the -db database: conns connections, each committing
// perTx rows at a time, for dur. One row is a plain INSERT (its own
// commit); more are sent as one pipelined batch, which PostgreSQL runs as
// one implicit transaction: one round trip and one commit per batch.
func (t *tool) limitInsertPG(perTx, conns int) (float64, error) {
	src, err := t.newSchema()
	if err != nil {
		return 0, err
	}
	defer t.dropSchema(src)
	ctx := t.ctx()
	cs := make([]*pgx.Conn, conns)
	for i := range cs {
		c, err := pgx.Connect(ctx, src)
		if err != nil {
			return 0, err
		}
		defer c.Close(ctx)
		cs[i] = c
	}
	if _, err := cs[0].Exec(ctx, pgInsertTable); err != nil {
		return 0, err
	}
	raw := bytes.Repeat([]byte("e"), 700)
	var n atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	t0 := time.Now()
	for w, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Since(t0) < t.dur; i++ {
				id := func(k int) string { return fmt.Sprintf("evnt_test_%03d_%015d", w, i*perTx+k) }
				now := time.Now().UTC().Format(time.RFC3339Nano)
				var err error
				if perTx == 1 {
					_, err = c.Exec(ctx, pgInsertSQL, id(0), "chrg_test_x", raw, now)
				} else {
					b := &pgx.Batch{}
					for k := 0; k < perTx; k++ {
						b.Queue(pgInsertSQL, id(k), "chrg_test_x", raw, now)
					}
					err = c.SendBatch(ctx, b).Close()
				}
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				n.Add(int64(perTx))
			}
		}()
	}
	wg.Wait()
	if e, ok := firstErr.Load().(error); ok {
		return 0, e
	}
	return float64(n.Load()) / time.Since(t0).Seconds(), nil
}

// pgDurability is the -db server's version and the settings that decide
// what a commit costs, for the limit rows: a cluster with fsync off
// commits without touching the disk, which no SQLite FULL figure does.
func (t *tool) pgDurability() string {
	ctx, cancel := context.WithTimeout(t.ctx(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, t.pgURL)
	if err != nil {
		return "settings unknown: " + err.Error()
	}
	defer c.Close(ctx)
	var parts []string
	var version string
	if c.QueryRow(ctx, `SHOW server_version`).Scan(&version) == nil {
		parts = append(parts, "PostgreSQL "+strings.Fields(version)[0])
	}
	for _, k := range []string{"fsync", "synchronous_commit", "wal_sync_method", "full_page_writes"} {
		var v string
		if err := c.QueryRow(ctx, `SELECT current_setting($1)`, k).Scan(&v); err == nil {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, ", ")
}

// pgInsertConns is how many connections the concurrent limit uses: as
// many as the webhook measurement has deliveries in flight, since
// PostgreSQL, unlike SQLite's single writer, commits several at once.
const pgInsertConns = webhookConns

// measurePGLimits adds the PostgreSQL insert limits to lim and the table.
func (t *tool) measurePGLimits(rep *report, lim *limits) {
	settings := t.pgDurability()
	note := "PostgreSQL (-db): " + settings + "."
	if strings.Contains(settings, "fsync=off") || strings.Contains(settings, "synchronous_commit=off") {
		note += " **Its commits do not wait for the disk** (fsync or synchronous_commit off), while SQLite's FULL figures fsync every commit: the engines are not compared on equal terms; use a cluster with the defaults (fsync=on, synchronous_commit=on) for figures to publish."
	}
	rep.Notes = append(rep.Notes, note)
	ins := []struct {
		perTx, conns int
		dst          *float64
		what         string
	}{
		{1, 1, &lim.pgInsert1, "PostgreSQL insert via pgx, 1 row per commit, 1 connection"},
		{100, 1, &lim.pgInsert100, "PostgreSQL insert via pgx, 100 rows per commit (one pipelined batch), 1 connection"},
		{1, pgInsertConns, &lim.pgInsert1Conc, fmt.Sprintf("PostgreSQL insert via pgx, 1 row per commit, %d connections at once", pgInsertConns)},
	}
	for i, x := range ins {
		what := x.what
		if i == 0 {
			what += " (" + settings + ")"
		}
		t.logf("limit: %s", x.what)
		f, err := repeat(t.runs, func(int) (figures, error) {
			v, err := t.limitInsertPG(x.perTx, x.conns)
			return figures{"rps": v}, err
		})
		if err != nil {
			rep.Limits = append(rep.Limits, failRow(what, err))
			continue
		}
		*x.dst = f["rps"]
		rep.Limits = append(rep.Limits, row{What: what, Measured: num(f["rps"]) + " rows/s", Limit: "—", Ratio: "—"})
	}
}
