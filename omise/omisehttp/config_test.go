package omisehttp_test

import (
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"instore/omise"
	"instore/omise/omisehttp"
)

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name    string
		cfg     omisehttp.Config
		mention string
	}{
		{"no secret key", omisehttp.Config{PublicKey: testPublicKey}, "SecretKey"},
		{"public key as secret key", omisehttp.Config{SecretKey: testPublicKey, PublicKey: testPublicKey}, "SecretKey"},
		{"no public key", omisehttp.Config{SecretKey: testSecretKey}, "PublicKey"},
		{"secret key as public key", omisehttp.Config{SecretKey: testSecretKey, PublicKey: testSecretKey}, "PublicKey"},
		{"relative base URL", omisehttp.Config{SecretKey: testSecretKey, PublicKey: testPublicKey, BaseURL: "api.omise.co"}, "BaseURL"},
		{"ftp base URL", omisehttp.Config{SecretKey: testSecretKey, PublicKey: testPublicKey, BaseURL: "ftp://api.omise.co"}, "BaseURL"},
		{"credentials in base URL", omisehttp.Config{SecretKey: testSecretKey, PublicKey: testPublicKey, BaseURL: "https://u:p@api.omise.co"}, "BaseURL"},
		{"query in base URL", omisehttp.Config{SecretKey: testSecretKey, PublicKey: testPublicKey, BaseURL: "https://api.omise.co/?x=1"}, "BaseURL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := omisehttp.New(tt.cfg)
			if err == nil {
				t.Fatalf("want error, got %v", c)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not name %s", err, tt.mention)
			}
			noKeys(t, "New error", err.Error())
		})
	}
	c, err := omisehttp.New(omisehttp.Config{SecretKey: testSecretKey, PublicKey: testPublicKey})
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%s"} {
		noKeys(t, "formatted client", fmt.Sprintf(verb, c))
	}
}

func TestRequestHeaders(t *testing.T) {
	h := newHarness(t, omisehttp.Config{})
	ctx := testCtx(t)
	src, err := h.client.CreateSource(ctx, omise.CreateSourceParams{Type: omise.SourceAlipayPlusUPM, Amount: 2000, Currency: "THB", Barcode: "251001020123456789012345"})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := h.client.CreateCharge(ctx, omise.CreateChargeParams{Amount: 2000, Currency: "THB", SourceID: src.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.GetCharge(ctx, ch.ID); err != nil {
		t.Fatal(err)
	}
	wantUA := "Instore/1 Go/" + runtime.Version()
	reqs := h.rec.all()
	if len(reqs) != 3 {
		t.Fatalf("%d requests reached the simulator, want 3", len(reqs))
	}
	for i, r := range reqs {
		if !r.HasAuth || r.Password != "" {
			t.Errorf("request %d: basic auth with an empty password expected", i)
		}
		if got := r.Header.Get("Omise-Version"); got != omise.DefaultVersion {
			t.Errorf("request %d: Omise-Version %q", i, got)
		}
		if got := r.Header.Get("User-Agent"); got != wantUA {
			t.Errorf("request %d: User-Agent %q, want %q", i, got, wantUA)
		}
		if got := r.Header.Get("Accept"); got != "application/json" {
			t.Errorf("request %d: Accept %q", i, got)
		}
	}
	if reqs[0].User != testPublicKey || reqs[1].User != testSecretKey || reqs[2].User != testSecretKey {
		t.Errorf("keys used: %q %q %q", reqs[0].User, reqs[1].User, reqs[2].User)
	}
	for _, r := range reqs[:2] {
		if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
			t.Errorf("%s %s Content-Type %q", r.Method, r.Path, ct)
		}
	}
	if reqs[2].Method != http.MethodGet || len(reqs[2].Form) != 0 || reqs[2].Query != "" {
		t.Errorf("GET carried a body or query: %+v", reqs[2])
	}

	custom := h.newClient(t, omisehttp.Config{UserAgent: "load-test/2", Version: "2019-05-29"})
	if _, err := custom.GetCharge(ctx, ch.ID); err != nil {
		t.Fatal(err)
	}
	last := h.rec.last(t)
	if last.Header.Get("User-Agent") != "load-test/2" || last.Header.Get("Omise-Version") != "2019-05-29" {
		t.Errorf("custom headers %v", last.Header)
	}
}
