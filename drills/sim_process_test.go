package drills

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"
)

// TestSimProcess: one `instore sim` process is Omise for an instance that
// has keys, as a chain's instances share one. The instance must use it,
// not an embedded simulator of its own: a till sale over HTTP becomes a
// charge at the sim process, whose signed charge.complete webhook (the
// syncer is an hour away) makes the sale successful.
func TestSimProcess(t *testing.T) {
	t.Parallel()
	bin := instoreBinary(t)
	var log lockedBuffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("processes' output:\n%s", log.String())
		}
	})
	// The sim needs the instance's webhook URL before the instance runs.
	addr := freeAddr(t)
	sp := startSim(t, bin, &log, "--addr", "127.0.0.1:0", "--webhook", "http://"+addr+"/webhooks/omise", "--auto-delay", "300ms")

	dbPath := t.TempDir() + "/instore.db"
	env := append([]string{"INSTORE_ADDR=" + addr, "INSTORE_DB=" + dbPath, "INSTORE_SYNC_INTERVAL=1h", "INSTORE_METRICS_ADDR="}, sp.env...)
	const password = "sim-process-password"
	cli(t, bin, env, "", "terminal", "add", "--store-id", "store_1", "--store-name", "Sim Store", "--terminal-id", "POS-01")
	cli(t, bin, env, password+"\n", "user", "add", "--username", "cashier", "--role", "cashier", "--store", "store_1")

	srv := startServer(t, bin, env, &log)
	if strings.Contains(log.String(), "demo mode") {
		t.Fatalf("an instance with keys started in demo mode:\n%s", log.String())
	}
	if res, err := http.Get(srv.URL + "/sim/omise/charges"); err == nil {
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			t.Fatal("the instance serves an embedded simulator")
		}
	}

	b := newBrowser(t, srv.URL)
	b.post("/login", url.Values{"username": {"cashier"}, "password": {password}}, "text/html", http.StatusSeeOther)
	var sale struct {
		ChargeID string `json:"charge_id"`
	}
	attempt := uuid.NewString()
	body := b.post("/till/charges", url.Values{"attempt_id": {attempt}, "terminal_id": {"POS-01"},
		"amount": {"50"}, "barcode": {"281012345678901234"}}, "application/json", http.StatusOK)
	if json.Unmarshal(body, &sale) != nil || !strings.HasPrefix(sale.ChargeID, "chrg_") {
		t.Fatalf("sale: %s", body)
	}

	// /api/charges reads the database only (the till's own poll may ask
	// Omise), so the sale turning successful there is the webhook's doing.
	deadline := time.Now().Add(30 * time.Second)
	for status := ""; status != "successful"; {
		if time.Now().After(deadline) {
			t.Fatalf("charge %s still %q after 30s", sale.ChargeID, status)
		}
		time.Sleep(100 * time.Millisecond)
		var c struct {
			Status string `json:"status"`
		}
		if err := json.Unmarshal(b.get("/api/charges/"+sale.ChargeID), &c); err != nil {
			t.Fatal(err)
		}
		status = c.Status
	}

	// The sim process holds the charge and delivered its completion to the
	// instance, which acknowledged it. The sim records a delivery's answer
	// once it has read it, which can be just after the instance committed
	// the charge the loop above saw: it is looked for again for a while.
	delivered := false
	for wait := time.Now().Add(5 * time.Second); !delivered && time.Now().Before(wait); time.Sleep(50 * time.Millisecond) {
		delivered = deliveredComplete(t, sp.url, sale.ChargeID, addr)
	}
	if !delivered {
		t.Fatalf("the sim process holds no charge.complete of %s acknowledged by the instance", sale.ChargeID)
	}
	var till struct {
		ChargeID string `json:"charge_id"`
		Status   string `json:"status"`
		Final    bool   `json:"final"`
	}
	if err := json.Unmarshal(b.get("/till/charges/"+attempt), &till); err != nil || till.ChargeID != sale.ChargeID ||
		till.Status != "successful" || !till.Final {
		t.Fatalf("the till shows %+v (%v), want %s successful", till, err, sale.ChargeID)
	}

	srv.stop()
	if err := sp.stop(); err != nil {
		t.Fatalf("sim did not stop cleanly on SIGINT: %v", err)
	}
}

// TestSimProcessPostgresRefused: in demo mode the binary refuses a
// PostgreSQL database with one line and a non-zero exit, pointing at
// `instore sim` (with keys it runs on one: instances_test.go).
func TestSimProcessPostgresRefused(t *testing.T) {
	t.Parallel()
	bin := instoreBinary(t)
	for _, tc := range []struct {
		env  []string
		want string
	}{
		{nil, "instore sim"},
	} {
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), append(tc.env, "INSTORE_DB=postgres://u:p@127.0.0.1:1/instore", "INSTORE_ADDR=127.0.0.1:0")...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() == 0 {
			t.Fatalf("%v: want a non-zero exit, got %v", tc.env, err)
		}
		if msg := strings.TrimSpace(stderr.String()); strings.Count(msg, "\n") != 0 || !strings.Contains(msg, tc.want) {
			t.Errorf("%v: want one line saying %q, got:\n%s", tc.env, tc.want, msg)
		}
	}
}

// freeAddr is a loopback address nothing listens on (for a moment).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// simProc is `instore sim` running as a subprocess.
type simProc struct {
	cmd     *exec.Cmd
	url     string
	env     []string // the environment it printed for instances
	exited  chan struct{}
	waitErr error // how it ended, once exited is closed
}

func startSim(t *testing.T, bin string, log io.Writer, args ...string) *simProc {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"sim"}, args...)...)
	cmd.Stderr = log
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &simProc{cmd: cmd, exited: make(chan struct{})}
	envc := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			fmt.Fprintln(log, line)
			if strings.HasPrefix(line, "OMISE_API_URL=") {
				envc <- strings.Fields(line)
			}
		}
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	select {
	case p.env = <-envc:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("instore sim printed no environment within 30s")
	}
	for _, kv := range p.env {
		if u, ok := strings.CutPrefix(kv, "OMISE_API_URL="); ok {
			p.url = u
		}
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
	})
	return p
}

// stop sends SIGINT and returns how the process ended.
func (p *simProc) stop() error {
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
		return p.waitErr
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		return errors.New("still running 15s after SIGINT")
	}
}

// cli runs an admin command of the binary with stdin, failing the test if
// it fails.
func cli(t *testing.T, bin string, env []string, stdin string, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("instore %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// browser is a cookie jar that sends the page's CSRF token with forms and
// asks for JSON, as the till's script does.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(req *http.Request, want int) []byte {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		b.t.Fatalf("%s %s: %d, want %d\n%.1000s", req.Method, req.URL.Path, res.StatusCode, want, body)
	}
	return body
}

func (b *browser) get(path string) []byte {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	req.Header.Set("Accept", "application/json")
	return b.do(req, http.StatusOK)
}

// csrf reads the token a page carries in <meta name="csrf-token">.
func (b *browser) csrf() string {
	b.t.Helper()
	follow := &http.Client{Jar: b.c.Jar, Timeout: b.c.Timeout}
	res, err := follow.Get(b.base + "/login")
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	doc, err := goquery.NewDocumentFromReader(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	tok := doc.Find(`meta[name="csrf-token"]`).AttrOr("content", "")
	if tok == "" {
		b.t.Fatal("no csrf-token on the page")
	}
	return tok
}

func (b *browser) post(path string, form url.Values, accept string, want int) []byte {
	b.t.Helper()
	form.Set("_csrf", b.csrf())
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", accept)
	return b.do(req, want)
}

// lockedBuffer collects the output of several processes' copying goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// deliveredComplete reports whether the sim process at simURL holds a
// charge.complete of chargeID whose delivery to the instance at addr was
// answered 200.
func deliveredComplete(t *testing.T, simURL, chargeID, addr string) bool {
	t.Helper()
	for _, raw := range rawEvents(t, simURL) {
		var ev struct {
			Key  string `json:"key"`
			Data struct {
				ID string `json:"id"`
			} `json:"data"`
			Deliveries []struct {
				URI    string `json:"uri"`
				Status int    `json:"status"`
			} `json:"webhook_deliveries"`
		}
		_ = json.Unmarshal(raw, &ev)
		for _, d := range ev.Deliveries {
			if ev.Key == "charge.complete" && ev.Data.ID == chargeID && d.Status == http.StatusOK &&
				d.URI == "http://"+addr+"/webhooks/omise" {
				return true
			}
		}
	}
	return false
}
