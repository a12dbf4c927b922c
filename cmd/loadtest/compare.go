package main

import (
	"fmt"
	"strings"
	"time"

	"instore/db"
)

// bigPG is the /charges dataset in a schema of the -db database, built
// once per invocation (-pg-rows charges) and used by every PostgreSQL
// deployment; it is dropped when the run ends.
type bigPG struct {
	src            string
	deepAt, deepID string
	took           time.Duration
	err            error
}

// bigPGSource builds the PostgreSQL dataset on first use, through the same
// generator and db.SeedCharges as the SQLite one.
func (t *tool) bigPGSource() (*bigPG, error) {
	if t.pgBig != nil {
		return t.pgBig, t.pgBig.err
	}
	b := &bigPG{}
	t.pgBig = b
	if b.src, b.err = t.newSchema(); b.err != nil {
		return b, b.err
	}
	t.logf("building the PostgreSQL dataset: %d charges (once per run)...", t.pgRows)
	t0 := time.Now()
	if b.err = buildChargesDB(t.ctx(), b.src, t.pgRows); b.err != nil {
		b.err = fmt.Errorf("PostgreSQL dataset: %w", b.err)
		return b, b.err
	}
	b.took = time.Since(t0)
	t.logf("built in %.1fs", b.took.Seconds())
	if b.deepAt, b.deepID, b.err = deepCursor(t.ctx(), b.src, t.pgRows*9/10); b.err != nil {
		b.err = fmt.Errorf("PostgreSQL deep cursor: %w", b.err)
	}
	return b, b.err
}

// dropBigPG drops the PostgreSQL dataset, if one was made.
func (t *tool) dropBigPG() {
	if t.pgBig != nil && t.pgBig.src != "" {
		t.dropSchema(t.pgBig.src)
	}
}

// noteCompare keeps a deployment's figures for the comparison table, each
// name prefixed by its part.
func (t *tool) noteCompare(dep deployment, f figures, prefix string) {
	if dep.label() == "" {
		return
	}
	c := t.compare[dep.label()]
	if c == nil {
		c = figures{}
		t.compare[dep.label()] = c
	}
	for k, v := range f {
		c[prefix+k] = v
	}
}

// comparison renders the engines side by side: for each deployment the
// webhooks/s, checkout's server time beyond Omise and /charges req/s, with
// the same-run bare insert limit of its engine.
func (t *tool) comparison(lim *limits) (string, []string) {
	var b strings.Builder
	b.WriteString("| deployment | webhooks/s (p99), 16 in flight | bare insert limit, same run | checkout: server time beyond Omise, mean / p99 (sales/s) | /charges req/s at 64: first / deep page (p99 at 8, first) | /api/charges req/s at 64, first |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	get := func(f figures, k string) (float64, bool) {
		v, ok := f[k]
		return v, ok
	}
	for _, dep := range t.deployments() {
		f := t.compare[dep.label()]
		wh, co, ch, api := "—", "—", "—", "—"
		if v, ok := get(f, "wh_eps"); ok {
			wh = fmt.Sprintf("%s (%s)", num(v), msStr(f["wh_p99_ms"]))
		}
		if v, ok := get(f, "co_server_beyond_mean_ms"); ok {
			co = fmt.Sprintf("%s / %s (%s)", msStr(v), p99Str(f, "co_server_beyond_"), num(f["co_sales_per_s"]))
		}
		if v, ok := get(f, "ch_html_first64_rps"); ok {
			ch = fmt.Sprintf("%s / %s (%s)", num(v), num(f["ch_html_deep64_rps"]), msStr(f["ch_html_first8_p99_ms"]))
		}
		if v, ok := get(f, "ch_api_first64_rps"); ok {
			api = num(v)
		}
		limit := fmt.Sprintf("1 row/commit %s (FULL), %s (NORMAL); 100 rows/commit %s (FULL)",
			rate(lim.insert1Full), rate(lim.insert1Normal), rate(lim.insert100Full))
		if dep.pg {
			limit = fmt.Sprintf("1 row/commit %s (1 connection), %s (%d); 100-row batches %s",
				rate(lim.pgInsert1), rate(lim.pgInsert1Conc), pgInsertConns, rate(lim.pgInsert100))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", dep.label(), wh, limit, co, ch, api)
	}
	notes := []string{
		fmt.Sprintf("The comparison's deployments all use one `instore sim` process (not demo mode's embedded simulator); with several instances the load generator sends request (or till, or page worker) i to instance i mod %d, and the simulator's webhooks reach the instances through a round-robin forwarder in the load tool.", t.instances),
	}
	if t.pgBig != nil && t.pgBig.err == nil {
		n := fmt.Sprintf("The PostgreSQL /charges dataset: %s charges, built in %.0f s through db.SeedCharges.", num(float64(t.pgRows)), t.pgBig.took.Seconds())
		if t.pgRows != t.rows {
			n += fmt.Sprintf(" SQLite's has %s (-rows): the two lists differ in size (-pg-rows).", num(float64(t.rows)))
		}
		notes = append(notes, n)
	}
	return b.String(), notes
}

// dbRedacted is the -db URL as the report shows it, without a password.
func dbRedacted(u string) string {
	if !db.IsPostgresURL(u) {
		return u
	}
	scheme, rest, _ := strings.Cut(u, "://")
	authority, tail, _ := strings.Cut(rest, "/")
	at := strings.LastIndexByte(authority, '@')
	if at < 0 {
		return u
	}
	user, _, _ := strings.Cut(authority[:at], ":")
	out := scheme + "://" + user + authority[at:]
	if len(rest) > len(authority) {
		out += "/" + tail
	}
	return out
}
