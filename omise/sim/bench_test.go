package sim

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const benchChargeBody = `{"amount":400000,"currency":"thb","source":{"type":"barcode_alipay","barcode":"1234567890123456","store_id":"s1","store_name":"Main","terminal_id":"POS-01"},"metadata":{"sale_id":"42"}}`

func benchRequest(method, path, body string) *http.Request {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.SetBasicAuth(skey, "")
	return r
}

// BenchmarkCreateCharge measures POST /charges with an inline source,
// through the handler without a network.
func BenchmarkCreateCharge(b *testing.B) {
	s := New(Options{})
	defer s.Close()
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, benchRequest("POST", "/charges", benchChargeBody))
		if w.Code != 200 {
			b.Fatal(w.Body.String())
		}
	}
}

// BenchmarkCreateChargeParallel is the same from all CPUs at once (lock
// contention).
func BenchmarkCreateChargeParallel(b *testing.B) {
	s := New(Options{})
	defer s.Close()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w := httptest.NewRecorder()
			s.ServeHTTP(w, benchRequest("POST", "/charges", benchChargeBody))
			if w.Code != 200 {
				b.Error(w.Body.String())
				return
			}
		}
	})
}

// BenchmarkGetCharge measures GET /charges/{id}.
func BenchmarkGetCharge(b *testing.B) {
	s := New(Options{})
	defer s.Close()
	w := httptest.NewRecorder()
	s.ServeHTTP(w, benchRequest("POST", "/charges", benchChargeBody))
	id := s.chargeList[0].id
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, benchRequest("GET", "/charges/"+id, ""))
		if w.Code != 200 {
			b.Fatal(w.Body.String())
		}
	}
}
