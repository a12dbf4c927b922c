package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// webhookConns is how many webhook deliveries are in flight at once.
const webhookConns = 16

// productWebhooks: signed webhooks for real simulator events POSTed
// concurrently; each is verified, stored, re-read from the simulator,
// applied and published by the server. The simulator's own deliveries are
// off so every POST is a new event.
func (t *tool) productWebhooks(rep *report, lim *limits) {
	for _, dep := range t.deployments() {
		what := fmt.Sprintf("webhook ingestion: signed, verified, re-read, committed, published (%d in flight)", webhookConns) + dep.suffix()
		t.logf("product: webhook ingestion%s", dep.suffix())
		f, err := t.measureWebhooks(dep)
		if err != nil {
			rep.Product = append(rep.Product, failRow(what, err))
			continue
		}
		t.noteCompare(dep, f, "wh_")
		r := row{What: what,
			Measured: fmt.Sprintf("%s events/s, p50 %s, p99 %s", num(f["eps"]), msStr(f["p50_ms"]), msStr(f["p99_ms"])) + writerNote(f),
			Limit:    fmt.Sprintf("1 row/commit: %s/s NORMAL, %s/s FULL", num(lim.insert1Normal), num(lim.insert1Full)),
			Ratio:    ratio(f["eps"], lim.insert1Full) + " of FULL, " + ratio(f["eps"], lim.insert1Normal) + " of NORMAL",
			Target:   "≥ 1.0× the 1-row FULL commit, p99 ≤ 20 ms at 16 in flight",
			Verdict:  verdict(lim.insert1Full > 0 && f["eps"] >= lim.insert1Full && f["p99_ms"] <= 20),
		}
		if bp := lim.pipeline["eps"]; bp > 0 {
			// Evidence beside the target: the same work with nothing of
			// ours (two HTTP exchanges, JSON, one group commit).
			r.Limit += fmt.Sprintf("; bare pipeline %s/s", num(bp))
			r.Ratio += ", " + ratio(f["eps"], bp) + " of bare pipeline"
		}
		if dep.pg {
			// Issue 16's target is SQLite's; PostgreSQL's figure is set
			// beside its own bare commit, with no verdict.
			r.Limit = fmt.Sprintf("1 row/commit: %s on 1 connection, %s on %d; 100-row batches %s",
				rate(lim.pgInsert1), rate(lim.pgInsert1Conc), pgInsertConns, rate(lim.pgInsert100))
			r.Ratio = ratio(f["eps"], lim.pgInsert1) + " of 1 connection, " + ratio(f["eps"], lim.pgInsert1Conc) + fmt.Sprintf(" of %d", pgInsertConns)
			r.Target, r.Verdict = "—", "—"
		}
		rep.Product = append(rep.Product, r)
	}
}

// writerNote says how busy the single writer was during the deliveries,
// when the figures have it (SQLite).
func writerNote(f figures) string {
	if f["writer_per_commit"] == 0 {
		return ""
	}
	return fmt.Sprintf("; the one writer busy %.0f %% of the time, %.1f deliveries and %s per commit",
		f["writer_busy_pct"], f["writer_per_commit"], msStr(f["writer_commit_ms"]))
}

func (t *tool) measureWebhooks(dep deployment) (figures, error) {
	cl, err := t.startCluster("webhooks", dep, clusterOpts{metrics: true})
	if err != nil {
		return nil, err
	}
	defer cl.Stop()
	sim, err := newSimulatorAt(cl.simBase, webhookConns)
	if err != nil {
		return nil, err
	}
	secret := cl.first().WebhookSecret
	hc := &http.Client{Transport: newTransport(webhookConns), Timeout: 30 * time.Second}
	seen := 0
	return repeat(t.runs, func(int) (figures, error) {
		evs, err := sim.freshEvents(t.webhookEvents/2, &seen)
		if err != nil {
			return nil, err
		}
		before, err := writerCounts(cl.metrics)
		if err != nil {
			return nil, err
		}
		t0 := time.Now()
		f, err := deliverWebhooks(hc, cl.url, secret, evs)
		if err != nil {
			return nil, err
		}
		el := time.Since(t0)
		after, err := writerCounts(cl.metrics)
		if err != nil {
			return nil, err
		}
		if batches := after.batches - before.batches; batches > 0 { // SQLite's single writer
			f["writer_busy_pct"] = 100 * (after.busy - before.busy) / el.Seconds()
			f["writer_per_commit"] = (after.callers - before.callers) / batches
			f["writer_commit_ms"] = 1000 * (after.commit - before.commit) / batches
		}
		return f, nil
	})
}

// writerTotals are the single writer's counters (metrics.ObserveWriter),
// summed over instances.
type writerTotals struct{ busy, commit, batches, callers float64 }

func writerCounts(metricsURLs []string) (writerTotals, error) {
	var w writerTotals
	for _, u := range metricsURLs {
		for _, c := range []struct {
			name string
			to   *float64
		}{
			{"instore_db_writer_busy_seconds_total", &w.busy}, {"instore_db_writer_commit_seconds_total", &w.commit},
			{"instore_db_writer_batches_total", &w.batches}, {"instore_db_writer_callers_total", &w.callers},
		} {
			v, err := counterTotal(u, c.name)
			if err != nil {
				return w, err
			}
			*c.to += v
		}
	}
	return w, nil
}

// freshEvents makes n pending charges in the simulator and completes each,
// and returns the events it holds past *seen (each charge's create and
// complete), moving *seen past them.
func (s *simulator) freshEvents(n int, seen *int) ([]json.RawMessage, error) {
	ids, err := s.createCharges(n, webhookConns)
	if err != nil {
		return nil, fmt.Errorf("create charges in the simulator: %w", err)
	}
	for _, id := range ids {
		if err := s.markPaid(id); err != nil {
			return nil, err
		}
	}
	all, err := s.rawEvents()
	if err != nil {
		return nil, err
	}
	evs := all[*seen:]
	*seen = len(all)
	return evs, nil
}

// deliverWebhooks POSTs every event, signed with secret, webhookConns at
// a time, event i to url(i): events per second over the whole batch and
// the deliveries' p50 and p99.
func deliverWebhooks(hc *http.Client, url func(int) string, secret string, evs []json.RawMessage) (figures, error) {
	var next atomic.Int64
	var mu sync.Mutex
	var l lats
	var fails atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	t0 := time.Now()
	for w := 0; w < webhookConns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local lats
			for {
				i := int(next.Add(1)) - 1
				if i >= len(evs) {
					break
				}
				req, err := signedWebhook(url(i), secret, evs[i])
				if err != nil {
					fails.Add(1)
					continue
				}
				s := time.Now()
				resp, err := hc.Do(req)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode == http.StatusNotFound {
						err = errNotBuilt
					} else if resp.StatusCode/100 != 2 {
						err = fmt.Errorf("POST /webhooks/omise: %s", resp.Status)
					}
				}
				if err != nil {
					fails.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				local = append(local, time.Since(s))
			}
			mu.Lock()
			l = append(l, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	el := time.Since(t0)
	if n := fails.Load(); n > int64(len(evs)/100) {
		e, _ := firstErr.Load().(error)
		return nil, fmt.Errorf("%d of %d deliveries failed: %w", n, len(evs), e)
	}
	return figures{"eps": float64(len(l)) / el.Seconds(), "p50_ms": ms(l.pct(50)), "p99_ms": ms(l.pct(99))}, nil
}

// chargeIDRE finds the charge a live message is about.
var chargeIDRE = regexp.MustCompile(`chrg_[A-Za-z0-9_]+`)

// commitTime reads the time a live message says its change was committed
// or published, when it carries one with sub-second precision. The
// product's messages carry "at" (set right after the commit), read
// without decoding the object; other keys are looked for the slow way.
func commitTime(data []byte) (time.Time, bool) {
	if v, ok := strField(data, `"at":"`); ok && bytes.IndexByte(v, '.') > 0 {
		if ts, err := time.Parse(time.RFC3339Nano, string(v)); err == nil {
			return ts, true
		}
	}
	var m map[string]any
	if json.Unmarshal(data, &m) != nil {
		return time.Time{}, false
	}
	for _, k := range []string{"committed_at", "published_at", "at", "updated_at"} {
		switch v := m[k].(type) {
		case string:
			if ts, err := time.Parse(time.RFC3339Nano, v); err == nil && strings.Contains(v, ".") {
				return ts, true
			}
		case float64:
			if v > 1e15 { // Unix nanoseconds or microseconds
				if v > 1e18 {
					return time.Unix(0, int64(v)), true
				}
				return time.UnixMicro(int64(v)), true
			}
		}
	}
	return time.Time{}, false
}

// productLive: n subscribers on /live as admin, a charge completed in the
// simulator every 10 ms; the simulator's signed webhook reaches the server,
// which re-reads, commits and publishes. Commit-to-receipt uses the time
// the message says it was committed/published; mark-to-receipt covers the
// whole path from the simulator's button.
func (t *tool) productLive(rep *report, lim *limits) {
	for _, n := range t.subs {
		what := fmt.Sprintf("live fan-out: %s subscribers on /live, a charge change every 10 ms", num(float64(n)))
		t.logf("product: %s", what)
		f, err := t.measureLive(n)
		if err != nil {
			rep.Product = append(rep.Product, failRow(what, err))
			continue
		}
		bare := lim.sse[n]
		r := row{What: what, Limit: "—", Ratio: "—"}
		key := "c2r"
		if _, ok := f["c2r_p99_ms"]; !ok {
			key = "m2r"
		}
		r.Measured = fmt.Sprintf("commit→receipt p50 %s, p99 %s; simulator-button→receipt p99 %s; RSS %.0f MB",
			msStr(f[key+"_p50_ms"]), msStr(f[key+"_p99_ms"]), msStr(f["m2r_p99_ms"]), f["rss_mb"])
		if key == "m2r" {
			r.Measured = "commit time not in messages; button→receipt p50 " + msStr(f["m2r_p50_ms"]) + ", p99 " + msStr(f["m2r_p99_ms"]) + fmt.Sprintf("; RSS %.0f MB", f["rss_mb"])
		}
		if bare != nil {
			r.Limit = fmt.Sprintf("bare broker p99 %s, RSS %.0f MB", msStr(bare["p99_ms"]), bare["rss_mb"])
			r.Ratio = ratio(f[key+"_p99_ms"], bare["p99_ms"])
		}
		if n <= 1000 {
			r.Target = "p99 ≤ 20 ms"
			r.Verdict = verdict(f[key+"_p99_ms"] <= 20)
		} else {
			r.Target = "RSS ≤ 250 MB, p99 ≤ bare"
			r.Verdict = verdict(bare != nil && f[key+"_p99_ms"] <= bare["p99_ms"] && f["rss_mb"] <= 250)
		}
		if f["missed"] > 0 {
			r.Measured += fmt.Sprintf("; %.1f%% of expected messages not received", f["missed"])
		}
		rep.Product = append(rep.Product, r)
	}
}

func (t *tool) measureLive(n int) (figures, error) {
	dbPath := filepath.Join(t.work, fmt.Sprintf("live-%d.db", n))
	if err := newScratchDB(t.ctx(), dbPath); err != nil {
		return nil, err
	}
	srv, err := t.startServer(fmt.Sprintf("live-%d", n), dbPath)
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	sess, err := login(srv.URL, srv.AdminUser, srv.AdminPass, 4)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNotBuilt, err)
	}
	sim, err := newSimulator(srv.URL, 8)
	if err != nil {
		return nil, err
	}
	cookies := sess.c.Jar.Cookies(mustURL(srv.URL))
	header := http.Header{}
	for _, c := range cookies {
		header.Add("Cookie", c.Name+"="+c.Value)
	}
	if err := sess.need("/live?probe=1", nil); err != nil && strings.Contains(err.Error(), "not built") {
		return nil, err
	}
	settle := time.Second
	perRun := int((settle+t.sseWindow).Seconds()*100) + 50
	return repeat(t.runs, func(int) (figures, error) {
		ids, err := sim.createCharges(perRun, 8)
		if err != nil {
			return nil, err
		}
		time.Sleep(3 * time.Second) // the charge.create webhooks drain before subscribers connect
		var marked sync.Map         // charge id -> time.Time of mark_as_paid
		var measuring atomic.Bool
		c2r, m2r := newLatRecorder(n), newLatRecorder(n)
		last := make([]string, n)
		var got atomic.Int64
		fl, err := openFleet(n, srv.URL+"/live", header, 120*time.Second, func(i int, ev sseEvent) {
			id, ok := strField(ev.Data, `"charge_id":"`)
			if !ok {
				id = chargeIDRE.Find(ev.Data)
			}
			if id == nil || string(id) == last[i] {
				return
			}
			v, ok := marked.Load(string(id))
			if !ok {
				return
			}
			last[i] = string(id)
			if !measuring.Load() {
				return
			}
			got.Add(1)
			m2r.add(i, ev.At.Sub(v.(time.Time)))
			if ct, ok := commitTime(ev.Data); ok {
				c2r.add(i, ev.At.Sub(ct))
			}
		})
		if err != nil {
			return nil, err
		}
		defer fl.Close()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		start := time.Now()
		var rss *rssSampler
		expected := 0
		for _, id := range ids {
			<-tick.C
			if rss == nil && time.Since(start) >= settle {
				measuring.Store(true)
				rss = sampleRSS(srv.Pid())
			}
			marked.Store(id, time.Now())
			if err := sim.markPaid(id); err != nil {
				return nil, err
			}
			if measuring.Load() {
				expected++
			}
			if time.Since(start) >= settle+t.sseWindow {
				break
			}
		}
		time.Sleep(2 * time.Second) // let the last changes arrive
		measuring.Store(false)
		peak := 0.0
		if rss != nil {
			peak = rss.Peak()
		}
		f := figures{"rss_mb": peak}
		l := m2r.all()
		if len(l) == 0 {
			return nil, fmt.Errorf("no live message named a completed charge (%d subscribers)", n)
		}
		f["m2r_p50_ms"], f["m2r_p99_ms"] = ms(l.pct(50)), ms(l.pct(99))
		if c := c2r.all(); len(c) > 0 {
			f["c2r_p50_ms"], f["c2r_p99_ms"] = ms(c.pct(50)), ms(c.pct(99))
		}
		if want := float64(expected * n); want > 0 {
			f["missed"] = max(0, 100*(1-float64(got.Load())/want))
		}
		return f, nil
	})
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// tillConns is how many tills sell at once.
const tillConns = 50

// productCheckout: 50 tills, each on its own terminal, sell end to end:
// POST /till/charges (JSON), the charge completed in the simulator, the
// till waiting for the paid sale as the browser's does (its live feed, a
// read every 3 s). The POST's latency minus the simulator's own
// time for the same two calls (POST /sources, POST /charges, measured
// directly at the same concurrency) is what our server adds.
func (t *tool) productCheckout(rep *report, lim *limits) {
	for _, dep := range t.deployments() {
		what := "checkout: 50 tills, each starting a sale at most once a second, POST /till/charges" + dep.suffix()
		t.logf("product: %s", what)
		f, err := t.measureCheckout(dep)
		if err != nil {
			rep.Product = append(rep.Product, failRow(what, err))
			continue
		}
		t.noteCompare(dep, f, "co_")
		rep.Product = append(rep.Product, row{What: what,
			Measured: fmt.Sprintf("added by us: p50 %s, p99 %s (till POST p50 %s, p99 %s; %s sales/s)%s",
				msStr(f["add_p50_ms"]), msStr(f["add_p99_ms"]), msStr(f["till_p50_ms"]), msStr(f["till_p99_ms"]), num(f["sales_per_s"]), serverMean(f)),
			Limit:   fmt.Sprintf("simulator alone (source+charge): p50 %s, p99 %s", msStr(f["sim_p50_ms"]), msStr(f["sim_p99_ms"])),
			Ratio:   ratio(f["till_p99_ms"], f["sim_p99_ms"]) + " (p99)",
			Target:  "server time beyond Omise (server histograms): mean ≤ 3 ms, p99 ≤ 10 ms",
			Verdict: verdict(f["server_beyond_n"] > 0 && f["server_beyond_mean_ms"] <= 3 && f["server_beyond_p99_ms"] <= 10),
		})
	}
}

// tillCycle is the shortest time between two sales at one till.
const tillCycle = time.Second

// tillAttempt is the JSON answer of the till endpoints.
type tillAttempt struct {
	AttemptID string `json:"attempt_id"`
	ChargeID  string `json:"charge_id"`
	Status    string `json:"status"`
}

func (t *tool) measureCheckout(dep deployment) (figures, error) {
	cl, err := t.startCluster("checkout", dep, clusterOpts{simWebhooks: true, metrics: true})
	if err != nil {
		return nil, err
	}
	defer cl.Stop()
	metricsURLs := cl.metrics
	// One cashier session per instance; till w sells through instance
	// w mod N, its live feed and reads included.
	sessions := make([]*session, len(cl.servers))
	for i, srv := range cl.servers {
		sess, err := login(srv.URL, "bench-cashier", benchPass, tillConns*2)
		if err != nil {
			return nil, fmt.Errorf("%w: cashier login: %v", errNotBuilt, err)
		}
		if _, err := sess.token("/till"); err != nil {
			return nil, err
		}
		sessions[i] = sess
	}
	sim, err := newSimulatorAt(cl.simBase, tillConns*2)
	if err != nil {
		return nil, err
	}
	jsonHdr := http.Header{"Accept": {"application/json"}}
	return repeat(t.runs, func(run int) (figures, error) {
		// The simulator's own time for what the till asks of it.
		// Paced like the tills below, so the two are comparable; the
		// latency is the two calls' alone, without the pause.
		simRec := newLatRecorder(tillConns)
		var simMeasuring atomic.Bool
		go func() { time.Sleep(t.dur / 4); simMeasuring.Store(true) }()
		sr := closedLoop(tillConns, t.dur/4, t.dur, func(w, i int) error {
			if i == 0 {
				time.Sleep(time.Duration(w) * tillCycle / tillConns)
			}
			cycle := time.Now()
			_, err := sim.createCharge(t.ctx(), run*1000000+w*10000+i, "S01", fmt.Sprintf("T%02d", 1+w))
			if err == nil && simMeasuring.Load() {
				simRec.add(w, time.Since(cycle))
			}
			if rest := tillCycle - time.Since(cycle); rest > 0 {
				time.Sleep(rest)
			}
			return err
		})
		simLats := simRec.all()
		if sr.N == 0 || len(simLats) == 0 {
			return nil, fmt.Errorf("simulator: %v", sr.FirstErr)
		}
		// Every charge made just now has webhooks on their way to the
		// server; the tills are measured once those are in, not against
		// a backlog this tool made.
		waitWebhooksQuiet(metricsURLs, time.Second, 2*time.Minute)
		before, _ := histSumsAll(metricsURLs)
		beforeB, _ := histBucketsAll(metricsURLs)
		rec := newLatRecorder(tillConns)
		var measuring atomic.Bool
		var sales atomic.Int64
		go func() { time.Sleep(t.dur / 4); measuring.Store(true) }()
		r := closedLoop(tillConns, t.dur/4, t.dur, func(w, i int) error {
			// A till starts a sale at most once a second (a real one takes
			// longer: the scan, the customer paying), so 50 tills are a
			// busy store's load, not a saturation test of the machine.
			if i == 0 {
				// Tills do not start in step: spread their first sales.
				time.Sleep(time.Duration(w) * tillCycle / tillConns)
			}
			cycle := time.Now()
			defer func() {
				if rest := tillCycle - time.Since(cycle); rest > 0 {
					time.Sleep(rest)
				}
			}()
			sess, base := sessions[w%len(sessions)], cl.url(w)
			att := uuid.NewString()
			form := url.Values{"terminal_id": {fmt.Sprintf("T%02d", 1+w)}, "amount": {"1500.00"},
				"barcode": {barcode(run*1000000 + w*10000 + i)}, "attempt_id": {att}, "_csrf": {sess.csrf}}
			req, _ := http.NewRequest(http.MethodPost, base+"/till/charges", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Accept", "application/json")
			req.Header.Set("X-CSRF-Token", sess.csrf)
			s := time.Now()
			resp, err := sess.c.Do(req)
			if err != nil {
				return err
			}
			d := time.Since(s)
			var a tillAttempt
			derr := json.NewDecoder(resp.Body).Decode(&a)
			resp.Body.Close()
			if resp.StatusCode == http.StatusNotFound {
				return errNotBuilt
			}
			if resp.StatusCode/100 != 2 || derr != nil {
				return fmt.Errorf("POST /till/charges: %s", resp.Status)
			}
			if measuring.Load() {
				rec.add(w, d)
			}
			// The terminal is free again once the sale is resolved. A till
			// waits the way the browser's does: the sale's live feed
			// (/live?attempt=), opened before the customer pays, and a
			// read of the sale on opening and every 3 s.
			var feed *http.Response
			if a.Status == "pending" || a.Status == "creating" || a.Status == "unknown" {
				req, _ := http.NewRequest(http.MethodGet, base+"/live?attempt="+att, nil)
				if feed, err = sess.c.Do(req); err != nil {
					return err
				}
				defer feed.Body.Close()
			}
			if a.ChargeID != "" && a.Status == "pending" {
				if err := sim.markPaid(a.ChargeID); err != nil {
					return err
				}
			}
			changed := make(chan struct{}, 1)
			if feed != nil {
				go func() {
					sc := bufio.NewScanner(feed.Body)
					for sc.Scan() {
						if strings.HasPrefix(sc.Text(), "data: ") {
							select {
							case changed <- struct{}{}:
							default:
							}
						}
					}
				}()
			}
			deadline := time.Now().Add(15 * time.Second)
			for a.Status == "pending" || a.Status == "creating" || a.Status == "unknown" {
				if time.Now().After(deadline) {
					return fmt.Errorf("attempt still %s after 15 s", a.Status)
				}
				select {
				case <-changed:
				case <-time.After(3 * time.Second):
				}
				req, _ := http.NewRequest(http.MethodGet, base+"/till/charges/"+att, nil)
				req.Header = jsonHdr.Clone()
				resp, err := sess.c.Do(req)
				if err != nil {
					return err
				}
				err = json.NewDecoder(resp.Body).Decode(&a)
				resp.Body.Close()
				if err != nil {
					return err
				}
			}
			sales.Add(1)
			return nil
		})
		after, _ := histSumsAll(metricsURLs)
		afterB, _ := histBucketsAll(metricsURLs)
		tl := rec.all()
		if len(tl) == 0 || r.Errs > r.N/20 {
			return nil, fmt.Errorf("%d sales, %d failed: %w", r.N, r.Errs, r.FirstErr)
		}
		f := figures{
			"till_p50_ms": ms(tl.pct(50)), "till_p99_ms": ms(tl.pct(99)),
			"sim_p50_ms": ms(simLats.pct(50)), "sim_p99_ms": ms(simLats.pct(99)),
			"sales_per_s": r.rps(),
		}
		f["add_p50_ms"] = f["till_p50_ms"] - f["sim_p50_ms"]
		f["add_p99_ms"] = f["till_p99_ms"] - f["sim_p99_ms"]
		// The server's own view: mean time in POST /till/charges minus the
		// mean of its two Omise calls, from its Prometheus histograms.
		tm, ok1 := meanDelta(before, after, "instore_http_request_duration_seconds{", `route="/till/charges"`, `method="POST"`)
		sm, ok2 := meanDelta(before, after, "instore_omise_call_duration_seconds{", `endpoint="POST /sources"`)
		cm, ok3 := meanDelta(before, after, "instore_omise_call_duration_seconds{", `endpoint="POST /charges"`)
		if ok1 && ok2 && ok3 {
			f["server_add_mean_ms"] = (tm - sm - cm) * 1000
		}
		// Per request, the server's own histogram of time beyond the
		// request's Omise calls.
		if bm, ok := meanDelta(before, after, "instore_http_beyond_omise_seconds{", `route="/till/charges"`, `method="POST"`); ok {
			f["server_beyond_mean_ms"] = bm * 1000
		}
		if p99, n, ok := quantileDelta(beforeB, afterB, 0.99, "instore_http_beyond_omise_seconds_bucket{", `route="/till/charges"`, `method="POST"`); ok {
			f["server_beyond_p99_ms"], f["server_beyond_n"] = p99*1000, n
			// Past the histogram's last finite bucket the quantile is
			// only known to be above it.
			if top, ok := topBucket(afterB, "instore_http_beyond_omise_seconds_bucket{"); ok && p99 >= top {
				f["server_beyond_p99_over"] = 1
			}
		}
		return f, nil
	})
}

// productCharges: the back office list and the JSON list over the big
// database, first page and a page 90% deep, at 64 and at 8 connections.
func (t *tool) productCharges(rep *report, lim *limits, haveBig bool, bigDB, deepAt, deepID string) {
	for _, dep := range t.deployments() {
		src, rows, at, id := bigDB, t.rows, deepAt, deepID
		var err error
		if dep.pg {
			var b *bigPG
			if b, err = t.bigPGSource(); err == nil {
				src, rows, at, id = b.src, t.pgRows, b.deepAt, b.deepID
			}
		} else if !haveBig {
			continue // the SQLite dataset failed; a note says why
		}
		t.logf("product: /charges and /api/charges over %d charges%s", rows, dep.suffix())
		var f figures
		if err == nil {
			f, err = repeat(t.runs, func(int) (figures, error) { return t.measureCharges(dep, src, at, id) })
		}
		if err == nil {
			t.noteCompare(dep, f, "ch_")
		}
		t.chargesRows(rep, lim, dep, rows, f, err)
	}
}

// chargesRows adds the four /charges and /api/charges rows of one
// deployment.
func (t *tool) chargesRows(rep *report, lim *limits, dep deployment, rows int, f figures, err error) {
	for _, p := range []struct{ key, what string }{
		{"html", "/charges"}, {"api", "/api/charges"},
	} {
		for _, d := range []string{"first", "deep"} {
			what := fmt.Sprintf("%s (admin session, templ/JSON, keyset), %s page, %s charges", p.what, d, num(float64(rows))) + dep.suffix()
			if err != nil {
				rep.Product = append(rep.Product, failRow(what, err))
				continue
			}
			k := p.key + "_" + d
			bare := lim.http["page_"+d+"64_rps"]
			r := row{What: what,
				Measured: fmt.Sprintf("%s req/s at 64 (p50 %s, p99 %s); p99 %s at 8", num(f[k+"64_rps"]), msStr(f[k+"64_p50_ms"]), msStr(f[k+"64_p99_ms"]), msStr(f[k+"8_p99_ms"])),
				Limit:    "—", Ratio: "—",
			}
			bare8 := lim.http["page_"+d+"8_p99_ms"]
			if p.key == "html" {
				r.Target = "≥ 0.7× bare page; p99 at 8 ≤ 1.3× the bare page's; deep no slower"
			} else {
				r.Target = "≥ 0.9× bare page; deep no slower"
			}
			for _, c := range []string{"64", "8"} {
				if f[k+c+"_serial"] > 0 {
					r.Measured += fmt.Sprintf(" [none finished within the window at %s connections: figures at %s are from 3 serial requests]", c, c)
				}
			}
			if bare > 0 {
				r.Limit = fmt.Sprintf("bare page %s req/s at 64; p99 %s at 8", num(bare), msStr(bare8))
				r.Ratio = ratio(f[k+"64_rps"], bare) + "; p99 at 8 " + ratio(f[k+"8_p99_ms"], bare8)
			}
			var ok bool
			if p.key == "html" {
				ok = bare > 0 && f[k+"64_rps"] >= 0.7*bare && f[k+"8_p99_ms"] <= 1.3*bare8
			} else {
				ok = bare > 0 && f[k+"64_rps"] >= 0.9*bare
			}
			if d == "deep" {
				ok = ok && f[k+"64_rps"] >= 0.9*f[p.key+"_first64_rps"]
			}
			r.Verdict = verdict(ok)
			rep.Product = append(rep.Product, r)
		}
	}
}

func (t *tool) measureCharges(dep deployment, src, deepAt, deepID string) (figures, error) {
	cl, err := t.startCluster("charges", dep, clusterOpts{source: src})
	if err != nil {
		return nil, err
	}
	defer cl.Stop()
	// One admin session per instance; worker w reads from instance w mod N.
	clients := make([]*http.Client, len(cl.servers))
	bases := make([]string, len(cl.servers))
	var sess *session
	for i, srv := range cl.servers {
		s, err := login(srv.URL, srv.AdminUser, srv.AdminPass, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errNotBuilt, err)
		}
		if sess == nil {
			sess = s
		}
		clients[i], bases[i] = s.c, srv.URL
	}
	cur := url.QueryEscape(productCursor(deepAt, deepID))
	jsonHdr := http.Header{"Accept": {"application/json"}}
	f := figures{}
	for _, x := range []struct {
		key, path string
		hdr       http.Header
	}{
		{"html_first", "/charges", nil},
		{"html_deep", "/charges?cursor=" + cur, nil},
		{"api_first", "/api/charges", jsonHdr},
		{"api_deep", "/api/charges?cursor=" + cur, jsonHdr},
	} {
		if err := sess.need(x.path, x.hdr); err != nil {
			return nil, err
		}
		for _, conns := range []int{64, 8} {
			if err := pageLoadRR(f, fmt.Sprintf("%s%d", x.key, conns), clients, bases, x.path, x.hdr, conns, t.dur); err != nil {
				return nil, err
			}
		}
	}
	return f, nil
}

// productCSV: GET /charges.csv of every charge on a freshly started server:
// seconds and the server's RSS growth while it streams.
func (t *tool) productCSV(rep *report, lim *limits, bigDB string) {
	what := fmt.Sprintf("CSV export /charges.csv, %s charges", num(float64(t.rows)))
	t.logf("product: %s", what)
	f, err := repeat(t.runs, func(int) (figures, error) {
		srv, err := t.startServer("csv", bigDB)
		if err != nil {
			return nil, err
		}
		defer srv.Stop()
		sess, err := login(srv.URL, srv.AdminUser, srv.AdminPass, 1)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errNotBuilt, err)
		}
		if err := sess.need("/charges.csv?limit=1&q=none", nil); err != nil && strings.Contains(err.Error(), "not built") {
			return nil, err
		}
		secs, mb, growth, err := download(sess.c, srv.URL+"/charges.csv", nil, srv.Pid())
		if err != nil {
			return nil, err
		}
		return figures{"s": secs, "mb": mb, "rss_growth_mb": growth}, nil
	})
	if err != nil {
		rep.Product = append(rep.Product, failRow(what, err))
		return
	}
	r := row{What: what, Measured: fmt.Sprintf("%.2f s (%.0f MB), RSS growth %.0f MB", f["s"], f["mb"], f["rss_growth_mb"]),
		Limit: "—", Ratio: "—", Target: "≤ 1.3× bare scan, RSS growth ≤ 30 MB"}
	if lim.csv != nil {
		r.Limit = fmt.Sprintf("bare scan %.2f s", lim.csv["s"])
		r.Ratio = ratio(f["s"], lim.csv["s"])
	}
	r.Verdict = verdict(f["rss_growth_mb"] <= 30 && (lim.csv == nil || f["s"] <= 1.3*lim.csv["s"]))
	rep.Product = append(rep.Product, r)
}

// serverMean renders the server-side overhead when it was measured.
func serverMean(f figures) string {
	out := ""
	if v, ok := f["server_beyond_mean_ms"]; ok {
		out += "; server histogram of time beyond the request's Omise calls: mean " + msStr(v) + ", p99 " + p99Str(f, "server_beyond_")
	}
	if v, ok := f["server_add_mean_ms"]; ok {
		out += "; route mean minus Omise means: " + msStr(v)
	}
	return out
}

// p99Str renders a histogram's p99 under prefix, saying when it lies past
// the last finite bucket.
func p99Str(f figures, prefix string) string {
	if f[prefix+"p99_over"] > 0 {
		return "> " + msStr(f[prefix+"p99_ms"]) + " (past the histogram's last bucket)"
	}
	return msStr(f[prefix+"p99_ms"])
}
