package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"instore/config"
	"instore/db"
	"instore/metrics"
	"instore/omise"
	"instore/omise/omisehttp"
	"instore/omise/sim"
	"instore/web"
)

// BenchmarkWebhookRoute is the load tool's webhook ingestion in one
// process: the simulator's own signed events POSTed to /webhooks/omise
// over loopback, 16 in flight, through the whole router (middleware,
// access log, metrics) to the group commit, with the simulator answering
// the charge re-read over loopback too. cpu-ns/op is the CPU of all of it
// (sender, server and simulator) per delivery.
func BenchmarkWebhookRoute(b *testing.B) {
	const inFlight = 16
	ctx := context.Background()
	secret := base64.StdEncoding.EncodeToString([]byte("bench-webhook-secret"))
	s := sim.New(sim.Options{})
	simSrv := httptest.NewServer(s)
	b.Cleanup(func() { simSrv.Close(); s.Close() })
	d, err := db.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	env := map[string]string{"OMISE_SECRET_KEY": sim.DefaultSecretKey, "OMISE_PUBLIC_KEY": sim.DefaultPublicKey,
		"OMISE_API_URL": simSrv.URL, "OMISE_WEBHOOK_SECRET": secret}
	cfg, err := config.Parse(func(k string) string { return env[k] })
	if err != nil {
		b.Fatal(err)
	}
	cfg.DBPath = d.Path
	work, stop := context.WithCancel(ctx)
	b.Cleanup(stop)
	w, err := web.Wire(web.Parts{Config: cfg, DB: d, Metrics: metrics.New(), Work: work,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), BarcodeKey: []byte("bench-barcode-key")})
	if err != nil {
		b.Fatal(err)
	}
	app := httptest.NewServer(w.App)
	b.Cleanup(app.Close)

	// Two events per charge (charge.create, charge.complete), as the load
	// tool delivers them: every delivery is of a new event.
	events := benchSimEvents(b, s, simSrv.URL, b.N)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: inFlight}}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	t0 := benchCPU()
	for range inFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				now := time.Now()
				sig, err := omise.Sign(secret, now, events[i])
				if err != nil {
					b.Error(err)
					return
				}
				req, _ := http.NewRequest(http.MethodPost, app.URL+"/webhooks/omise", bytes.NewReader(events[i]))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set(omise.HeaderSignature, sig)
				req.Header.Set(omise.HeaderSignatureTimestamp, strconv.FormatInt(now.Unix(), 10))
				resp, err := hc.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Errorf("POST /webhooks/omise: %s", resp.Status)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(benchCPU()-t0)/float64(b.N), "cpu-ns/op")
}

// benchSimEvents makes charges in the simulator, pays them, and returns n
// of its events as it would deliver them.
func benchSimEvents(b *testing.B, s *sim.Sim, base string, n int) [][]byte {
	b.Helper()
	ctx := context.Background()
	cl, err := omisehttp.New(omisehttp.Config{BaseURL: base, PublicKey: sim.DefaultPublicKey, SecretKey: sim.DefaultSecretKey})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < (n+1)/2; i++ {
		oc, err := cl.CreateCharge(ctx, omise.CreateChargeParams{Amount: int64(2000 + i), Currency: "THB",
			InlineSource: &omise.CreateSourceParams{Type: omise.SourceBarcodeAlipay, Barcode: "2810000000000000123", StoreID: "S01", StoreName: "Bench", TerminalID: "T01"}})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.MarkPaid(oc.ID); err != nil {
			b.Fatal(err)
		}
	}
	var out [][]byte
	for offset := 0; len(out) < n; offset += 100 {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/events?limit=100&offset=%d&order=chronological", base, offset), nil)
		req.SetBasicAuth(sim.DefaultSecretKey, "")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var list struct {
			Data []json.RawMessage `json:"data"`
		}
		err = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if err != nil || len(list.Data) == 0 {
			b.Fatalf("list events at %d: %v", offset, err)
		}
		for _, ev := range list.Data {
			out = append(out, ev)
		}
	}
	return out[:n]
}

// benchCPU is the process's CPU time so far (user and system, all
// threads, GC included).
func benchCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
