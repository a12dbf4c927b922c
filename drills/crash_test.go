package drills

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"instore/db"
	"instore/omise"
	"instore/omise/omisehttp"
)

// TestCrashUnderWebhookStorm: the real server, under a storm of signed
// webhooks, is killed with SIGKILL at a random moment, several times. After
// each kill the database passes PRAGMA integrity_check and holds every
// event the server answered 2xx for; after the last restart the syncer
// finishes every stored event.
func TestCrashUnderWebhookStorm(t *testing.T) {
	t.Parallel()
	bin := instoreBinary(t)
	s, omiseURL := externalSim(t)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "crash.db")
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	env := serverEnv(dbPath, omiseURL)
	ctx := context.Background()
	client, err := omisehttp.New(omisehttp.Config{BaseURL: omiseURL, PublicKey: "pkey_test_demo", SecretKey: "skey_test_demo"})
	if err != nil {
		t.Fatal(err)
	}
	acked := map[string]bool{} // every event id answered 2xx, over all rounds
	const rounds = 4
	for round := 0; round < rounds; round++ {
		// Fresh changes at Omise for this round's storm.
		for i := 0; i < 150; i++ {
			oc, err := client.CreateCharge(ctx, omise.CreateChargeParams{Amount: 5000, Currency: "THB",
				InlineSource: &omise.CreateSourceParams{Type: omise.SourceBarcodeAlipay, Barcode: fmt.Sprintf("28%04d%08d0000", round, i),
					StoreID: "S1", StoreName: "Drill Store", TerminalID: "T1"}})
			if err != nil {
				t.Fatal(err)
			}
			if i%2 == 0 {
				if _, err := s.MarkPaid(oc.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		evs := rawEvents(t, omiseURL)
		p := startServer(t, bin, env, logf)
		ok := storm(p.URL, evs, time.Duration(150+rand.IntN(600))*time.Millisecond, p.kill)
		for id := range ok {
			acked[id] = true
		}
		checkAfterCrash(t, dbPath, acked)
		t.Logf("round %d: %d deliveries acknowledged before SIGKILL", round+1, len(ok))
	}
	if len(acked) == 0 {
		t.Fatal("no delivery was acknowledged: the storm never reached the server")
	}

	// Restart: stored events that were not applied before a kill are
	// finished by the syncer.
	p := startServer(t, bin, env, logf)
	deadline := time.Now().Add(20 * time.Second)
	for {
		left := unfinished(t, dbPath, acked)
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d acknowledged events still unprocessed 20s after restart", left)
		}
		time.Sleep(200 * time.Millisecond)
	}
	p.stop()
	checkAfterCrash(t, dbPath, acked)
}

// storm POSTs the bodies, signed, from 16 workers (starting over with
// duplicates once all are sent) and calls kill after killAfter. It returns
// the ids answered 2xx.
func storm(base string, bodies [][]byte, killAfter time.Duration, kill func()) map[string]bool {
	stop := make(chan struct{})
	go func() {
		time.Sleep(killAfter)
		kill()
		close(stop)
	}()
	return stormUntil(base, bodies, stop)
}

// stormUntil POSTs the bodies like storm until stop is closed.
func stormUntil(base string, bodies [][]byte, stop <-chan struct{}) map[string]bool {
	var mu sync.Mutex
	ok := map[string]bool{}
	var next atomic.Int64
	var wg sync.WaitGroup
	hc := &http.Client{Timeout: 10 * time.Second}
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				i := int(next.Add(1)) - 1
				if i >= len(bodies) {
					i %= len(bodies) // keep storming with duplicates until the kill
				}
				now := time.Now()
				sig, _ := omise.Sign(webhookSecret, now, bodies[i])
				req, _ := http.NewRequest(http.MethodPost, base+"/webhooks/omise", bytes.NewReader(bodies[i]))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set(omise.HeaderSignature, sig)
				req.Header.Set(omise.HeaderSignatureTimestamp, fmt.Sprint(now.Unix()))
				resp, err := hc.Do(req)
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					mu.Lock()
					ok[eventID(bodies[i])] = true
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return ok
}

// checkAfterCrash checks the file of a dead server: integrity, and every
// acknowledged event stored.
func checkAfterCrash(t *testing.T, dbPath string, acked map[string]bool) {
	t.Helper()
	ctx := context.Background()
	if err := db.IntegrityCheck(ctx, dbPath); err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for id := range acked {
		if _, err := d.GetEvent(ctx, id); err != nil {
			t.Errorf("event %s was acknowledged but is not stored: %v", id, err)
		}
	}
}

// unfinished counts acknowledged events not yet applied, unchanged or rejected.
func unfinished(t *testing.T, dbPath string, acked map[string]bool) int {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	n := 0
	for id := range acked {
		ev, err := d.GetEvent(ctx, id)
		if err != nil || !ev.Done() {
			n++
		}
	}
	return n
}
