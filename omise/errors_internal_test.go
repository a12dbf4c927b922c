package omise

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestCallErrorUncertainty(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain error", errors.New("x"), false},
		{"dial failed before sending", &CallError{Endpoint: "POST /charges", Err: errors.New("connection refused")}, false},
		{"timeout after sending", &CallError{Endpoint: "POST /charges", Sent: true, Timeout: true, Err: context.DeadlineExceeded}, true},
		{"undecodable 200", &CallError{Endpoint: "POST /charges", Sent: true, Err: errors.New("malformed JSON")}, true},
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
	ce := &CallError{Endpoint: "POST /charges", Sent: true, Timeout: true, Err: context.DeadlineExceeded}
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
	if err := DecodeObject([]byte(`{"object":"charge","id":"chrg_1"}`), "charge", &c); err != nil || c.ID != "chrg_1" {
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
		err := DecodeObject([]byte(b), "charge", &Charge{})
		if err == nil {
			t.Errorf("DecodeObject(%q): want error", b)
			continue
		}
		if strings.Contains(err.Error(), "281234567890123456") || strings.Contains(err.Error(), "1O0") {
			t.Errorf("decode error quotes the body: %v", err)
		}
	}
}
