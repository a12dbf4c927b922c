package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"instore/omise"
	"instore/omise/omisehttp"
)

// TestSimCommand runs `instore sim` on a free port with two webhook
// endpoints, takes the environment it prints as an instance would, makes a
// charge with those keys and waits for the charge.complete it signs to
// reach both endpoints; then stops it the way SIGINT would.
func TestSimCommand(t *testing.T) {
	type hook struct {
		header http.Header
		body   []byte
	}
	var mu sync.Mutex
	got := map[string][]hook{}
	endpoint := func(name string) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			got[name] = append(got[name], hook{r.Header.Clone(), b})
			mu.Unlock()
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	a, b := endpoint("a"), endpoint("b")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"sim", "--addr", "127.0.0.1:0", "--webhook", a.URL + "," + b.URL, "--auto-delay", "20ms"},
			envMap(nil), strings.NewReader(""), pw)
		pw.Close()
	}()
	env := map[string]string{}
	sc := bufio.NewScanner(pr)
	for env["OMISE_API_URL"] == "" && sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "OMISE_API_URL=") {
			for _, kv := range strings.Fields(line) {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
		}
	}
	go io.Copy(io.Discard, pr)
	if env["OMISE_API_URL"] == "" || env["OMISE_WEBHOOK_SECRET"] == "" {
		t.Fatalf("no environment printed: %v (run: %v)", env, ctx.Err())
	}

	cl, err := omisehttp.New(omisehttp.Config{BaseURL: env["OMISE_API_URL"], PublicKey: env["OMISE_PUBLIC_KEY"], SecretKey: env["OMISE_SECRET_KEY"]})
	if err != nil {
		t.Fatal(err)
	}
	oc, err := cl.CreateCharge(ctx, omise.CreateChargeParams{Amount: 5000, Currency: "THB",
		InlineSource: &omise.CreateSourceParams{Type: omise.SourceBarcodeAlipay, Barcode: "281012345678901234",
			StoreID: "S1", StoreName: "Sim Store", TerminalID: "T1"}})
	if err != nil {
		t.Fatal(err)
	}
	complete := func(hs []hook) *hook {
		for i, h := range hs {
			var ev struct {
				Key  string `json:"key"`
				Data struct {
					ID, Status string
				} `json:"data"`
			}
			if json.Unmarshal(h.body, &ev) == nil && ev.Key == "charge.complete" && ev.Data.ID == oc.ID && ev.Data.Status == "successful" {
				return &hs[i]
			}
		}
		return nil
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		ha, hb := complete(got["a"]), complete(got["b"])
		mu.Unlock()
		if ha != nil && hb != nil {
			err := omise.VerifySignature(env["OMISE_WEBHOOK_SECRET"], ha.header.Get(omise.HeaderSignature),
				ha.header.Get(omise.HeaderSignatureTimestamp), ha.body, time.Now())
			if err != nil {
				t.Fatalf("signature with the printed secret: %v", err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("charge.complete of %s did not reach both endpoints: a %v, b %v", oc.ID, ha != nil, hb != nil)
		}
		time.Sleep(20 * time.Millisecond)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("sim returned %v after cancel", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("sim did not stop after cancel")
	}
}

func TestSimCommandRefusesBadFlags(t *testing.T) {
	var out strings.Builder
	err := run(context.Background(), []string{"sim", "--webhook", "ftp://x", "--secret-key", "pkey_x", "--auto", "maybe"},
		envMap(nil), strings.NewReader(""), &out)
	for _, want := range []string{`--webhook must be absolute http(s) URLs (or off), not "ftp://x"`, "--secret-key", "--auto must be on or off"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to say %q", err, want)
		}
	}
}
