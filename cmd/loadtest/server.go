package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/PuerkitoBio/goquery"

	"instore/omise"
	"instore/omise/omisehttp"
)

// Demo keys of the embedded simulator.
const (
	simPublicKey = "pkey_test_demo"
	simSecretKey = "skey_test_demo"
	benchPass    = "bench-Password-2468"
)

// buildServer builds the main package once; a failure means the product
// is not built yet and every product row says so.
func (t *tool) buildServer() error {
	if t.serverBin != "" || t.buildErr != nil {
		return t.buildErr
	}
	bin := filepath.Join(t.work, "instore")
	t.logf("building the server (go build -o %s %s)", bin, t.repo)
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = t.repo
	out, err := cmd.CombinedOutput()
	if err != nil {
		first := strings.SplitN(strings.TrimSpace(string(out)), "\n", 2)[0]
		t.buildErr = fmt.Errorf("%w: go build: %s", errNotBuilt, first)
		return t.buildErr
	}
	t.serverBin = bin
	return nil
}

// server is a running product server with its scratch database.
type server struct {
	*proc
	DB            string
	WebhookSecret string
	AdminUser     string
	AdminPass     string
}

// startServer builds the product if needed, adds the bench users to dbPath
// with the CLI, and starts the server in demo mode. extra environment
// entries override the defaults.
func (t *tool) startServer(name, dbPath string, extra ...string) (*server, error) {
	if err := t.buildServer(); err != nil {
		return nil, err
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	s := &server{DB: dbPath, WebhookSecret: base64.StdEncoding.EncodeToString(secret)}
	env := []string{
		"INSTORE_ADDR=127.0.0.1:0",
		"INSTORE_DB=" + dbPath,
		"OMISE_SECRET_KEY=", "OMISE_PUBLIC_KEY=", "OMISE_API_URL=",
		"OMISE_WEBHOOK_SECRET=" + s.WebhookSecret,
		"INSTORE_SYNC_INTERVAL=1h",
		"INSTORE_METRICS_ADDR=",
	}
	env = append(env, extra...)
	if err := t.cliUser(dbPath, env, "bench-admin", "admin", ""); err == nil {
		s.AdminUser, s.AdminPass = "bench-admin", benchPass
		if err := t.cliUser(dbPath, env, "bench-cashier", "cashier", "S01"); err != nil {
			t.logf("cashier user: %v", err)
		}
	} else {
		t.logf("instore user add failed (%v); will use the demo admin printed at start", err)
	}
	p, err := startProc(t.serverBin, nil, env, filepath.Join(t.work, name+".log"), 60*time.Second)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNotBuilt, err)
	}
	s.proc = p
	if s.AdminUser == "" {
		time.Sleep(300 * time.Millisecond)
		if !s.demoAdmin() {
			p.Stop()
			return nil, fmt.Errorf("%w: no admin user: neither `instore user add` nor a demo admin password on stdout", errNotBuilt)
		}
	}
	return s, nil
}

// cliUser runs `instore user add` with the password on stdin.
func (t *tool) cliUser(dbPath string, env []string, name, role, store string) error {
	args := []string{"user", "add", "--username", name, "--role", role}
	if store != "" {
		args = append(args, "--store", store)
	}
	cmd := exec.Command(t.serverBin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(benchPass + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		msg := strings.ToLower(string(out))
		if strings.Contains(msg, "exist") || strings.Contains(msg, "taken") || strings.Contains(msg, "unique") {
			return nil // made by an earlier run on the same database
		}
		return fmt.Errorf("%v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

var demoPassRE = regexp.MustCompile(`(?i)(admin).*password[^A-Za-z0-9]*([^\s"']{6,})`)

// demoAdmin finds the demo admin's name and password in what the server
// printed at first start.
func (s *server) demoAdmin() bool {
	for _, l := range s.Stdout() {
		if m := demoPassRE.FindStringSubmatch(l); m != nil {
			s.AdminUser, s.AdminPass = "admin", m[2]
			if u := regexp.MustCompile(`(?i)user(?:name)?[ :=]+"?([A-Za-z0-9_.-]+)`).FindStringSubmatch(l); u != nil {
				s.AdminUser = u[1]
			}
			return true
		}
	}
	return false
}

// session is a logged-in browser: a cookie jar and the CSRF token.
type session struct {
	base string
	c    *http.Client
	csrf string
}

// login signs in through the login form like a browser.
func login(base, user, pass string, conns int) (*session, error) {
	jar, _ := cookiejar.New(nil)
	s := &session{base: base, c: &http.Client{Jar: jar, Transport: newTransport(conns), Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	tok, err := s.token("/login")
	if err != nil {
		return nil, err
	}
	form := url.Values{"username": {user}, "password": {pass}, "_csrf": {tok}, "next": {"/"}}
	resp, err := s.c.PostForm(base+"/login", form)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
		return nil, fmt.Errorf("login as %s: %s", user, resp.Status)
	}
	return s, nil
}

// token reads the CSRF token from a page's form or meta tag.
func (s *session) token(path string) (string, error) {
	resp, err := s.c.Get(s.base + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return "", fmt.Errorf("%w: GET %s: 404", errNotBuilt, path)
	}
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		return "", err
	}
	tok, _ := doc.Find(`input[name="_csrf"]`).First().Attr("value")
	if tok == "" {
		tok, _ = doc.Find(`meta[name="csrf-token"]`).First().Attr("content")
	}
	if tok == "" {
		return "", fmt.Errorf("GET %s (%s): no CSRF token on the page", path, resp.Status)
	}
	s.csrf = tok
	return tok, nil
}

// need checks that path exists (not 404) for this session.
func (s *session) need(path string, header http.Header) error {
	req, _ := http.NewRequest(http.MethodGet, s.base+path, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := s.c.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed:
		return fmt.Errorf("%w: GET %s: %s", errNotBuilt, path, resp.Status)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return nil
}

// simulator talks to the server's embedded Omise simulator.
type simulator struct {
	base string // .../sim/omise
	c    *http.Client
	api  *omisehttp.Client
}

// newSimulator talks to the simulator embedded in a demo server.
func newSimulator(serverURL string, conns int) (*simulator, error) {
	return newSimulatorAt(serverURL+"/sim/omise", conns)
}

// newSimulatorAt talks to the simulator whose API root is base.
func newSimulatorAt(base string, conns int) (*simulator, error) {
	hc := &http.Client{Transport: newTransport(conns), Timeout: 30 * time.Second}
	api, err := omisehttp.New(omisehttp.Config{BaseURL: base, PublicKey: simPublicKey, SecretKey: simSecretKey, HTTPClient: hc})
	if err != nil {
		return nil, err
	}
	s := &simulator{base: base, c: hc, api: api}
	req, _ := http.NewRequest(http.MethodGet, base+"/capability", nil)
	req.SetBasicAuth(simSecretKey, "")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, fmt.Errorf("%w: no simulator at %s", errNotBuilt, base)
	}
	return s, nil
}

// barcode returns a fresh 18-digit Alipay-like payment code that the demo
// simulator's automatic outcomes leave pending ("0000" suffix), so the load
// tool decides when each charge completes.
func barcode(i int) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	n := uint64(0)
	for _, x := range b {
		n = n<<8 | uint64(x)
	}
	return fmt.Sprintf("28%08d%04d0000", n%100000000, i%10000)
}

// createCharge makes a pending barcode charge in the simulator, as another
// till would, and returns its id.
func (s *simulator) createCharge(ctx context.Context, i int, store, terminal string) (string, error) {
	src, err := s.api.CreateSource(ctx, omise.CreateSourceParams{Type: omise.SourceBarcodeAlipay, Amount: 150000, Currency: "THB",
		Barcode: barcode(i), StoreID: store, StoreName: "Bench store " + store, TerminalID: terminal})
	if err != nil {
		return "", err
	}
	ch, err := s.api.CreateCharge(ctx, omise.CreateChargeParams{Amount: 150000, Currency: "THB", SourceID: src.ID})
	if err != nil {
		return "", err
	}
	return ch.ID, nil
}

// createCharges makes n pending charges with conns in parallel.
func (s *simulator) createCharges(n, conns int) ([]string, error) {
	ids := make([]string, n)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				id, err := s.createCharge(context.Background(), i, fmt.Sprintf("S%02d", 1+i%benchStores), fmt.Sprintf("T%02d", 1+i%terminalsPerStore))
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				ids[i] = id
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return ids, firstErr
}

// markPaid completes a charge the way the test dashboard's button does.
func (s *simulator) markPaid(id string) error {
	req, _ := http.NewRequest(http.MethodPost, s.base+"/charges/"+id+"/mark_as_paid", nil)
	req.SetBasicAuth(simSecretKey, "")
	resp, err := s.c.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("mark_as_paid %s: %s", id, resp.Status)
	}
	return nil
}

// rawEvents returns every event the simulator holds, each as the exact JSON
// object Omise's event list carries (what a webhook body is).
func (s *simulator) rawEvents() ([]json.RawMessage, error) {
	var out []json.RawMessage
	for offset := 0; ; offset += 100 {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/events?limit=100&offset=%d&order=chronological", s.base, offset), nil)
		req.SetBasicAuth(simSecretKey, "")
		resp, err := s.c.Do(req)
		if err != nil {
			return nil, err
		}
		var page struct {
			Data  []json.RawMessage `json:"data"`
			Total int               `json:"total"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("events list: %w", err)
		}
		out = append(out, page.Data...)
		if len(page.Data) == 0 || offset+len(page.Data) >= page.Total {
			return out, nil
		}
	}
}

// signedWebhook builds the POST Omise would send for body.
func signedWebhook(base, secret string, body []byte) (*http.Request, error) {
	now := time.Now()
	sig, err := omise.Sign(secret, now, body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, base+"/webhooks/omise", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(omise.HeaderSignature, sig)
	req.Header.Set(omise.HeaderSignatureTimestamp, fmt.Sprint(now.Unix()))
	return req, nil
}

// freeAddr returns a loopback address with a port nobody listens on now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// histSums reads the _sum and _count of every histogram series in a
// Prometheus text exposition, keyed by series name and labels as written.
func histSums(metricsURL string) (map[string][2]float64, error) {
	resp, err := http.Get(metricsURL)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	out := map[string][2]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		// Label values may hold spaces ("POST /charges"): the value is after the last one.
		i := strings.LastIndexByte(line, ' ')
		if i < 0 || strings.HasPrefix(line, "#") {
			continue
		}
		name, val := line[:i], line[i+1:]
		var v float64
		if _, err := fmt.Sscan(val, &v); err != nil {
			continue
		}
		base, labels, _ := strings.Cut(name, "{")
		switch {
		case strings.HasSuffix(base, "_sum"):
			k := strings.TrimSuffix(base, "_sum") + "{" + labels
			x := out[k]
			x[0] = v
			out[k] = x
		case strings.HasSuffix(base, "_count"):
			k := strings.TrimSuffix(base, "_count") + "{" + labels
			x := out[k]
			x[1] = v
			out[k] = x
		}
	}
	return out, nil
}

// keyHas reports whether a series key contains every part.
func keyHas(k string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(k, p) {
			return false
		}
	}
	return true
}

// meanDelta is the mean of the observations of the series whose key
// contains every part, made between two scrapes.
func meanDelta(before, after map[string][2]float64, parts ...string) (float64, bool) {
	var sum, n float64
	for k, a := range after {
		if keyHas(k, parts) {
			b := before[k]
			sum += a[0] - b[0]
			n += a[1] - b[1]
		}
	}
	if n == 0 {
		return 0, false
	}
	return sum / n, true
}

// histBuckets reads the cumulative bucket counts of every histogram series
// in a Prometheus text exposition, keyed by series (labels without le) and
// then by the bucket's upper bound.
func histBuckets(metricsURL string) (map[string]map[float64]float64, error) {
	resp, err := http.Get(metricsURL)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	out := map[string]map[float64]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		i := strings.LastIndexByte(line, ' ')
		if i < 0 || strings.HasPrefix(line, "#") || !strings.Contains(line, "_bucket{") {
			continue
		}
		name, val := line[:i], line[i+1:]
		var v float64
		if _, err := fmt.Sscan(val, &v); err != nil {
			continue
		}
		j := strings.Index(name, `le="`)
		if j < 0 {
			continue
		}
		rest := name[j+4:]
		k := strings.IndexByte(rest, '"')
		if k < 0 {
			continue
		}
		var le float64
		if rest[:k] == "+Inf" {
			le = math.Inf(1)
		} else if _, err := fmt.Sscan(rest[:k], &le); err != nil {
			continue
		}
		key := name[:j] + rest[k+1:]
		if out[key] == nil {
			out[key] = map[float64]float64{}
		}
		out[key][le] = v
	}
	return out, nil
}

// quantileDelta estimates quantile q (0..1) of the observations made
// between two bucket scrapes of the series whose key contains every part,
// interpolating linearly inside the bucket as Prometheus's
// histogram_quantile does; it also returns the number of observations.
func quantileDelta(before, after map[string]map[float64]float64, q float64, parts ...string) (float64, float64, bool) {
	delta := map[float64]float64{}
	for k, bs := range after {
		if !keyHas(k, parts) {
			continue
		}
		for le, v := range bs {
			delta[le] += v - before[k][le]
		}
	}
	les := make([]float64, 0, len(delta))
	for le := range delta {
		les = append(les, le)
	}
	sort.Float64s(les)
	if len(les) == 0 {
		return 0, 0, false
	}
	total := delta[les[len(les)-1]]
	if total == 0 {
		return 0, 0, false
	}
	rank := q * total
	prevLE, prevCount := 0.0, 0.0
	for _, le := range les {
		c := delta[le]
		if c >= rank {
			if math.IsInf(le, 1) {
				return prevLE, total, true
			}
			if c == prevCount {
				return le, total, true
			}
			return prevLE + (le-prevLE)*(rank-prevCount)/(c-prevCount), total, true
		}
		prevLE, prevCount = le, c
	}
	return prevLE, total, true
}

// counterTotal sums every series of a Prometheus counter.
func counterTotal(metricsURL, name string) (float64, error) {
	resp, err := http.Get(metricsURL)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	var total float64
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		var v float64
		if _, err := fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v); err == nil {
			total += v
		}
	}
	return total, nil
}

// waitWebhooksQuiet waits until the servers have taken no webhook for
// quiet (at most max).
func waitWebhooksQuiet(metricsURLs []string, quiet, max time.Duration) {
	total := func() (float64, error) {
		var sum float64
		for _, u := range metricsURLs {
			n, err := counterTotal(u, "instore_webhooks_total")
			if err != nil {
				return 0, err
			}
			sum += n
		}
		return sum, nil
	}
	deadline := time.Now().Add(max)
	last, _ := total()
	for time.Now().Before(deadline) {
		time.Sleep(quiet)
		n, err := total()
		if err != nil || n == last {
			return
		}
		last = n
	}
}

// histSumsAll is histSums of several instances; each series' key starts
// with its instance's index, so the deltas and quantiles sum over them.
func histSumsAll(metricsURLs []string) (map[string][2]float64, error) {
	return perInstance(metricsURLs, histSums)
}

// histBucketsAll is histBuckets of several instances, keyed as histSumsAll.
func histBucketsAll(metricsURLs []string) (map[string]map[float64]float64, error) {
	return perInstance(metricsURLs, histBuckets)
}

// perInstance reads every instance's series and keys each by its
// instance's index and its own key.
func perInstance[V any](metricsURLs []string, read func(string) (map[string]V, error)) (map[string]V, error) {
	out := map[string]V{}
	for i, u := range metricsURLs {
		m, err := read(u)
		if err != nil {
			return nil, err
		}
		for k, v := range m {
			out[fmt.Sprintf("%d|%s", i, k)] = v
		}
	}
	return out, nil
}

// topBucket is the largest finite bucket bound of the series whose key
// contains every part.
func topBucket(bs map[string]map[float64]float64, parts ...string) (float64, bool) {
	top, found := 0.0, false
	for k, b := range bs {
		if !keyHas(k, parts) {
			continue
		}
		for le := range b {
			if !math.IsInf(le, 1) && le > top {
				top, found = le, true
			}
		}
	}
	return top, found
}
