// Command loadtest measures the product against the machine's own limits,
// each figure the median of several runs, and prints one table.
//
// Usage (from the repository root):
//
//	go run ./cmd/loadtest -out BENCHMARKS-run.md
//
// The LIMITS are bare versions of the same stack measured in the same run on
// the same machine: a SQLite insert loop (one commit per row and 100 rows per
// commit, synchronous FULL and NORMAL), a bare webhook pipeline (the work
// of one webhook delivery: HMAC check, event JSON, a GET of the charge from
// a bare Omise process, charge JSON, one group commit), a bare Echo JSON
// handler, a bare 50-row HTML page over a keyset SQLite query, a bare SSE
// broker at 100 events/s, and a bare scan of every charge to CSV. The
// PRODUCT figures come from the real server (`go build` of the main
// package, demo mode, embedded Omise simulator) started as a subprocess on
// a scratch database: webhook ingestion, live fan-out, till checkout, the
// /charges and /api/charges pages over 1,000,000 charges, and the CSV
// export of them. A product piece that does not exist yet is reported as
// "n/a (not built yet)" instead of failing the run.
//
// The 1,000,000-charge database is built once with plain SQL (charges and
// daily_totals) and cached (-cache); every run works on a copy.
//
// With -db postgres://… the webhooks, checkout and /charges parts are
// measured on three deployments: SQLite with one instance, PostgreSQL with
// one, and PostgreSQL with -instances server processes on the one
// database, each of them talking to one `instore sim` process (demo mode's
// embedded simulator cannot be shared). The load generator spreads its
// requests over the instances round-robin; the simulator's webhooks go
// through a round-robin forwarder in this tool. Every PostgreSQL
// measurement gets a new schema, dropped after. The bare PostgreSQL insert
// limits (pgx, one row per commit and 100-row batches) are measured in the
// same run, and a last table sets the three deployments side by side.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the driver db.Open uses for a -db schema
	_ "modernc.org/sqlite"             // the driver the seeding and the bare baselines open files with

	"instore/db"
)

// tool is one invocation's settings and state.
type tool struct {
	runs      int
	rows      int
	dur       time.Duration
	sseWindow time.Duration
	subs      []int
	only      map[string]bool
	work      string
	cache     string
	repo      string
	log       io.Writer

	webhookEvents int // webhook deliveries per run

	pipelineProfile string // -pipeline-cpuprofile: the bare receiver's CPU profile

	// pgURL (-db) adds PostgreSQL to the webhooks, checkout and /charges
	// measurements: each is made on SQLite (one instance), PostgreSQL (one)
	// and PostgreSQL (instances, -instances), in a new schema of that
	// database each, dropped after.
	pgURL     string
	instances int
	pgRows    int    // charges in the PostgreSQL /charges dataset
	pgBig     *bigPG // that dataset once built; dropped at the end
	compare   map[string]figures

	serverBin string // built product binary; "" until built
	buildErr  error
}

// ctx is the tool's context; runs end by their own time limits.
func (t *tool) ctx() context.Context { return context.Background() }

func main() {
	var (
		out      = flag.String("out", "", "also write the results as Markdown to this file")
		runs     = flag.Int("runs", 3, "runs per measurement; each figure is the median")
		rows     = flag.Int("rows", 1000000, "charges in the big database (list pages and CSV)")
		dur      = flag.Duration("dur", 3*time.Second, "measured window of each HTTP load")
		sseWin   = flag.Duration("sse-window", 5*time.Second, "measured window of each SSE fan-out")
		events   = flag.Int("webhook-events", 6000, "webhook deliveries per run")
		subs     = flag.String("subs", "1000,5000", "SSE subscriber counts")
		only     = flag.String("only", "", "comma list of parts to run: limits (or limits-insert, limits-webhook, limits-http, limits-sse, limits-csv, limits-pg), webhooks, live, checkout, charges, csv (default all)")
		work     = flag.String("work", "", "scratch directory (default: a new temporary one, removed after)")
		cache    = flag.String("cache", filepath.Join(os.TempDir(), "instore-loadtest-cache"), "where the big database is built once and kept")
		repo     = flag.String("repo", ".", "repository root holding the main package")
		pgURL    = flag.String("db", "", "a postgres:// URL: also measure webhooks, checkout and /charges on PostgreSQL, each in a new schema of that database (dropped after), and the bare PostgreSQL insert limits")
		inst     = flag.Int("instances", 1, "with -db: also measure PostgreSQL with this many server processes on the one database, the load spread over them round-robin")
		pgRows   = flag.Int("pg-rows", 0, "with -db: charges in the PostgreSQL /charges dataset (default -rows)")
		bare     = flag.Bool("bare", false, "internal: serve the bare limit endpoints")
		bareDB   = flag.String("bare-db", "", "internal: database of the bare server")
		bareRate = flag.Int("bare-sse-rate", 0, "internal: SSE events per second of the bare server")
		bareOm   = flag.String("bare-omise", "", "internal: serve as the bare Omise, answering GET /charges/:id with the charge JSON in this file")
		bareRecv = flag.String("bare-receiver", "", "internal: serve as the bare webhook receiver, reading charges from the bare Omise at this URL")
		pipeProf = flag.String("pipeline-cpuprofile", "", "write a CPU profile of the bare webhook receiver (all its runs) to this file")
	)
	flag.Parse()
	if *bareOm != "" || *bareRecv != "" {
		var err error
		if *bareOm != "" {
			err = runBareOmise(*bareOm)
		} else {
			err = runBareReceiver(*bareDB, *bareRecv)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bare:", err)
			os.Exit(1)
		}
		return
	}
	if *bare {
		if err := runBare(*bareDB, *bareRate); err != nil {
			fmt.Fprintln(os.Stderr, "bare:", err)
			os.Exit(1)
		}
		return
	}
	raiseNoFile()
	t := &tool{runs: max(1, *runs), rows: *rows, dur: *dur, sseWindow: *sseWin, cache: *cache, repo: *repo, log: os.Stderr, webhookEvents: *events,
		pgURL: *pgURL, instances: max(1, *inst), pgRows: *pgRows, compare: map[string]figures{}, pipelineProfile: *pipeProf}
	if t.pgRows <= 0 {
		t.pgRows = t.rows
	}
	if t.pgURL != "" && !db.IsPostgresURL(t.pgURL) {
		fatal(fmt.Errorf("-db must be a postgres:// URL, not %q", t.pgURL))
	}
	if t.pgURL == "" && t.instances > 1 {
		fatal(errors.New("-instances needs -db: several instances share a PostgreSQL database"))
	}
	for _, s := range strings.Split(*subs, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n > 0 {
			t.subs = append(t.subs, n)
		}
	}
	if *only != "" {
		t.only = map[string]bool{}
		for _, s := range strings.Split(*only, ",") {
			t.only[strings.TrimSpace(s)] = true
		}
	}
	t.work = *work
	if t.work == "" {
		d, err := os.MkdirTemp("", "instore-loadtest-")
		if err != nil {
			fatal(err)
		}
		t.work = d
		defer os.RemoveAll(d)
	}
	if err := os.MkdirAll(t.work, 0o755); err != nil {
		fatal(err)
	}
	if err := os.MkdirAll(t.cache, 0o755); err != nil {
		fatal(err)
	}
	rep := t.run(context.Background())
	args := append([]string(nil), os.Args[1:]...)
	for i, a := range args {
		if j := strings.Index(a, "postgres"); j >= 0 {
			args[i] = a[:j] + dbRedacted(a[j:])
		}
	}
	md := rep.markdown(strings.Join(args, " "))
	fmt.Print(md)
	if *out != "" {
		if err := os.WriteFile(*out, []byte(md), 0o644); err != nil {
			fatal(err)
		}
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "loadtest:", err)
	os.Exit(1)
}

// logf reports progress on stderr; the table goes to stdout.
func (t *tool) logf(format string, a ...any) {
	fmt.Fprintf(t.log, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, a...)...)
}

// want reports whether part is selected by -only.
func (t *tool) want(part string) bool { return t.only == nil || t.only[part] }

// startBare starts this binary again as a bare server.
func (t *tool) startBare(dbPath string, sseRate int) (*proc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{"-bare", "-bare-sse-rate", strconv.Itoa(sseRate)}
	if dbPath != "" {
		args = append(args, "-bare-db", dbPath)
	}
	return startProc(self, args, nil, filepath.Join(t.work, "bare.log"), 30*time.Second)
}
