package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// limitInsert measures a bare SQLite insert loop on a fresh file: rows of
// about a webhook event's size into a table keyed like omise_events, one
// goroutine, perTx rows per transaction, for dur. sync is the
// synchronous pragma (FULL: every commit fsyncs the WAL; NORMAL: what the
// product's DSN uses, WAL fsynced at checkpoints only).
func limitInsert(dir, sync string, perTx int, dur time.Duration) (float64, error) {
	path := filepath.Join(dir, fmt.Sprintf("limit-insert-%s-%d.db", sync, perTx))
	for _, suf := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suf)
	}
	conn, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous("+sync+")&_txlock=immediate")
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	ctx := context.Background()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE ev (id TEXT PRIMARY KEY, charge_id TEXT NOT NULL, result TEXT NOT NULL,
		raw BLOB NOT NULL, received_at TEXT NOT NULL)`); err != nil {
		return 0, err
	}
	raw := bytes.Repeat([]byte("e"), 700)
	n := 0
	t0 := time.Now()
	for time.Since(t0) < dur {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		for i := 0; i < perTx; i++ {
			if _, err := tx.ExecContext(ctx, `INSERT INTO ev (id, charge_id, result, raw, received_at) VALUES (?, ?, 'received', ?, ?)`,
				fmt.Sprintf("evnt_test_%019d", n), "chrg_test_x", raw, time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
				tx.Rollback()
				return 0, err
			}
			n++
		}
		if err := tx.Commit(); err != nil {
			return 0, err
		}
	}
	return float64(n) / time.Since(t0).Seconds(), nil
}

// pageLoad measures GETs of path on base at conns connections: req/s and
// p50/p99 in ms, stored under prefix in f.
func pageLoad(f figures, prefix string, c *http.Client, url string, header http.Header, conns int, dur time.Duration) error {
	return pageLoadRR(f, prefix, []*http.Client{c}, []string{url}, "", header, conns, dur)
}

// pageLoadRR is pageLoad over several instances: worker w sends path to
// bases[w mod N] with clients[w mod N].
func pageLoadRR(f figures, prefix string, clients []*http.Client, bases []string, path string, header http.Header, conns int, dur time.Duration) error {
	c, url := clients[0], bases[0]+path
	r := closedLoop(conns, dur/4, dur, func(w, _ int) error {
		return getOK(clients[w%len(clients)], bases[w%len(bases)]+path, header)
	})
	if r.N == 0 && r.Errs == 0 {
		// Slower than the window at this concurrency: measure it serially
		// so the table still says how slow, and mark the figure.
		var l lats
		for i := 0; i < 3; i++ {
			t0 := time.Now()
			if err := getOK(c, url, header); err != nil {
				return err
			}
			l = append(l, time.Since(t0))
		}
		var sum time.Duration
		for _, d := range l {
			sum += d
		}
		f[prefix+"_rps"] = float64(len(l)) / sum.Seconds()
		f[prefix+"_p50_ms"], f[prefix+"_p99_ms"] = ms(l.pct(50)), ms(l.pct(100))
		f[prefix+"_serial"] = 1
		return nil
	}
	if r.N == 0 || r.Errs > r.N/100 {
		return fmt.Errorf("%s: %d ok, %d failed: %v", url, r.N, r.Errs, r.FirstErr)
	}
	f[prefix+"_rps"] = r.rps()
	f[prefix+"_p50_ms"] = ms(r.Lats.pct(50))
	f[prefix+"_p99_ms"] = ms(r.Lats.pct(99))
	return nil
}

// limitHTTP measures the bare Echo JSON handler and the bare page (first
// and deep) served by one bare subprocess on the 1M-charge database.
func (t *tool) limitHTTP(dbPath, deepAt, deepID string) (figures, error) {
	p, err := t.startBare(dbPath, 0)
	if err != nil {
		return nil, err
	}
	defer p.Stop()
	c := &http.Client{Transport: newTransport(64), Timeout: 30 * time.Second}
	f := figures{}
	if err := pageLoad(f, "echo64", c, p.URL+"/json", nil, 64, t.dur); err != nil {
		return nil, err
	}
	deep := p.URL + "/page?at=" + url.QueryEscape(deepAt) + "&id=" + url.QueryEscape(deepID)
	for _, x := range []struct{ name, url string }{{"first", p.URL + "/page"}, {"deep", deep}} {
		if err := pageLoad(f, "page_"+x.name+"64", c, x.url, nil, 64, t.dur); err != nil {
			return nil, err
		}
		if err := pageLoad(f, "page_"+x.name+"8", c, x.url, nil, 8, t.dur); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// limitSSE measures the bare broker at 100 events/s with subs subscribers:
// publish-to-receipt p50/p99 over the window, and the server's RSS.
func (t *tool) limitSSE(subs int) (figures, error) {
	p, err := t.startBare("", 100)
	if err != nil {
		return nil, err
	}
	defer p.Stop()
	rec := newLatRecorder(subs)
	measuring := make(chan struct{})
	fl, err := openFleet(subs, p.URL+"/sse", nil, 120*time.Second, func(i int, ev sseEvent) {
		select {
		case <-measuring:
		default:
			return
		}
		if ts, ok := intField(ev.Data, `"t":`); ok {
			rec.add(i, ev.At.Sub(time.Unix(0, ts)))
		}
	})
	if err != nil {
		return nil, err
	}
	defer fl.Close()
	if err := getOK(&http.Client{Timeout: 10 * time.Second}, p.URL+"/start", nil); err != nil {
		return nil, err
	}
	time.Sleep(time.Second)
	close(measuring)
	s := sampleRSS(p.Pid())
	time.Sleep(t.sseWindow)
	peak := s.Peak()
	l := rec.all()
	if len(l) == 0 {
		return nil, fmt.Errorf("no events received")
	}
	return figures{
		"p50_ms": ms(l.pct(50)), "p99_ms": ms(l.pct(99)), "rss_mb": peak,
		"events": float64(len(l)), "dropped": float64(fl.Dropped()),
	}, nil
}

// latRecorder collects latencies from many goroutines, one slice each.
type latRecorder struct {
	mu  []sync.Mutex
	per []lats
}

func newLatRecorder(n int) *latRecorder {
	return &latRecorder{mu: make([]sync.Mutex, n), per: make([]lats, n)}
}

func (r *latRecorder) add(i int, d time.Duration) {
	r.mu[i].Lock()
	r.per[i] = append(r.per[i], d)
	r.mu[i].Unlock()
}

func (r *latRecorder) all() lats {
	var out lats
	for i := range r.per {
		r.mu[i].Lock()
		out = append(out, r.per[i]...)
		r.mu[i].Unlock()
	}
	return out
}

// download GETs url to the end, sampling the server's RSS meanwhile: the
// seconds it took, bytes read, and the RSS growth over the idle baseline.
func download(c *http.Client, url string, header http.Header, pid int) (secs, mb, growth float64, err error) {
	base, _, err := memMB(pid)
	if err != nil {
		return 0, 0, 0, err
	}
	s := sampleRSS(pid)
	t0 := time.Now()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		s.Peak()
		return 0, 0, 0, err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	secs = time.Since(t0).Seconds()
	peak := s.Peak()
	if err != nil {
		return 0, 0, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, 0, 0, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return secs, float64(n) / 1e6, peak - base, nil
}

// limitCSV measures the bare scan of every charge to CSV over HTTP.
func (t *tool) limitCSV(dbPath string) (figures, error) {
	p, err := t.startBare(dbPath, 0)
	if err != nil {
		return nil, err
	}
	defer p.Stop()
	c := &http.Client{Transport: newTransport(1)}
	secs, mb, growth, err := download(c, p.URL+"/csv", nil, p.Pid())
	if err != nil {
		return nil, err
	}
	return figures{"s": secs, "mb": mb, "rss_growth_mb": growth}, nil
}

// intField reads the integer after key (like `"t":`) in JSON text without
// decoding the whole object.
func intField(data []byte, key string) (int64, bool) {
	i := bytes.Index(data, []byte(key))
	if i < 0 {
		return 0, false
	}
	var n int64
	j := i + len(key)
	start := j
	for ; j < len(data) && data[j] >= '0' && data[j] <= '9'; j++ {
		n = n*10 + int64(data[j]-'0')
	}
	return n, j > start
}

// strField reads the string after key (like `"at":"`) in JSON text
// without decoding the whole object; escapes are not expected there.
func strField(data []byte, key string) ([]byte, bool) {
	i := bytes.Index(data, []byte(key))
	if i < 0 {
		return nil, false
	}
	rest := data[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return nil, false
	}
	return rest[:j], true
}
