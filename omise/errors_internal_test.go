package omise

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestDecodeError(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		want       Error
		notFound   bool
		uncertain  bool
		rateLimted bool
	}{
		{"not found", 404,
			`{"object":"error","location":"https://www.omise.co/api-errors#not-found","code":"not_found","message":"charge chrg_test_x was not found"}`,
			Error{404, "not_found", "charge chrg_test_x was not found", "https://www.omise.co/api-errors#not-found"}, true, false, false},
		{"invalid charge", 400,
			`{"object":"error","location":"https://www.omise.co/api-errors#invalid-charge","code":"invalid_charge","message":"amount must be greater than or equal to 2000 (thb subunits)"}`,
			Error{400, "invalid_charge", "amount must be greater than or equal to 2000 (thb subunits)", "https://www.omise.co/api-errors#invalid-charge"}, false, false, false},
		{"authentication", 401, `{"object":"error","code":"authentication_failure","message":"authentication failed"}`,
			Error{401, "authentication_failure", "authentication failed", ""}, false, false, false},
		{"rate limit with body", 429, `{"object":"error","code":"too_many_requests","message":"too many requests"}`,
			Error{429, "too_many_requests", "too many requests", ""}, false, false, true},
		{"rate limit without body", 429, ``,
			Error{429, "http_429", "unexpected HTTP 429 (Too Many Requests) from the Omise API", ""}, false, false, true},
		{"proxy html 502", 502, `<html><body>Bad Gateway</body></html>`,
			Error{502, "http_502", "unexpected HTTP 502 (Bad Gateway) from the Omise API", ""}, false, true, false},
		{"500 error object", 500, `{"object":"error","code":"internal_error","message":"internal error"}`,
			Error{500, "internal_error", "internal error", ""}, false, true, false},
		{"bare 404 from a wrong base URL is not not_found", 404, `404 page not found`,
			Error{404, "http_404", "unexpected HTTP 404 (Not Found) from the Omise API", ""}, false, false, false},
		{"json that is not an error object", 400, `{"object":"charge","id":"chrg_1"}`,
			Error{400, "http_400", "unexpected HTTP 400 (Bad Request) from the Omise API", ""}, false, false, false},
		{"unknown status", 599, ``,
			Error{599, "http_599", "unexpected HTTP 599 (unexpected status) from the Omise API", ""}, false, true, false},
		{"redirect", 302, ``,
			Error{302, "http_302", "unexpected HTTP 302 (Found) from the Omise API", ""}, false, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := decodeError(tt.status, []byte(tt.body))
			if *e != tt.want {
				t.Fatalf("got %+v\nwant %+v", *e, tt.want)
			}
			wrapped := fmt.Errorf("charging: %w", e)
			if got := IsNotFound(wrapped); got != tt.notFound {
				t.Errorf("IsNotFound = %v", got)
			}
			if got := IsUncertain(wrapped); got != tt.uncertain {
				t.Errorf("IsUncertain = %v", got)
			}
			if got := IsRateLimited(wrapped); got != tt.rateLimted {
				t.Errorf("IsRateLimited = %v", got)
			}
			if got := ErrorCode(wrapped); got != tt.want.Code {
				t.Errorf("ErrorCode = %q", got)
			}
		})
	}
}

func TestCallErrorUncertainty(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain error", errors.New("x"), false},
		{"dial failed before sending", &CallError{Endpoint: "POST /charges", err: errors.New("connection refused")}, false},
		{"timeout after sending", &CallError{Endpoint: "POST /charges", Sent: true, Timeout: true, err: context.DeadlineExceeded}, true},
		{"undecodable 200", &CallError{Endpoint: "POST /charges", Sent: true, err: errors.New("malformed JSON")}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsUncertain(tt.err); got != tt.want {
				t.Errorf("IsUncertain = %v, want %v", got, tt.want)
			}
			if ErrorCode(tt.err) != "" || IsNotFound(tt.err) || IsRateLimited(tt.err) {
				t.Error("a CallError has no API code")
			}
		})
	}
	ce := &CallError{Endpoint: "POST /charges", Sent: true, Timeout: true, err: context.DeadlineExceeded}
	if !errors.Is(ce, context.DeadlineExceeded) {
		t.Error("CallError must unwrap to its cause")
	}
	if got := ce.Error(); got != "omise: POST /charges: timed out (outcome unknown): context deadline exceeded" {
		t.Errorf("Error() = %q", got)
	}
}

func TestErrorMessageRedaction(t *testing.T) {
	e := &Error{StatusCode: 400, Code: "bad_request",
		Message: "barcode 281234567890123456 rejected for skey_test_5abc and pkey_test_9x; amount 2000"}
	s := e.Error()
	for _, leak := range []string{"281234567890123456", "skey_test_5abc", "pkey_test_9x"} {
		if strings.Contains(s, leak) {
			t.Errorf("Error() leaks %q: %s", leak, s)
		}
	}
	if !strings.Contains(s, "amount 2000") {
		t.Errorf("Error() lost the short number: %s", s)
	}
	if e.Message == s {
		t.Error("Message field itself must stay as Omise sent it")
	}
}

func TestDecodeObject(t *testing.T) {
	var c Charge
	if err := decodeObject([]byte(`{"object":"charge","id":"chrg_1"}`), "charge", &c); err != nil || c.ID != "chrg_1" {
		t.Fatalf("good body: %v %+v", err, c)
	}
	bad := []string{
		`<html>gateway</html>`,
		`{"object":"error","code":"x"}`,
		`{"object":"list","data":[]}`,
		`{"object":"charge","amount":"1O0"}`,
		`{"object":"charge","created":"yesterday 281234567890123456"}`,
		``,
	}
	for _, b := range bad {
		err := decodeObject([]byte(b), "charge", &Charge{})
		if err == nil {
			t.Errorf("decodeObject(%q): want error", b)
			continue
		}
		if strings.Contains(err.Error(), "281234567890123456") || strings.Contains(err.Error(), "1O0") {
			t.Errorf("decode error quotes the body: %v", err)
		}
	}
}
