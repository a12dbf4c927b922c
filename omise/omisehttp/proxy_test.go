package omisehttp_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"instore/omise"
	"instore/omise/omisehttp"
)

// TestBrokenPathAnswers covers answers that come from something between us
// and Omise (a captive portal, a failing load balancer, a truncated body).
// The simulator speaks correct Omise, so these few cases use a bare server
// that answers with fixed bytes.
func TestBrokenPathAnswers(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		uncertain bool
		code      string
	}{
		{"html page with 200", 200, "<html>Please log in to the hotel wifi</html>", true, ""},
		{"error object with 200", 200, `{"object":"error","code":"not_found","message":"x"}`, true, ""},
		{"wrong object with 200", 200, `{"object":"refund","id":"rfnd_1"}`, true, ""},
		{"truncated json with 200", 200, `{"object":"charge","id":"chrg_1",`, true, ""},
		{"oversized body with 200", 200, `{"object":"charge","description":"` + strings.Repeat("x", 5<<20) + `"}`, true, ""},
		{"html 502", 502, "<html>Bad Gateway</html>", true, "http_502"},
		{"empty 503", 503, "", true, "http_503"},
		{"html 404", 404, "<html>Not Found</html>", false, "http_404"},
		{"redirect", 302, "", true, "http_302"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				if tt.status == 302 {
					w.Header().Set("Location", "/elsewhere")
				}
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			c, err := omisehttp.New(omisehttp.Config{BaseURL: srv.URL, PublicKey: testPublicKey, SecretKey: testSecretKey})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.CreateCharge(testCtx(t), barcodeCharge(2000, "att-proxy"))
			if err == nil {
				t.Fatal("want an error")
			}
			if got := omise.IsUncertain(err); got != tt.uncertain {
				t.Errorf("IsUncertain = %v, want %v (%v)", got, tt.uncertain, err)
			}
			if got := omise.ErrorCode(err); got != tt.code {
				t.Errorf("ErrorCode = %q, want %q", got, tt.code)
			}
			if omise.IsNotFound(err) {
				t.Error("only Omise's not_found code means not found")
			}
			if len(err.Error()) > 300 || strings.Contains(err.Error(), "wifi") || strings.Contains(err.Error(), "281234567890123456") {
				t.Errorf("error repeats a body: %.300s", err)
			}
			var ce *omise.CallError
			if tt.status == 200 && !errors.As(err, &ce) {
				t.Errorf("a bad 200 should be a CallError, got %T", err)
			}
		})
	}
}
