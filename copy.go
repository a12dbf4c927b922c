package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"instore/db"
	"instore/money"
)

// runCopy is `instore copy --from FILE --to postgres://… [--replace]`: a
// shop that outgrew its SQLite file moves to PostgreSQL. The target is
// migrated by db.Open, filled in one transaction and compared with the
// source (db.CopySQLite); any difference, or an error, leaves it as it was.
func runCopy(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("copy")
	from := fs.String("from", "", "")
	to := fs.String("to", "", "")
	replace := fs.Bool("replace", false, "")
	if err := fs.Parse(args); err != nil {
		return usageError(stdout, "copy: %v", err)
	}
	if fs.NArg() > 0 || *from == "" || *to == "" {
		return usageError(stdout, "copy needs --from FILE and --to postgres://…")
	}
	switch {
	case db.IsPostgresURL(*from):
		return errors.New("copy: --from is the SQLite file to copy, not a database URL")
	case !db.IsPostgresURL(*to):
		return errors.New("copy: --to is the PostgreSQL database to fill, a postgres:// URL")
	}
	if _, err := os.Stat(*from); err != nil {
		return fmt.Errorf("copy: --from %s: no such file", *from)
	}
	dst, err := db.Open(ctx, *to)
	if err != nil {
		return err
	}
	defer dst.Close()
	fmt.Fprintf(stdout, "copying %s to %s\n", *from, dst.Path)
	p := &copyProgress{out: stdout, every: time.Second}
	rep, err := db.CopySQLite(ctx, *from, dst, db.CopyOptions{Replace: *replace, Progress: p.show})
	var full *db.TargetNotEmptyError
	var version *db.SourceVersionError
	switch {
	case errors.As(err, &full):
		return fmt.Errorf("copy: %s already holds rows (in %s): copy into an empty database, "+
			"or add --replace to delete everything in it first", dst.Path, strings.Join(full.Tables, ", "))
	case errors.As(err, &version) && version.Have < version.Want:
		// The copy never writes to its source, so it does not migrate it
		// either: the file stays what the older instore can still open.
		return fmt.Errorf("copy: %s was last opened by an older instore (schema %d, this one's is %d); "+
			"bring it up to date by opening it once with this instore, as in: INSTORE_DB=%s instore group list; then copy again",
			*from, version.Have, version.Want, *from)
	case errors.As(err, &version):
		return fmt.Errorf("copy: %s was written by a newer instore (schema %d, this one knows %d); copy it with that version",
			*from, version.Have, version.Want)
	case errors.Is(err, db.ErrCopyDiffers):
		printCopyChecks(stdout, rep)
		return fmt.Errorf("copy: %d figures differ between %s and %s (above); nothing was kept in the target",
			len(rep.Differences()), *from, dst.Path)
	case err != nil:
		return err
	}
	printCopyChecks(stdout, rep)
	fmt.Fprintf(stdout, "copied %s rows of %d tables in %s (%s rows/s), %d id sequences moved on; every figure is equal.\n",
		money.GroupDigits(rep.Rows), len(rep.Tables), rep.Elapsed.Round(100*time.Millisecond), money.GroupDigits(perSecond(rep.Rows, rep.Elapsed)), rep.Sequences)
	fmt.Fprintln(stdout, "Start instore with INSTORE_DB set to the --to URL; keep the SQLite file as it is until you are sure.")
	return nil
}

// copyProgress prints a line per table copied and, for a large table, one
// a second while it runs.
type copyProgress struct {
	out   io.Writer
	every time.Duration
	last  time.Time
}

func (p *copyProgress) show(c db.CopyProgress) {
	if c.Indexes {
		if c.Finished {
			fmt.Fprintf(p.out, "  %-24s %12d built  %8s\n", "(indexes)", c.Rows, c.Elapsed.Round(10*time.Millisecond))
		}
		return
	}
	rate := money.GroupDigits(perSecond(c.Rows, c.Elapsed))
	if c.Finished {
		fmt.Fprintf(p.out, "  %-24s %12s rows  %8s  %s rows/s\n", c.Table, money.GroupDigits(c.Rows), c.Elapsed.Round(10*time.Millisecond), rate)
		p.last = time.Time{}
		return
	}
	now := time.Now()
	if p.last.IsZero() {
		p.last = now
		return
	}
	if now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	fmt.Fprintf(p.out, "  %-24s %12s of %s rows, %s rows/s\n", c.Table, money.GroupDigits(c.Rows), money.GroupDigits(c.Total), rate)
}

// printCopyChecks prints the rows of every table and, for a table with
// rows, the sums of its money columns on both sides; the other sums
// (counts, flags, ids, text lengths) are listed only when they differ.
func printCopyChecks(out io.Writer, rep *db.CopyReport) {
	const line = "%-22s %-18s %20s %20s  %s\n"
	fmt.Fprintf(out, line, "table", "figure", "SQLite", "PostgreSQL", "")
	empty := map[string]bool{}
	others, otherDiffs := 0, 0
	for _, c := range rep.Checks {
		verdict := "equal"
		if !c.Equal() {
			verdict = "DIFFERS"
		}
		switch {
		case c.Kind == db.CheckRows:
			empty[c.Table] = c.Source == 0 && c.Target == 0
			fmt.Fprintf(out, line, c.Table, "rows", money.GroupDigits(c.Source), money.GroupDigits(c.Target), verdict)
		case c.Kind == db.CheckMoney && !(empty[c.Table] && c.Equal()):
			fmt.Fprintf(out, line, c.Table, c.Column, money.FormatTHB(c.Source), money.FormatTHB(c.Target), verdict)
		case c.Kind == db.CheckMoney:
		case c.Equal():
			others++
		default:
			otherDiffs++
			fmt.Fprintf(out, line, c.Table, c.Column+" (sum)", money.GroupDigits(c.Source), money.GroupDigits(c.Target), verdict)
		}
	}
	fmt.Fprintf(out, "%d further sums (counts, flags, ids, text lengths) compared: %d equal, %d differ\n",
		others+otherDiffs, others, otherDiffs)
}

func perSecond(n int64, d time.Duration) int64 {
	if d <= 0 {
		return n
	}
	return int64(float64(n) / d.Seconds())
}
