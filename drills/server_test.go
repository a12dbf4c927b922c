package drills

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"instore/omise/sim"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	binDir    string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// instoreBinary builds the product once per test binary.
func instoreBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and starts the real server; skipped with -short")
	}
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "instore-drills-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "instore")
		out, err := exec.Command("go", "build", "-o", binPath, "instore").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build instore: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// externalSim is an Omise simulator outside the server process, so it
// outlives the server when the drill kills it.
func externalSim(t *testing.T) (*sim.Sim, string) {
	t.Helper()
	s := sim.New(sim.Options{Logger: quiet()})
	srv := httptest.NewServer(s)
	t.Cleanup(func() { srv.Close(); s.Close() })
	return s, srv.URL
}

// serverProc is the real server running as a subprocess.
type serverProc struct {
	cmd  *exec.Cmd
	URL  string
	done chan struct{}
}

// serverEnv is the environment of a drill server: the database, the
// external simulator as Omise, signed webhooks, a fast syncer.
func serverEnv(dbPath, omiseURL string) []string {
	return []string{
		"INSTORE_ADDR=127.0.0.1:0",
		"INSTORE_DB=" + dbPath,
		"OMISE_SECRET_KEY=" + sim.DefaultSecretKey,
		"OMISE_PUBLIC_KEY=" + sim.DefaultPublicKey,
		"OMISE_API_URL=" + omiseURL,
		"OMISE_WEBHOOK_SECRET=" + webhookSecret,
		"INSTORE_SYNC_INTERVAL=1s",
		"INSTORE_METRICS_ADDR=",
	}
}

// startServer starts the binary and waits for its "URL http://..." line.
func startServer(t *testing.T, bin string, env []string, log io.Writer) *serverProc {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = log
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serverProc{cmd: cmd, done: make(chan struct{})}
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			fmt.Fprintln(log, sc.Text())
			if u, ok := strings.CutPrefix(sc.Text(), "URL "); ok {
				select {
				case urlc <- strings.TrimSpace(u):
				default:
				}
			}
		}
	}()
	go func() { _ = cmd.Wait(); close(p.done) }()
	select {
	case p.URL = <-urlc:
	case <-p.done:
		t.Fatalf("server exited before printing its URL")
	case <-time.After(30 * time.Second):
		p.kill()
		t.Fatalf("server printed no URL within 30s")
	}
	t.Cleanup(p.kill)
	return p
}

// kill ends the server at once, as a power cut or the OOM killer would.
func (p *serverProc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// stop shuts the server down cleanly.
func (p *serverProc) stop() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.kill()
	}
}

// rawEvents returns every event the simulator holds as webhook bodies.
func rawEvents(t *testing.T, omiseURL string) [][]byte {
	t.Helper()
	var out [][]byte
	for offset := 0; ; offset += 100 {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/events?limit=100&offset=%d", omiseURL, offset), nil)
		req.SetBasicAuth(sim.DefaultSecretKey, "")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Data  []json.RawMessage `json:"data"`
			Total int               `json:"total"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range page.Data {
			out = append(out, d)
		}
		if len(page.Data) == 0 || offset+len(page.Data) >= page.Total {
			return out
		}
	}
}

// eventID reads the id of a webhook body.
func eventID(body []byte) string {
	var e struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(body, &e)
	return e.ID
}
