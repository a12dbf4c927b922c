package drills

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"instore/db"
	"instore/db/dbtest"
	"instore/omise"
	"instore/omise/omisehttp"
	"instore/omise/sim"
	"instore/payments"
)

// The chain drill: three server processes on one PostgreSQL database, one
// Omise (the simulator over HTTP) and a round-robin proxy in front, as a
// chain runs behind nginx. Ten tills make 200 sales through the proxy while
// Omise's webhooks arrive through it too; some sales, webhooks and refund
// forms are sent twice at once to different instances; the instance
// running the syncer is SIGKILLed mid-run and started again. Afterwards:
// every sale is one Omise charge, every acknowledged webhook is stored and
// applied once, a manager watching instance C saw every change made
// through A and B, and the syncer kept running on a survivor.

const (
	chainTills         = 10  // terminals POS-01…POS-10, one till loop each
	chainSales         = 200 // in all, chainSales/chainTills per till
	chainDupSaleEvery  = 10  // every 10th sale is sent twice at once
	chainDupWebhooks   = 20  // events re-delivered to two instances at once
	chainDupRefunds    = 5   // refund forms sent to all three instances at once
	chainSyncInterval  = time.Second
	chainPassword      = "chain-drill-password"
	chainStore         = "store_1"
	instanceHeader     = "X-Drill-Instance" // the proxy names the instance that answered
	chainDrillDeadline = 45 * time.Second
)

func TestThreeInstances(t *testing.T) {
	dbtest.RequirePostgres(t)
	bin := instoreBinary(t)
	src := dbtest.Source(t, "chain")
	var out lockedBuffer
	t.Cleanup(func() {
		if t.Failed() {
			s := out.String()
			if len(s) > 20000 {
				s = "…" + s[len(s)-20000:]
			}
			t.Logf("processes' output (tail):\n%s", s)
		}
	})
	start := time.Now()

	names := []string{"A", "B", "C"}
	addrs := []string{freeAddr(t), freeAddr(t), freeAddr(t)}
	rr := newRoundRobin(t, names, addrs)

	s := sim.New(sim.Options{Logger: quiet(), WebhookURL: rr.URL + "/webhooks/omise", WebhookSecret: webhookSecret,
		WebhookRetryBase: 100 * time.Millisecond, WebhookMaxAttempts: 12, WebhookWorkers: 8,
		AutoOutcome: true, AutoOutcomeDelay: 200 * time.Millisecond})
	t.Cleanup(s.Close)
	simSrv := httptest.NewServer(s)
	t.Cleanup(simSrv.Close)
	omiseAPI, err := omisehttp.New(omisehttp.Config{BaseURL: simSrv.URL, PublicKey: sim.DefaultPublicKey, SecretKey: sim.DefaultSecretKey})
	if err != nil {
		t.Fatal(err)
	}

	common := []string{"INSTORE_DB=" + src, "OMISE_API_URL=" + simSrv.URL,
		"OMISE_PUBLIC_KEY=" + sim.DefaultPublicKey, "OMISE_SECRET_KEY=" + sim.DefaultSecretKey,
		"OMISE_WEBHOOK_SECRET=" + webhookSecret, "INSTORE_SYNC_INTERVAL=" + chainSyncInterval.String(),
		"INSTORE_METRICS_ADDR=127.0.0.1:0", "GOMAXPROCS=2"}
	for i := 1; i <= chainTills; i++ {
		cli(t, bin, common, "", "terminal", "add", "--store-id", chainStore, "--store-name", "Chain Store",
			"--terminal-id", fmt.Sprintf("POS-%02d", i))
	}
	cli(t, bin, common, chainPassword+"\n", "user", "add", "--username", "cashier", "--role", "cashier", "--store", chainStore)
	cli(t, bin, common, chainPassword+"\n", "user", "add", "--username", "manager", "--role", "manager", "--store", chainStore)

	// A starts first and runs alone until its syncer has passed once, so
	// A is the instance holding the syncer when the others arrive.
	insts := make([]*instance, 3)
	for i := range insts {
		insts[i] = &instance{name: names[i], addr: addrs[i], env: append([]string{"INSTORE_ADDR=" + addrs[i]}, common...)}
	}
	insts[0].start(t, bin, &out)
	waitFor(t, 15*time.Second, "A's first syncer pass", func() bool { return insts[0].syncPasses(t) > 0 })
	insts[1].start(t, bin, &out)
	insts[2].start(t, bin, &out)
	t.Logf("three instances up after %v", time.Since(start).Round(time.Millisecond))

	// The manager logs in through the proxy and watches instance C.
	manager := login(t, rr.URL, "manager")
	live := watchLive(t, manager, insts[2].url())
	cashier := login(t, rr.URL, "cashier")

	// Which instances run the syncer while all three are up.
	runners := syncRunners(t, insts, 3*chainSyncInterval)

	// The tills.
	ctx, cancel := context.WithTimeout(context.Background(), chainDrillDeadline)
	defer cancel()
	var (
		mu       sync.Mutex
		sales    []chainSale
		failures []string
		done     atomic.Int64
		dupPairs [][2]string  // the instances each doubled sale went to, both answering
		resent   atomic.Int64 // sale forms sent again after a dead instance's 502
	)
	halfway := make(chan struct{})
	var wg sync.WaitGroup
	for w := range chainTills {
		wg.Add(1)
		go func() {
			defer wg.Done()
			terminal := fmt.Sprintf("POS-%02d", w+1)
			for k := range chainSales / chainTills {
				i := w*(chainSales/chainTills) + k
				var twins []*instance // every 10th sale also goes to two instances at once
				if i%chainDupSaleEvery == 0 {
					twins = []*instance{insts[i%3], insts[(i+1)%3]}
				}
				sale, both, err := cashier.sell(ctx, terminal, i, twins, &resent)
				mu.Lock()
				if err != nil {
					failures = append(failures, fmt.Sprintf("sale %d on %s: %v", i, terminal, err))
				} else {
					sales = append(sales, sale)
					if both {
						dupPairs = append(dupPairs, [2]string{twins[0].name, twins[1].name})
					}
				}
				mu.Unlock()
				if done.Add(1) == chainSales/2 {
					close(halfway)
				}
				if err != nil {
					return
				}
			}
		}()
	}

	// Mid-run, the syncer's instance (A unless the syncer runs everywhere)
	// dies as in a power cut, and comes back a moment later.
	victim := insts[0]
	if len(runners) == 1 && runners[0] != insts[2] {
		victim = runners[0]
	}
	var survivorsRan []string
	select {
	case <-halfway:
	case <-ctx.Done():
		t.Fatalf("the tills never got halfway: %d sales done", done.Load())
	}
	victim.proc.kill()
	killedAt := time.Now()
	t.Logf("SIGKILLed %s after %d sales (%v in)", victim.name, done.Load(), time.Since(start).Round(time.Millisecond))
	var survivors []*instance
	for _, in := range insts {
		if in != victim {
			survivors = append(survivors, in)
		}
	}
	// A survivor takes the syncer over (the dead session's lock is freed
	// by the server), then it alone runs the passes.
	var before []float64
	for _, in := range survivors {
		before = append(before, in.syncPasses(t))
	}
	takeover := time.Duration(-1)
	for time.Since(killedAt) < 10*time.Second && takeover < 0 {
		time.Sleep(100 * time.Millisecond)
		for i, in := range survivors {
			if in.syncPasses(t) > before[i] {
				takeover = time.Since(killedAt)
			}
		}
	}
	if takeover >= 0 {
		t.Logf("a survivor finished a syncer pass %v after the kill", takeover.Round(10*time.Millisecond))
		for _, in := range syncRunners(t, survivors, 3*chainSyncInterval) {
			survivorsRan = append(survivorsRan, in.name)
		}
	}
	victim.start(t, bin, &out)
	t.Logf("%s back after %v", victim.name, time.Since(killedAt).Round(time.Millisecond))
	wg.Wait()
	salesDone := time.Since(start)
	for _, f := range failures {
		t.Error(f)
	}
	if t.Failed() {
		t.FailNow()
	}

	// The same event delivered to two instances at once, and the same
	// refund form posted to all three at once.
	events := completeEvents(t, omiseAPI, sales, chainDupWebhooks)
	var dupWG sync.WaitGroup
	dupAnswers := make([][2]int, len(events))
	for i, body := range events {
		for j := range 2 {
			dupWG.Add(1)
			go func() {
				defer dupWG.Done()
				dupAnswers[i][j] = deliverSigned(insts[(i+j)%3].url(), body)
			}()
		}
	}
	dupWG.Wait()
	for i, a := range dupAnswers {
		if a[0] != http.StatusOK || a[1] != http.StatusOK {
			t.Errorf("event %s delivered to two instances at once: answers %v, want 200 twice", eventID(events[i]), a)
		}
	}
	refunded := map[string]bool{}
	for _, sale := range sales[:chainDupRefunds] {
		refunded[sale.chargeID] = true
		form := url.Values{"amount": {"20"}, "reason": {"requested_by_customer"}, "note": {"chain drill"},
			"idempotency_key": {uuid.NewString()}, "confirm": {"yes"}}
		codes := make([]int, 3)
		var rw sync.WaitGroup
		for j, in := range insts {
			rw.Add(1)
			go func() {
				defer rw.Done()
				codes[j], _, _ = manager.post(ctx, in.url(), "/charges/"+sale.chargeID+"/refunds", form)
			}()
		}
		rw.Wait()
		for _, c := range codes {
			if c == 0 || c >= 500 {
				t.Errorf("refund of %s sent to three instances: answers %v", sale.chargeID, codes)
				break
			}
		}
	}

	// Every sale is exactly one Omise charge, and the sales are all Omise
	// has: no twin request and no retry after the kill charged again.
	byAttempt := map[string][]string{}
	charges := simCharges(t, omiseAPI)
	for _, oc := range charges {
		a := oc.MetadataString(payments.MetaAttemptID)
		byAttempt[a] = append(byAttempt[a], oc.ID)
	}
	if len(sales) != chainSales || len(charges) != chainSales {
		t.Errorf("%d sales answered, Omise holds %d charges; want %d of each", len(sales), len(charges), chainSales)
	}
	for _, sale := range sales {
		if ids := byAttempt[sale.attemptID]; len(ids) != 1 || ids[0] != sale.chargeID {
			t.Errorf("sale %s (answered by %s as %s): Omise charges %v, want exactly that one", sale.attemptID, sale.instance, sale.chargeID, ids)
		}
	}
	if n := s.Stats().Requests["POST /charges"]; n != chainSales {
		t.Errorf("%d POST /charges for %d sales", n, chainSales)
	}
	if st := s.Stats(); st.RefundsCreated != chainDupRefunds {
		t.Errorf("%d Omise refunds for %d refund forms each sent to three instances", st.RefundsCreated, chainDupRefunds)
	}

	// Every webhook an instance acknowledged is stored once and applied
	// once, and every charge ends as Omise has it.
	d, err := db.Open(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	acked := map[string]bool{}
	deliveries := s.Deliveries()
	for _, dl := range deliveries {
		if dl.StatusCode == http.StatusOK {
			acked[dl.EventID] = true
		}
	}
	for _, body := range events {
		acked[eventID(body)] = true
	}
	for id := range acked {
		ev, err := d.GetEvent(context.Background(), id)
		switch {
		case err != nil:
			t.Errorf("acknowledged event %s not stored: %v", id, err)
		case !ev.Done() || ev.Attempts != 1:
			t.Errorf("acknowledged event %s: result %s after %d processings, want done after one", id, ev.Result, ev.Attempts)
		}
	}
	for _, oc := range charges {
		c, err := d.GetCharge(context.Background(), oc.ID)
		if err != nil || c.Status != string(oc.Status) || c.RefundedAmount != oc.RefundedAmount {
			t.Errorf("charge %s: stored %+v (%v); Omise %s refunded %d", oc.ID, c, err, oc.Status, oc.RefundedAmount)
		}
		if refunded[oc.ID] && oc.RefundedAmount != 2000 {
			t.Errorf("charge %s refunded %d satang at Omise, want one refund of 2000", oc.ID, oc.RefundedAmount)
		}
	}

	// The manager on C saw every charge: created through A and B too,
	// successful once, and each refund once.
	viaAB := 0
	for _, sale := range sales {
		if sale.instance != "C" {
			viaAB++
		}
	}
	missing := live.waitAll(sales, refunded, 10*time.Second)
	if len(missing) > 0 {
		shown := missing
		if len(shown) > 5 {
			shown = shown[:5]
		}
		t.Errorf("the manager on C missed %d of %d expected changes (%d sales were made through A or B), e.g. %v",
			len(missing), len(sales)+len(refunded), viaAB, shown)
	}

	// The jobs: one instance runs the syncer at a time, and after the kill
	// a survivor does.
	var names3 []string
	for _, in := range runners {
		names3 = append(names3, in.name)
	}
	if len(runners) != 1 {
		t.Errorf("syncer passes ran on %v while all three were up, want exactly one instance", names3)
	}
	if len(survivorsRan) == 0 {
		t.Errorf("no survivor ran a syncer pass within 10s of %s's death", victim.name)
	} else if len(survivorsRan) > 1 {
		t.Errorf("after %s's death syncer passes ran on %v, want one survivor", victim.name, survivorsRan)
	}

	served := rr.served()
	acks := 0
	for _, dl := range deliveries {
		if dl.StatusCode == http.StatusOK {
			acks++
		}
	}
	t.Logf("%d sales in %v (whole drill %v); proxy answers by instance %v; %d webhook deliveries, %d acknowledged; "+
		"%d sales sent to two instances at once and answered by both; %d forms sent again after a 502; syncer on %v, after the kill on %v",
		len(sales), salesDone.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), served,
		len(deliveries), acks, len(dupPairs), resent.Load(), names3, survivorsRan)
}

// instance is one server process of the chain, restartable on its address.
type instance struct {
	name, addr string
	env        []string
	proc       *serverProc
	metrics    string
}

func (in *instance) url() string { return "http://" + in.addr }

// start runs the binary and waits for its URL and metrics lines.
func (in *instance) start(t *testing.T, bin string, log io.Writer) {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), in.env...)
	prefix := &prefixWriter{w: log, prefix: in.name + ": "}
	cmd.Stderr = prefix
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serverProc{cmd: cmd, done: make(chan struct{})}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		var metricsURL string
		for sc.Scan() {
			fmt.Fprintln(prefix, sc.Text())
			if u, ok := strings.CutPrefix(sc.Text(), "metrics on "); ok {
				metricsURL = strings.TrimSpace(u)
				ready <- metricsURL
			}
		}
	}()
	go func() { _ = cmd.Wait(); close(p.done) }()
	select {
	case in.metrics = <-ready:
	case <-p.done:
		t.Fatalf("instance %s exited before printing its addresses", in.name)
	case <-time.After(30 * time.Second):
		p.kill()
		t.Fatalf("instance %s printed no metrics address within 30s", in.name)
	}
	p.URL = in.url()
	in.proc = p
	t.Cleanup(p.kill)
}

// syncPasses is how many syncer passes the instance has run since it started.
func (in *instance) syncPasses(t *testing.T) float64 {
	t.Helper()
	res, err := http.Get(in.metrics)
	if err != nil {
		return 0
	}
	defer res.Body.Close()
	var n float64
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "instore_sync_runs_total{"); ok {
			_, v, _ := strings.Cut(rest, "} ")
			f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			n += f
		}
	}
	return n
}

// syncRunners returns the instances whose syncer passed during window.
func syncRunners(t *testing.T, insts []*instance, window time.Duration) []*instance {
	t.Helper()
	before := make([]float64, len(insts))
	for i, in := range insts {
		before[i] = in.syncPasses(t)
	}
	time.Sleep(window)
	var out []*instance
	for i, in := range insts {
		if in.syncPasses(t) > before[i] {
			out = append(out, in)
		}
	}
	return out
}

func waitFor(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// prefixWriter names the process on each line of the shared output.
type prefixWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, line := range bytes.SplitAfter(b, []byte("\n")) {
		if len(line) > 0 {
			p.w.Write(append([]byte(p.prefix), line...))
		}
	}
	return len(b), nil
}

// roundRobin is the load balancer: each request goes to the next instance;
// one that refuses the connection is skipped (as nginx's
// proxy_next_upstream error does), anything else is answered as it came.
type roundRobin struct {
	URL    string
	names  []string
	addrs  []string
	next   atomic.Uint64
	mu     sync.Mutex
	counts map[string]int
}

func newRoundRobin(t *testing.T, names, addrs []string) *roundRobin {
	rr := &roundRobin{names: names, addrs: addrs, counts: map[string]int{}}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme, pr.Out.URL.Host = "http", "instance"
			pr.SetXForwarded()
		},
		Transport: rr,
		ErrorLog:  log.New(io.Discard, "", 0),
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	rr.URL = srv.URL
	return rr
}

var directTransport = &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second}

// RoundTrip sends the request to the next instance that accepts a
// connection. The body is read first, so a refused connection can be
// retried elsewhere: nothing reached that instance.
func (rr *roundRobin) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
	}
	var err error
	for range rr.addrs {
		i := int(rr.next.Add(1) % uint64(len(rr.addrs)))
		out := req.Clone(req.Context())
		out.URL.Host = rr.addrs[i]
		if req.Body != nil {
			out.Body = io.NopCloser(bytes.NewReader(body))
		}
		var res *http.Response
		res, err = directTransport.RoundTrip(out)
		var op *net.OpError
		if err != nil && errors.As(err, &op) && op.Op == "dial" {
			continue
		}
		if err != nil {
			return nil, err
		}
		res.Header.Set(instanceHeader, rr.names[i])
		rr.mu.Lock()
		rr.counts[rr.names[i]]++
		rr.mu.Unlock()
		return res, nil
	}
	return nil, err
}

func (rr *roundRobin) served() map[string]int {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	out := map[string]int{}
	for k, v := range rr.counts {
		out[k] = v
	}
	return out
}

// chainClient is a logged-in browser, safe for concurrent use: its methods
// return errors instead of failing the test.
type chainClient struct {
	c    *http.Client
	base string // the proxy
	csrf string
}

func login(t *testing.T, base, username string) *chainClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &chainClient{c: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, base: base}
	var err error
	if c.csrf, err = c.token(); err != nil {
		t.Fatal(err)
	}
	code, body, _ := c.post(context.Background(), base, "/login", url.Values{"username": {username}, "password": {chainPassword}})
	if code != http.StatusSeeOther {
		t.Fatalf("login %s: %d %.300s", username, code, body)
	}
	if c.csrf, err = c.token(); err != nil {
		t.Fatal(err)
	}
	return c
}

// token reads the session's CSRF token from a page (through the proxy, so
// from any instance).
func (c *chainClient) token() (string, error) {
	follow := &http.Client{Jar: c.c.Jar, Timeout: c.c.Timeout}
	res, err := follow.Get(c.base + "/login")
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	doc, err := goquery.NewDocumentFromReader(res.Body)
	if err != nil {
		return "", err
	}
	tok := doc.Find(`meta[name="csrf-token"]`).AttrOr("content", "")
	if tok == "" {
		return "", errors.New("no csrf-token on the page")
	}
	return tok, nil
}

// post sends a form to base (the proxy or one instance) and returns the
// status, body and the instance that answered (through the proxy).
func (c *chainClient) post(ctx context.Context, base, path string, form url.Values) (int, []byte, string) {
	f := url.Values{"_csrf": {c.csrf}}
	for k, v := range form {
		f[k] = v
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+path, strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	return c.do(req)
}

func (c *chainClient) get(ctx context.Context, path string) (int, []byte, string) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	req.Header.Set("Accept", "application/json")
	return c.do(req)
}

func (c *chainClient) do(req *http.Request) (int, []byte, string) {
	res, err := c.c.Do(req)
	if err != nil {
		return 0, []byte(err.Error()), ""
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, body, res.Header.Get(instanceHeader)
}

// chainSale is a sale the till saw through to Omise's answer.
type chainSale struct {
	attemptID, chargeID, instance string
}

// sell makes one sale as a till does: the form is re-sent (same attempt)
// while the instance that got it died under it, then the sale is polled
// until final. With twins the form first goes to both instances at once,
// straight, not through the proxy; both reports whether both answered (a
// killed one cannot).
func (c *chainClient) sell(ctx context.Context, terminal string, i int, twins []*instance, resent *atomic.Int64) (chainSale, bool, error) {
	attempt := uuid.NewString()
	form := saleForm(attempt, terminal, fmt.Sprintf("28%011d12345", i))
	sale := chainSale{attemptID: attempt}
	accepted, both := false, len(twins) == 2
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, in := range twins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, body, _ := c.post(ctx, in.url(), "/till/charges", form)
			var a struct {
				ChargeID string `json:"charge_id"`
			}
			mu.Lock()
			defer mu.Unlock()
			both = both && code != 0 && code < 500
			switch {
			case code == http.StatusOK && json.Unmarshal(body, &a) == nil && a.ChargeID != "":
				accepted = true
				if sale.chargeID == "" {
					sale.chargeID, sale.instance = a.ChargeID, in.name
				}
			case code == http.StatusConflict && bytes.Contains(body, []byte(`"attempt_id"`)):
				accepted = true // the twin holds it: poll
			}
		}()
	}
	wg.Wait()
	for !accepted {
		code, body, inst := c.post(ctx, c.base, "/till/charges", form)
		switch {
		case code == http.StatusOK:
			var a struct {
				ChargeID string `json:"charge_id"`
			}
			if json.Unmarshal(body, &a) != nil || a.ChargeID == "" {
				return sale, both, fmt.Errorf("answer %s", body)
			}
			sale.chargeID, sale.instance, accepted = a.ChargeID, inst, true
		case code == http.StatusConflict && bytes.Contains(body, []byte(`"attempt_id"`)):
			accepted = true // a twin request holds it: poll
		case code == 0 || code >= 500:
			if ctx.Err() != nil {
				return sale, both, fmt.Errorf("still unanswered: %d %s", code, body)
			}
			resent.Add(1)
			time.Sleep(100 * time.Millisecond) // the instance died under it: send again
		default:
			return sale, both, fmt.Errorf("answer %d %.300s", code, body)
		}
	}
	for {
		code, body, _ := c.get(ctx, "/till/charges/"+attempt)
		if code == http.StatusOK {
			var a struct {
				ChargeID string `json:"charge_id"`
				Status   string `json:"status"`
				Final    bool   `json:"final"`
			}
			if err := json.Unmarshal(body, &a); err != nil {
				return sale, both, err
			}
			if sale.chargeID == "" {
				sale.chargeID = a.ChargeID
			}
			if a.Final {
				if a.Status != "successful" || a.ChargeID != sale.chargeID {
					return sale, both, fmt.Errorf("ended %s as %s, answered as %s", a.Status, a.ChargeID, sale.chargeID)
				}
				return sale, both, nil
			}
		} else if code != 0 && code < 500 {
			return sale, both, fmt.Errorf("poll: %d %.300s", code, body)
		}
		if ctx.Err() != nil {
			return sale, both, fmt.Errorf("not final in time (last %d %.200s)", code, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// liveWatch records the /live messages one instance sends a manager.
type liveWatch struct {
	mu   sync.Mutex
	msgs []liveMsg
	raw  []string // the messages as sent, for the failure report
}

func watchLive(t *testing.T, c *chainClient, base string) *liveWatch {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/live", nil)
	req.Header.Set("Accept", "text/event-stream")
	res, err := (&http.Client{Jar: c.c.Jar}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/live on %s: %d", base, res.StatusCode)
	}
	w := &liveWatch{}
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var m liveMsg
			if json.Unmarshal([]byte(data), &m) == nil && m.Kind == "charge" {
				w.mu.Lock()
				w.msgs = append(w.msgs, m)
				w.raw = append(w.raw, data)
				w.mu.Unlock()
			}
		}
	}()
	return w
}

// waitAll waits until the feed showed each sale's charge successful exactly
// once and each refunded charge's refund exactly once, never more than one
// refund's amount, and returns what is still missing or doubled after
// limit. The refund's webhook and the form's own answer race to store it;
// only the one that changed the charge publishes.
func (w *liveWatch) waitAll(sales []chainSale, refunded map[string]bool, limit time.Duration) []string {
	deadline := time.Now().Add(limit)
	for {
		w.mu.Lock()
		successful, refunds, overRefunded := map[string]int{}, map[string]int{}, map[string]bool{}
		seen := map[string]bool{}
		for _, m := range w.msgs {
			seen[m.ChargeID] = true
			if m.Status == "successful" && m.RefundedAmount == 0 {
				successful[m.ChargeID]++
			}
			if m.RefundedAmount == 2000 {
				refunds[m.ChargeID]++
			}
			overRefunded[m.ChargeID] = overRefunded[m.ChargeID] || m.RefundedAmount > 2000
		}
		w.mu.Unlock()
		var missing []string
		for _, s := range sales {
			switch {
			case !seen[s.chargeID]:
				missing = append(missing, s.chargeID+" (made through "+s.instance+") never shown")
			case successful[s.chargeID] != 1:
				missing = append(missing, fmt.Sprintf("%s successful shown %d times", s.chargeID, successful[s.chargeID]))
			}
		}
		for id := range refunded {
			if refunds[id] != 1 || overRefunded[id] {
				missing = append(missing, fmt.Sprintf("%s refund shown %d times, or more than its amount: %s", id, refunds[id], w.about(id)))
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			return missing
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// about lists the messages the feed sent about one charge.
func (w *liveWatch) about(chargeID string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for i, m := range w.msgs {
		if m.ChargeID == chargeID {
			out = append(out, w.raw[i])
		}
	}
	return strings.Join(out, "\n")
}

// completeEvents returns the charge.complete events of the first n sales as
// webhook bodies.
func completeEvents(t *testing.T, api *omisehttp.Client, sales []chainSale, n int) [][]byte {
	t.Helper()
	want := map[string]bool{}
	for _, s := range sales[:n] {
		want[s.chargeID] = true
	}
	var out [][]byte
	for off := 0; ; {
		page, err := api.ListEvents(context.Background(), omise.ListParams{Offset: off, Limit: 100, Order: omise.OrderChronological})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range page.Data {
			if ev.Key == "charge.complete" && want[ev.ChargeID()] {
				body, _ := json.Marshal(map[string]any{"object": "event", "id": ev.ID, "key": ev.Key, "data": json.RawMessage(ev.Data)})
				out = append(out, body)
			}
		}
		off += len(page.Data)
		if len(page.Data) == 0 || off >= page.Total {
			break
		}
	}
	if len(out) != n {
		t.Fatalf("%d charge.complete events for %d sales", len(out), n)
	}
	return out
}

// deliverSigned posts a webhook body to one instance, signed as Omise signs.
func deliverSigned(base string, body []byte) int {
	now := time.Now()
	sig, err := omise.Sign(webhookSecret, now, body)
	if err != nil {
		return 0
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/webhooks/omise", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(omise.HeaderSignature, sig)
	req.Header.Set(omise.HeaderSignatureTimestamp, fmt.Sprint(now.Unix()))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// simCharges lists every charge the simulator holds.
func simCharges(t *testing.T, api *omisehttp.Client) []omise.Charge {
	t.Helper()
	var out []omise.Charge
	for off := 0; ; {
		page, err := api.ListCharges(context.Background(), omise.ListParams{Offset: off, Limit: 100, Order: omise.OrderChronological})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Data...)
		off += len(page.Data)
		if len(page.Data) == 0 || off >= page.Total {
			return out
		}
	}
}
