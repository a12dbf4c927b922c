package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// Moving a shop from its SQLite file to PostgreSQL (`instore copy`): every
// table is found in the two schemas rather than in a list kept here, so a
// table added by a later migration is copied without a change to this
// file, and one that exists on one side only stops the copy before it
// writes anything.

// CopyOptions tunes CopySQLite.
type CopyOptions struct {
	// Replace deletes every row of the target first, in the copy's own
	// transaction, instead of refusing a target that holds data.
	Replace bool
	// Progress, when set, is called after each batch of rows a table
	// sends and once more when the table is done.
	Progress func(CopyProgress)
}

// CopyProgress is how far the copy of one table has got, or with Indexes
// set how far the rebuilding of the target's indexes has got (Rows and
// Total then count indexes).
type CopyProgress struct {
	Table    string
	Rows     int64 // written so far
	Total    int64 // the source's rows
	Elapsed  time.Duration
	Finished bool
	Indexes  bool
}

// CheckKind says what a CopyCheck compares.
type CheckKind int

// The figures compared per table: its rows, then a sum per column.
const (
	CheckRows    CheckKind = iota // COUNT(*)
	CheckMoney                    // SUM of a money column (satang)
	CheckInteger                  // SUM of another integer column (counts, flags, ids)
	CheckText                     // SUM(LENGTH(col) + 1): characters, plus one per non-NULL value
)

// CopyCheck is one figure read from the source and from the target.
type CopyCheck struct {
	Table  string
	Column string // "" for CheckRows
	Kind   CheckKind
	Source int64
	Target int64
}

// Equal reports whether both sides gave the same figure.
func (c CopyCheck) Equal() bool { return c.Source == c.Target }

// CopyReport is what CopySQLite did and found.
type CopyReport struct {
	Tables    []string // in the order copied (foreign keys first)
	Rows      int64    // rows written, all tables
	Elapsed   time.Duration
	Sequences int // identity sequences moved past the copied ids
	Indexes   int // secondary indexes dropped before the rows and built after
	Checks    []CopyCheck
}

// Differences returns the checks whose two sides differ.
func (r *CopyReport) Differences() []CopyCheck {
	var out []CopyCheck
	for _, c := range r.Checks {
		if !c.Equal() {
			out = append(out, c)
		}
	}
	return out
}

// ErrCopyDiffers is returned, with the report, when a figure differs
// between the source and the target; the target's transaction was rolled
// back, so it holds nothing of the copy.
var ErrCopyDiffers = errors.New("db: the copy differs from its source")

// TargetNotEmptyError refuses a copy into a database that already holds
// rows (CopyOptions.Replace not set).
type TargetNotEmptyError struct {
	Tables []string // the tables with rows, by name
}

func (e *TargetNotEmptyError) Error() string {
	return "db: the target database already holds rows in " + strings.Join(e.Tables, ", ")
}

// SourceVersionError refuses a source whose schema is not the one this
// build's migrations arrive at. The copy never migrates its source: the
// file stays exactly as it was, to fall back on, and a migrated file could
// no longer be opened by the older build that wrote it.
type SourceVersionError struct {
	Have, Want int // latest migration applied to the source; latest this build has
}

func (e *SourceVersionError) Error() string {
	return fmt.Sprintf("db: the source's schema is at migration %d, this build's at %d", e.Have, e.Want)
}

// copyColumn is one column as both engines must agree on it.
type copyColumn struct {
	name string
	kind CheckKind // CheckInteger, CheckMoney or CheckText (text and blobs)
	blob bool
}

type copyTable struct {
	name    string
	columns []copyColumn
	refs    []string // tables its foreign keys point to
}

// CopySQLite copies every table of the SQLite file at srcPath into dst, a
// PostgreSQL database already migrated by Open, and compares the two. It
// reads the source in one read transaction (a consistent snapshot, even
// with a server still writing; what it writes afterwards is not copied)
// through a connection that refuses writes, and never migrates it. It
// writes the target in one transaction that first locks every table it
// fills against any server writing to it meanwhile: the tables in
// foreign-key order, their secondary indexes built
// afterwards (dropPGIndexes), the identity sequences moved past the copied
// ids, then the checks. On any difference it rolls back and returns the
// report with ErrCopyDiffers; the target keeps nothing, as on any error or
// a cancelled ctx.
//
// The rollups (daily_totals, and monthly_totals that PostgreSQL's trigger
// keeps from it) are copied as rows with the tables' own triggers off for
// the transaction, so the months are not counted twice; the checks compare
// them like every other table.
func CopySQLite(ctx context.Context, srcPath string, dst *DB, opt CopyOptions) (*CopyReport, error) {
	if !dst.pg {
		return nil, errors.New("db: copy: the target must be a PostgreSQL database")
	}
	if IsPostgresURL(srcPath) {
		return nil, errors.New("db: copy: the source must be a SQLite file")
	}
	if _, err := os.Stat(srcPath); err != nil {
		return nil, fmt.Errorf("db: copy: source: %w", err)
	}
	srcDB, err := sql.Open(driverName, bareDSN(srcPath)+"&_pragma=query_only(1)")
	if err != nil {
		return nil, err
	}
	defer srcDB.Close()
	srcDB.SetMaxOpenConns(1)
	src, err := srcDB.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("db: copy: source: %w", err)
	}
	defer src.Rollback()
	if err := checkSourceVersion(ctx, src); err != nil {
		return nil, err
	}
	tables, err := sqliteCopyTables(ctx, src)
	if err != nil {
		return nil, err
	}
	ordered, err := copyOrder(tables)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	rep := &CopyReport{}
	err = dst.Tx(ctx, func(tx *sql.Tx) error {
		if err := comparePGSchema(ctx, tx, tables); err != nil {
			return err
		}
		// Writers to a table wait until the copy commits (reads go on):
		// the emptiness check and the rows copied then hold to the end.
		names := make([]string, len(ordered))
		for i, t := range ordered {
			names[i] = quoteIdent(t.name)
		}
		if len(names) > 0 {
			if _, err := tx.ExecContext(ctx, `LOCK TABLE `+strings.Join(names, ", ")+` IN EXCLUSIVE MODE`); err != nil {
				return fmt.Errorf("db: copy: lock tables: %w", err)
			}
		}
		if err := emptyTarget(ctx, tx, ordered, opt.Replace); err != nil {
			return err
		}
		triggered, err := pgTriggeredTables(ctx, tx)
		if err != nil {
			return err
		}
		for _, t := range triggered {
			if _, err := tx.ExecContext(ctx, `ALTER TABLE `+quoteIdent(t)+` DISABLE TRIGGER USER`); err != nil {
				return fmt.Errorf("db: copy: %s: %w", t, err)
			}
		}
		indexes, err := dropPGIndexes(ctx, tx)
		if err != nil {
			return err
		}
		for _, t := range ordered {
			n, err := copyRows(ctx, src, tx, t, opt.Progress)
			if err != nil {
				return fmt.Errorf("db: copy %s: %w", t.name, err)
			}
			rep.Tables = append(rep.Tables, t.name)
			rep.Rows += n
		}
		if err := buildPGIndexes(ctx, tx, indexes, opt.Progress); err != nil {
			return err
		}
		rep.Indexes = len(indexes)
		for _, t := range triggered {
			if _, err := tx.ExecContext(ctx, `ALTER TABLE `+quoteIdent(t)+` ENABLE TRIGGER USER`); err != nil {
				return fmt.Errorf("db: copy: %s: %w", t, err)
			}
		}
		if rep.Sequences, err = resetPGSequences(ctx, tx); err != nil {
			return err
		}
		if rep.Checks, err = compareCopy(ctx, src, tx, ordered); err != nil {
			return err
		}
		rep.Elapsed = time.Since(start)
		if len(rep.Differences()) > 0 {
			return ErrCopyDiffers
		}
		return nil
	})
	if err != nil && !errors.Is(err, ErrCopyDiffers) {
		return nil, err
	}
	return rep, err
}

// checkSourceVersion accepts a source at exactly this build's latest
// SQLite migration.
func checkSourceVersion(ctx context.Context, src *sql.Tx) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	want := ms[len(ms)-1].version
	var have sql.NullInt64
	if err := src.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&have); err != nil {
		return fmt.Errorf("db: copy: the source is not an instore database (%w)", err)
	}
	if int(have.Int64) != want {
		return &SourceVersionError{Have: int(have.Int64), Want: want}
	}
	return nil
}
