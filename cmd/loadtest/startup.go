package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// productStartup: the server started on a copy of the big database that
// an earlier start already migrated; the figure is the time from exec to
// the first 200 from /healthz (polled every 2 ms on a known address).
// The limit is the same for the bare server on the same file (exec, open,
// listen, one query).
func (t *tool) productStartup(rep *report, lim *limits, bigDB string) {
	what := fmt.Sprintf("start-up: /healthz on an existing, migrated database of %s charges", num(float64(t.rows)))
	t.logf("product: %s", what)
	f, err := t.measureStartup(bigDB)
	if err != nil {
		rep.Product = append(rep.Product, failRow(what, err))
		return
	}
	rep.Product = append(rep.Product, row{What: what,
		Measured: fmt.Sprintf("%s to the first /healthz 200 (first start, migrating the copy: %s)", msStr(f["ready_ms"]), msStr(f["migrate_ms"])),
		Limit:    fmt.Sprintf("bare server on the same file: %s", msStr(f["bare_ms"])),
		Ratio:    ratio(f["ready_ms"], f["bare_ms"]),
		Target:   "≤ 300 ms",
		Verdict:  verdict(f["ready_ms"] <= 300),
	})
}

func (t *tool) measureStartup(bigDB string) (figures, error) {
	if err := t.buildServer(); err != nil {
		return nil, err
	}
	path := filepath.Join(t.work, "startup.db")
	if err := copyFile(bigDB, path); err != nil {
		return nil, err
	}
	defer os.Remove(path)
	env := func(addr string) []string {
		return []string{"INSTORE_ADDR=" + addr, "INSTORE_DB=" + path, "OMISE_SECRET_KEY=", "OMISE_PUBLIC_KEY=",
			"OMISE_API_URL=", "INSTORE_SYNC_INTERVAL=1h", "INSTORE_METRICS_ADDR="}
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	// A database with users starts without the demo seed (as a real one).
	if err := t.cliUser(path, env("127.0.0.1:0"), "bench-admin", "admin", ""); err != nil {
		return nil, fmt.Errorf("%w: user add: %v", errNotBuilt, err)
	}
	// The first start migrates the copy (a new migration's backfill runs
	// here, once); it is reported, not held to the target.
	first, err := timeToHealthy(t.serverBin, nil, env, 10*time.Minute)
	if err != nil {
		return nil, fmt.Errorf("%w: first start: %v", errNotBuilt, err)
	}
	return repeat(t.runs, func(int) (figures, error) {
		d, err := timeToHealthy(t.serverBin, nil, env, 60*time.Second)
		if err != nil {
			return nil, err
		}
		bare, err := timeToHealthy(self, []string{"-bare", "-bare-db", path}, func(addr string) []string {
			return []string{"LOADTEST_BARE_ADDR=" + addr}
		}, 60*time.Second)
		if err != nil {
			return nil, err
		}
		return figures{"ready_ms": ms(d), "bare_ms": ms(bare), "migrate_ms": ms(first)}, nil
	})
}

// timeToHealthy starts bin on a free address and returns how long it took
// to answer 200 on /healthz, then stops it.
func timeToHealthy(bin string, args []string, env func(addr string) []string, timeout time.Duration) (time.Duration, error) {
	addr, err := freeAddr()
	if err != nil {
		return 0, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env(addr)...)
	client := &http.Client{Timeout: time.Second}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	defer func() { _ = cmd.Process.Signal(os.Interrupt); <-exited }()
	for time.Since(start) < timeout {
		select {
		case <-exited:
			return 0, fmt.Errorf("%s exited before answering /healthz", bin)
		default:
		}
		resp, err := client.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	return 0, fmt.Errorf("%s: no /healthz 200 within %s", bin, timeout)
}
