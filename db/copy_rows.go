package db

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"time"
)

// copyBatchRows is how many rows one INSERT carries (fewer for a wide
// table: PostgreSQL takes at most 65535 parameters a statement). 100,000
// charges (28 columns) took 8.2 s in batches of 100, 9.5 s of 500 and
// 8.5 s of 2,000 on a shared 2-core machine: the server's work, not the
// round trips, sets the pace, so any of them will do. A multi-row INSERT
// through database/sql keeps db free of pgx's own API (CopyFrom).
var copyBatchRows = 500

const pgMaxParams = 65535

// copyRows sends every row of t from the source to the target in
// multi-row INSERTs and returns how many it sent.
func copyRows(ctx context.Context, src, dst *sql.Tx, t *copyTable, progress func(CopyProgress)) (int64, error) {
	start := time.Now()
	var total int64
	if err := src.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quoteIdent(t.name)).Scan(&total); err != nil {
		return 0, err
	}
	names := make([]string, len(t.columns))
	for i, c := range t.columns {
		names[i] = quoteIdent(c.name)
	}
	cols := strings.Join(names, ", ")
	rows, err := src.QueryContext(ctx, `SELECT `+cols+` FROM `+quoteIdent(t.name))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	per := min(copyBatchRows, pgMaxParams/len(t.columns))
	insert := `INSERT INTO ` + quoteIdent(t.name) + ` (` + cols + `) VALUES `
	vals := make([]any, 0, per*len(t.columns))
	row := make([]any, len(t.columns))
	ptrs := make([]any, len(row))
	for i := range row {
		ptrs[i] = &row[i]
	}
	var sent int64
	flush := func() error {
		n := len(vals) / len(t.columns)
		if n == 0 {
			return nil
		}
		if _, err := dst.ExecContext(ctx, insert+valuesList(n, len(t.columns)), vals...); err != nil {
			return err
		}
		sent += int64(n)
		vals = vals[:0]
		if progress != nil {
			progress(CopyProgress{Table: t.name, Rows: sent, Total: total, Elapsed: time.Since(start)})
		}
		return nil
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return sent, err
		}
		for i, c := range t.columns {
			vals = append(vals, copyValue(row[i], c))
		}
		if len(vals) == cap(vals) {
			if err := flush(); err != nil {
				return sent, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return sent, err
	}
	if err := flush(); err != nil {
		return sent, err
	}
	if progress != nil {
		progress(CopyProgress{Table: t.name, Rows: sent, Total: total, Elapsed: time.Since(start), Finished: true})
	}
	return sent, nil
}

// copyValue gives PostgreSQL the type its column expects: SQLite keeps
// whatever type a value was written with, so a payload column may hold
// text and a text column bytes.
func copyValue(v any, c copyColumn) any {
	switch x := v.(type) {
	case string:
		if c.blob {
			return []byte(x)
		}
	case []byte:
		if !c.blob {
			return string(x)
		}
	}
	return v
}

// valuesLists caches the "(?, ?), (?, ?)" text of a batch by its shape.
var valuesLists sync.Map

func valuesList(rows, cols int) string {
	key := [2]int{rows, cols}
	if s, ok := valuesLists.Load(key); ok {
		return s.(string)
	}
	one := "(" + strings.Repeat("?, ", cols-1) + "?)"
	s := strings.Repeat(one+", ", rows-1) + one
	valuesLists.Store(key, s)
	return s
}

// compareCopy reads the same figures from both sides, table by table:
// COUNT(*), SUM of every integer column and SUM(LENGTH(col) + 1) of every
// text or byte column (so a value cut short, or a NULL become empty, shows
// too). One query text per table serves both engines; the casts make
// SQLite measure a value as the type it was sent as (copyValue): text in
// characters, bytes in bytes (BYTEA is PostgreSQL's BLOB).
func compareCopy(ctx context.Context, src, dst *sql.Tx, tables []*copyTable) ([]CopyCheck, error) {
	var out []CopyCheck
	for _, t := range tables {
		exprs := []string{"COUNT(*)"}
		checks := []CopyCheck{{Table: t.name, Kind: CheckRows}}
		for _, kind := range []CheckKind{CheckMoney, CheckInteger, CheckText} {
			for _, c := range t.columns {
				if c.kind != kind {
					continue
				}
				e := quoteIdent(c.name)
				switch {
				case c.blob:
					e = "LENGTH(CAST(" + e + " AS BLOB)) + 1"
				case kind == CheckText:
					e = "LENGTH(CAST(" + e + " AS TEXT)) + 1"
				}
				exprs = append(exprs, "CAST(COALESCE(SUM("+e+"), 0) AS BIGINT)")
				checks = append(checks, CopyCheck{Table: t.name, Column: c.name, Kind: kind})
			}
		}
		q := `SELECT ` + strings.Join(exprs, ", ") + ` FROM ` + quoteIdent(t.name)
		for side, tx := range []*sql.Tx{src, dst} {
			if side == 1 {
				q = strings.ReplaceAll(q, " AS BLOB)", " AS BYTEA)")
			}
			ptrs := make([]any, len(checks))
			for i := range checks {
				if side == 0 {
					ptrs[i] = &checks[i].Source
				} else {
					ptrs[i] = &checks[i].Target
				}
			}
			if err := tx.QueryRowContext(ctx, q).Scan(ptrs...); err != nil {
				return nil, err
			}
		}
		out = append(out, checks...)
	}
	return out, nil
}
