package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestPercentileAndMedian(t *testing.T) {
	var l lats
	for i := 1; i <= 100; i++ {
		l = append(l, time.Duration(i)*time.Millisecond)
	}
	if got := l.pct(50); got != 50*time.Millisecond {
		t.Errorf("p50 = %s", got)
	}
	if got := l.pct(99); got != 99*time.Millisecond {
		t.Errorf("p99 = %s", got)
	}
	if got := (lats{}).pct(99); got != 0 {
		t.Errorf("empty p99 = %s", got)
	}
	m := medianOf([]figures{{"a": 3, "b": 1}, {"a": 1}, {"a": 2, "b": 5}})
	if m["a"] != 2 || m["b"] != 1 {
		t.Errorf("median = %v, want a=2 (middle of 3), b=1 (lower middle of 2)", m)
	}
}

func TestNum(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4300: "-4,300"} {
		if got := num(in); got != want {
			t.Errorf("num(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestFieldReaders(t *testing.T) {
	data := []byte(`{"kind":"charge","charge_id":"chrg_test_5x","status":"successful","t":1732550000123456789,"at":"2026-11-25T19:00:00.123Z"}`)
	if v, ok := intField(data, `"t":`); !ok || v != 1732550000123456789 {
		t.Errorf("t = %d %v", v, ok)
	}
	if v, ok := strField(data, `"charge_id":"`); !ok || string(v) != "chrg_test_5x" {
		t.Errorf("charge_id = %q %v", v, ok)
	}
	ct, ok := commitTime(data)
	if !ok || ct.Nanosecond() != 123000000 {
		t.Errorf("commit time = %s %v", ct, ok)
	}
	if _, ok := intField([]byte(`{"x":1}`), `"t":`); ok {
		t.Error("missing field found")
	}
}

func TestHistSums(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`# HELP x y
instore_omise_call_duration_seconds_sum{endpoint="POST /charges"} 1.5
instore_omise_call_duration_seconds_count{endpoint="POST /charges"} 3
instore_http_request_duration_seconds_sum{method="POST",route="/till/charges"} 4
instore_http_request_duration_seconds_count{method="POST",route="/till/charges"} 4
`))
	}))
	defer srv.Close()
	after, err := histSums(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	before := map[string][2]float64{`instore_omise_call_duration_seconds{endpoint="POST /charges"}`: {0.5, 1}}
	if m, ok := meanDelta(before, after, `endpoint="POST /charges"`); !ok || m != 0.5 {
		t.Errorf("mean = %v %v, want 0.5", m, ok)
	}
	if m, ok := meanDelta(nil, after, `route="/till/charges"`, `method="POST"`); !ok || m != 1 {
		t.Errorf("till mean = %v %v, want 1", m, ok)
	}
}
