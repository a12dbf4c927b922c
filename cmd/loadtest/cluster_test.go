package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
)

func TestDeploymentsOfAComparison(t *testing.T) {
	if got := (&tool{}).deployments(); len(got) != 1 || got[0].label() != "" || got[0].suffix() != "" {
		t.Errorf("without -db: %+v, want the one demo server with unchanged row names", got)
	}
	var labels []string
	for _, d := range (&tool{pgURL: "postgres://x/y", instances: 3}).deployments() {
		labels = append(labels, d.label()+"|"+d.tag())
	}
	want := []string{"SQLite, 1 instance|-sqlite", "PostgreSQL, 1 instance|-pg1", "PostgreSQL, 3 instances|-pg3"}
	if len(labels) != len(want) {
		t.Fatalf("deployments = %v, want %v", labels, want)
	}
	for i := range want {
		if labels[i] != want[i] {
			t.Errorf("deployment %d = %q, want %q", i, labels[i], want[i])
		}
	}
	if n := len((&tool{pgURL: "postgres://x/y", instances: 1}).deployments()); n != 2 {
		t.Errorf("-instances 1: %d deployments, want SQLite and PostgreSQL", n)
	}
}

// The simulator's webhooks go to each instance in turn, Host kept.
func TestRoundRobinForwarder(t *testing.T) {
	var hits [3]atomic.Int64
	var urls []*url.URL
	for i := range hits {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/webhooks/omise" {
				t.Errorf("path %q", r.URL.Path)
			}
			hits[i].Add(1)
		}))
		defer s.Close()
		u, _ := url.Parse(s.URL)
		urls = append(urls, u)
	}
	var backends atomic.Pointer[[]*url.URL]
	fw := httptest.NewServer(roundRobin(&backends))
	defer fw.Close()
	if resp, err := http.Post(fw.URL+"/webhooks/omise", "application/json", nil); err != nil || resp.StatusCode/100 == 2 {
		t.Errorf("with no instance yet: %v %v, want a failure the sender retries", resp, err)
	}
	backends.Store(&urls)
	for i := 0; i < 9; i++ {
		resp, err := http.Post(fw.URL+"/webhooks/omise", "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	for i := range hits {
		if n := hits[i].Load(); n != 3 {
			t.Errorf("instance %d got %d deliveries, want 3", i, n)
		}
	}
}

// Several instances' histograms add up; each scrape keeps its own series.
func TestHistogramsOfSeveralInstances(t *testing.T) {
	body := `instore_http_beyond_omise_seconds_bucket{method="POST",route="/till/charges",le="0.005"} %d
instore_http_beyond_omise_seconds_bucket{method="POST",route="/till/charges",le="+Inf"} %d
instore_http_beyond_omise_seconds_sum{method="POST",route="/till/charges"} %s
instore_http_beyond_omise_seconds_count{method="POST",route="/till/charges"} %d
instore_webhooks_total{result="applied"} %d
`
	var urls []string
	for _, x := range []struct {
		le5, inf int
		sum      string
		wh       int
	}{{10, 10, "0.02", 7}, {0, 10, "0.2", 5}} {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, body, x.le5, x.inf, x.sum, x.inf, x.wh)
		}))
		defer s.Close()
		urls = append(urls, s.URL)
	}
	sums, err := histSumsAll(urls)
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := meanDelta(nil, sums, "instore_http_beyond_omise_seconds{", `route="/till/charges"`); !ok || m < 0.0109 || m > 0.0111 {
		t.Errorf("mean over both = %v %v, want 0.011 (0.22 s over 20)", m, ok)
	}
	bs, err := histBucketsAll(urls)
	if err != nil {
		t.Fatal(err)
	}
	if _, n, ok := quantileDelta(nil, bs, 0.5, "instore_http_beyond_omise_seconds_bucket{"); !ok || n != 20 {
		t.Errorf("observations = %v %v, want 20", n, ok)
	}
	// Half the observations are past the last finite bucket (5 ms).
	p99, _, _ := quantileDelta(nil, bs, 0.99, "instore_http_beyond_omise_seconds_bucket{")
	top, ok := topBucket(bs, "instore_http_beyond_omise_seconds_bucket{")
	if !ok || top != 0.005 || p99 < top {
		t.Errorf("p99 %v, top bucket %v %v: want the p99 at or past 0.005", p99, top, ok)
	}
	f := figures{"x_p99_ms": 5, "x_p99_over": 1}
	if got := p99Str(f, "x_"); got != "> 5.00 ms (past the histogram's last bucket)" {
		t.Errorf("p99Str = %q", got)
	}
}

func TestReportedURLHasNoPassword(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://bench:s3cret@db:5432/loadtest?sslmode=disable": "postgres://bench@db:5432/loadtest?sslmode=disable",
		"postgres://postgres@127.0.0.1:55432/loadtest":             "postgres://postgres@127.0.0.1:55432/loadtest",
		"postgresql://db/x": "postgresql://db/x",
	} {
		if got := dbRedacted(in); got != want {
			t.Errorf("dbRedacted(%q) = %q, want %q", in, got, want)
		}
	}
}
