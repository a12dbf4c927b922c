package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"instore/db"
)

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// TestRunDemo starts the real program in demo mode on a free port, waits
// for the URL it prints, checks /healthz and the printed demo accounts,
// then stops it the way SIGINT would.
func TestRunDemo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := envMap(map[string]string{"INSTORE_ADDR": "127.0.0.1:0", "INSTORE_DB": filepath.Join(t.TempDir(), "demo.db"),
		"INSTORE_METRICS_ADDR": "127.0.0.1:0"})
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, nil, env, strings.NewReader(""), pw)
		pw.Close()
	}()
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var base, metricsURL string
	var out []string
	deadline := time.After(30 * time.Second)
	for base == "" || len(out) < 8 {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("run ended early: %v\n%s", <-done, strings.Join(out, "\n"))
			}
			out = append(out, l)
			if u, found := strings.CutPrefix(l, "URL "); found {
				base = u
			}
			if u, found := strings.CutPrefix(l, "metrics on "); found {
				metricsURL = u
			}
		case <-deadline:
			t.Fatalf("no URL printed:\n%s", strings.Join(out, "\n"))
		}
	}
	text := strings.Join(out, "\n")
	if !strings.Contains(text, "demo mode") {
		t.Errorf("demo mode not announced:\n%s", text)
	}
	for _, role := range []string{"admin", "manager", "cashier", "finance"} {
		if !strings.Contains(text, "  "+role) {
			t.Errorf("no demo password for %s:\n%s", role, text)
		}
	}
	res, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %d", res.StatusCode)
	}
	// Metrics are on their own listener, not on the application's.
	res, err = http.Get(metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	mbody, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(mbody), `instore_http_requests_total{method="GET",route="/healthz",status="200"} 1`) {
		t.Fatalf("metrics %s: %d\n%.500s", metricsURL, res.StatusCode, mbody)
	}
	if res, err := http.Get(base + "/metrics"); err == nil {
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			t.Fatal("/metrics is served on the public listener")
		}
	}
	// The simulator answers under /sim/omise with the demo keys and no session.
	req, _ := http.NewRequest(http.MethodGet, base+"/sim/omise/charges", nil)
	req.SetBasicAuth("skey_test_demo", "")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("simulator: %d", res.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v after cancel", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

func TestRunConfigError(t *testing.T) {
	err := run(context.Background(), nil, envMap(map[string]string{"OMISE_SECRET_KEY": "pkey_wrong", "OMISE_PUBLIC_KEY": "pkey_x"}), strings.NewReader(""), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "OMISE_SECRET_KEY must start with skey_") {
		t.Fatalf("err = %v", err)
	}
}

func TestRunNonDemoExplainsFirstAdmin(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	env := envMap(map[string]string{"INSTORE_ADDR": "127.0.0.1:0", "INSTORE_DB": filepath.Join(t.TempDir(), "live.db"),
		"OMISE_SECRET_KEY": "skey_test_x", "OMISE_PUBLIC_KEY": "pkey_test_x", "OMISE_API_URL": "http://127.0.0.1:1"})
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, env, strings.NewReader(""), pw); pw.Close() }()
	sc := bufio.NewScanner(pr)
	var text strings.Builder
	for sc.Scan() {
		text.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "instore user add") {
			break
		}
	}
	cancel()
	go io.Copy(io.Discard, pr)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text.String(), "demo mode") || !strings.Contains(text.String(), "--role admin") {
		t.Fatalf("output:\n%s", text.String())
	}
}

// TestRunBusyMetricsPortDrawsNoPasswords: the demo passwords are shown
// only on the start that draws them, so a start that fails because the
// metrics address is taken must fail before drawing them; the next start
// then shows them rather than say they were shown.
func TestRunBusyMetricsPortDrawsNoPasswords(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	path := filepath.Join(t.TempDir(), "demo.db")
	env := envMap(map[string]string{"INSTORE_ADDR": "127.0.0.1:0", "INSTORE_DB": path,
		"INSTORE_METRICS_ADDR": busy.Addr().String()})
	var out strings.Builder
	err = run(context.Background(), nil, env, strings.NewReader(""), &out)
	if err == nil || !strings.Contains(err.Error(), "INSTORE_METRICS_ADDR") {
		t.Fatalf("err = %v", err)
	}
	d, err := db.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if n, err := d.CountUsers(context.Background()); err != nil || n != 0 {
		t.Fatalf("a failed start left %d demo users (err %v) whose passwords nobody saw; output:\n%s", n, err, out.String())
	}
}

// TestMissingDatabaseDirectoryIsNamed: the server and the CLI name the
// setting and the missing directory, not SQLite's "unable to open".
func TestMissingDatabaseDirectoryIsNamed(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-dir")
	env := envMap(map[string]string{"INSTORE_ADDR": "127.0.0.1:0", "INSTORE_DB": filepath.Join(missing, "instore.db")})
	for _, args := range [][]string{nil, {"group", "list"}} {
		err := run(context.Background(), args, env, strings.NewReader(""), io.Discard)
		if err == nil || !strings.Contains(err.Error(), "INSTORE_DB") || !strings.Contains(err.Error(), "directory "+missing+" does not exist") {
			t.Errorf("%v: err = %v", args, err)
		}
	}
}
