package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// errNotBuilt marks a product piece that does not exist yet (the main
// package does not build, or a route answers 404).
var errNotBuilt = errors.New("not built yet")

// limits holds the limit figures the product rows are compared with.
type limits struct {
	insert1Full, insert1Normal, insert100Full, insert100Normal float64
	http                                                       figures
	sse                                                        map[int]figures
	csv                                                        figures
	pipeline                                                   figures // the bare webhook pipeline
	pgInsert1, pgInsert100, pgInsert1Conc                      float64 // PostgreSQL (-db), rows/s
}

// run measures every selected part and returns the report.
func (t *tool) run(ctx context.Context) *report {
	rep := &report{Started: time.Now(), Runs: t.runs}
	rep.noteLoad("start")
	defer func() { rep.Took = time.Since(rep.Started); rep.noteLoad("end") }()
	lim := limits{sse: map[int]figures{}}
	bigDB := filepath.Join(t.work, "charges.db")
	haveBig := false
	needBig := t.want("limits") || t.want("limits-http") || t.want("limits-csv") || t.want("charges") || t.want("csv") || t.want("startup")
	var deepAt, deepID string
	if needBig {
		if err := chargesDB(ctx, t.cache, t.repo, bigDB, t.rows, t.logf); err != nil {
			rep.Notes = append(rep.Notes, "big database: "+err.Error())
		} else if deepAt, deepID, err = deepCursor(ctx, bigDB, t.rows*9/10); err != nil {
			rep.Notes = append(rep.Notes, "deep cursor: "+err.Error())
		} else {
			haveBig = true
		}
	}
	if t.want("limits") || t.want("limits-insert") || t.want("limits-webhook") || t.want("limits-http") || t.want("limits-sse") || t.want("limits-csv") {
		rep.noteLoad("limits")
		t.measureLimits(rep, &lim, bigDB, haveBig, deepAt, deepID)
	}
	if t.pgURL != "" && (t.want("limits") || t.want("limits-insert") || t.want("limits-pg") || t.want("webhooks")) {
		t.measurePGLimits(rep, &lim)
	}
	defer t.dropBigPG()
	product := []struct {
		part string
		fn   func(*report, *limits)
	}{
		{"webhooks", t.productWebhooks},
		{"live", t.productLive},
		{"checkout", t.productCheckout},
	}
	for _, p := range product {
		if t.want(p.part) {
			rep.noteLoad(p.part)
			p.fn(rep, &lim)
		}
	}
	if (haveBig || t.pgURL != "") && t.want("charges") {
		rep.noteLoad("charges")
		t.productCharges(rep, &lim, haveBig, bigDB, deepAt, deepID)
	}
	if t.pgURL != "" {
		var notes []string
		rep.Compare, notes = t.comparison(&lim)
		rep.Notes = append(rep.Notes, notes...)
	}
	if haveBig && t.want("csv") {
		rep.noteLoad("csv")
		t.productCSV(rep, &lim, bigDB)
	}
	if haveBig && t.want("startup") {
		rep.noteLoad("startup")
		t.productStartup(rep, &lim, bigDB)
	}
	return rep
}

// failRow is a row for a measurement that could not be made.
func failRow(what string, err error) row {
	if errors.Is(err, errNotBuilt) {
		why := strings.TrimPrefix(err.Error(), errNotBuilt.Error()+": ")
		if len(why) > 90 {
			why = why[:90] + "…"
		}
		return row{What: what, Measured: "n/a (not built yet: " + why + ")", Limit: "—", Ratio: "—", Target: "", Verdict: "n/a"}
	}
	return row{What: what, Measured: "error: " + err.Error(), Limit: "—", Ratio: "—", Verdict: "n/a"}
}

func (t *tool) measureLimits(rep *report, lim *limits, bigDB string, haveBig bool, deepAt, deepID string) {
	ins := []struct {
		sync  string
		perTx int
		dst   *float64
		what  string
	}{
		{"FULL", 1, &lim.insert1Full, "SQLite insert, 1 row per commit, WAL, synchronous=FULL (fsync per commit; product DSN)"},
		{"FULL", 100, &lim.insert100Full, "SQLite insert, 100 rows per commit (group commit), synchronous=FULL"},
		{"NORMAL", 1, &lim.insert1Normal, "SQLite insert, 1 row per commit, WAL, synchronous=NORMAL"},
		{"NORMAL", 100, &lim.insert100Normal, "SQLite insert, 100 rows per commit, synchronous=NORMAL"},
	}
	part := func(p string) bool { return t.want("limits") || t.want("limits-"+p) }
	afterFull := len(rep.Limits) // where the bare pipeline's row goes: after the one-row FULL commit's
	for _, x := range ins {
		if !part("insert") {
			break
		}
		t.logf("limit: %s", x.what)
		f, err := repeat(t.runs, func(int) (figures, error) {
			v, err := limitInsert(t.work, x.sync, x.perTx, t.dur)
			return figures{"rps": v}, err
		})
		if err != nil {
			rep.Limits = append(rep.Limits, failRow(x.what, err))
		} else {
			*x.dst = f["rps"]
			rep.Limits = append(rep.Limits, row{What: x.what, Measured: num(f["rps"]) + " rows/s", Limit: "—", Ratio: "—", Target: "", Verdict: ""})
		}
		if x.dst == &lim.insert1Full {
			afterFull = len(rep.Limits)
		}
	}
	if part("webhook") {
		what := fmt.Sprintf("bare webhook pipeline: HMAC check, event JSON, GET charge from a bare Omise process (keep-alive HTTP), charge JSON, event + charge rows in one group commit, WAL, synchronous=FULL (%d in flight)", webhookConns)
		t.logf("limit: bare webhook pipeline")
		var r row
		if f, err := t.limitPipeline(); err != nil {
			r = failRow(what, err)
		} else {
			lim.pipeline = f
			r = row{What: what, Measured: fmt.Sprintf("%s events/s, p50 %s, p99 %s; %.1f deliveries per commit",
				num(f["eps"]), msStr(f["p50_ms"]), msStr(f["p99_ms"]), f["per_commit"])}
		}
		rep.Limits = append(rep.Limits[:afterFull], append([]row{r}, rep.Limits[afterFull:]...)...)
	}
	if haveBig && part("http") {
		t.logf("limit: bare Echo JSON and bare page")
		f, err := repeat(t.runs, func(int) (figures, error) { return t.limitHTTP(bigDB, deepAt, deepID) })
		if err != nil {
			rep.Limits = append(rep.Limits, failRow("bare Echo JSON / bare page", err))
		} else {
			lim.http = f
			rep.Limits = append(rep.Limits, row{What: "bare Echo JSON handler, 64 connections", Measured: fmt.Sprintf("%s req/s (p99 %s)", num(f["echo64_rps"]), msStr(f["echo64_p99_ms"]))})
			for _, d := range []string{"first", "deep"} {
				rep.Limits = append(rep.Limits, row{What: fmt.Sprintf("bare 50-row HTML page, keyset SQLite query, %s page, %s charges", d, num(float64(t.rows))),
					Measured: fmt.Sprintf("%s req/s at 64 (p99 %s); p99 %s at 8", num(f["page_"+d+"64_rps"]), msStr(f["page_"+d+"64_p99_ms"]), msStr(f["page_"+d+"8_p99_ms"]))})
			}
		}
	}
	for _, n := range t.subs {
		if !part("sse") {
			break
		}
		t.logf("limit: bare SSE broker, %d subscribers", n)
		what := fmt.Sprintf("bare SSE broker, 100 events/s, %d subscribers", n)
		f, err := repeat(t.runs, func(int) (figures, error) { return t.limitSSE(n) })
		if err != nil {
			rep.Limits = append(rep.Limits, failRow(what, err))
			continue
		}
		lim.sse[n] = f
		rep.Limits = append(rep.Limits, row{What: what, Measured: fmt.Sprintf("p50 %s, p99 %s, RSS %.0f MB", msStr(f["p50_ms"]), msStr(f["p99_ms"]), f["rss_mb"])})
	}
	if haveBig && part("csv") {
		t.logf("limit: bare CSV scan")
		what := fmt.Sprintf("bare scan of %s charges to CSV over HTTP (one query, the export's 27 fields)", num(float64(t.rows)))
		f, err := repeat(t.runs, func(int) (figures, error) { return t.limitCSV(bigDB) })
		if err != nil {
			rep.Limits = append(rep.Limits, failRow(what, err))
		} else {
			lim.csv = f
			rep.Limits = append(rep.Limits, row{What: what, Measured: fmt.Sprintf("%.2f s (%.0f MB, RSS growth %.0f MB)", f["s"], f["mb"], f["rss_growth_mb"])})
		}
	}
}
