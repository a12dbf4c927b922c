package omisehttp

import (
	"fmt"
	"testing"

	"instore/omise"
)

func TestDecodeError(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		want       omise.Error
		notFound   bool
		uncertain  bool
		rateLimted bool
	}{
		{"not found", 404,
			`{"object":"error","location":"https://www.omise.co/api-errors#not-found","code":"not_found","message":"charge chrg_test_x was not found"}`,
			omise.Error{StatusCode: 404, Code: "not_found", Message: "charge chrg_test_x was not found", Location: "https://www.omise.co/api-errors#not-found"}, true, false, false},
		{"invalid charge", 400,
			`{"object":"error","location":"https://www.omise.co/api-errors#invalid-charge","code":"invalid_charge","message":"amount must be greater than or equal to 2000 (thb subunits)"}`,
			omise.Error{StatusCode: 400, Code: "invalid_charge", Message: "amount must be greater than or equal to 2000 (thb subunits)", Location: "https://www.omise.co/api-errors#invalid-charge"}, false, false, false},
		{"authentication", 401, `{"object":"error","code":"authentication_failure","message":"authentication failed"}`,
			omise.Error{StatusCode: 401, Code: "authentication_failure", Message: "authentication failed", Location: ""}, false, false, false},
		{"rate limit with body", 429, `{"object":"error","code":"too_many_requests","message":"too many requests"}`,
			omise.Error{StatusCode: 429, Code: "too_many_requests", Message: "too many requests", Location: ""}, false, false, true},
		{"rate limit without body", 429, ``,
			omise.Error{StatusCode: 429, Code: "http_429", Message: "unexpected HTTP 429 (Too Many Requests) from the Omise API", Location: ""}, false, false, true},
		{"proxy html 502", 502, `<html><body>Bad Gateway</body></html>`,
			omise.Error{StatusCode: 502, Code: "http_502", Message: "unexpected HTTP 502 (Bad Gateway) from the Omise API", Location: ""}, false, true, false},
		{"500 error object", 500, `{"object":"error","code":"internal_error","message":"internal error"}`,
			omise.Error{StatusCode: 500, Code: "internal_error", Message: "internal error", Location: ""}, false, true, false},
		{"bare 404 from a wrong base URL is not not_found", 404, `404 page not found`,
			omise.Error{StatusCode: 404, Code: "http_404", Message: "unexpected HTTP 404 (Not Found) from the Omise API", Location: ""}, false, false, false},
		{"json that is not an error object", 400, `{"object":"charge","id":"chrg_1"}`,
			omise.Error{StatusCode: 400, Code: "http_400", Message: "unexpected HTTP 400 (Bad Request) from the Omise API", Location: ""}, false, false, false},
		{"unknown status", 599, ``,
			omise.Error{StatusCode: 599, Code: "http_599", Message: "unexpected HTTP 599 (unexpected status) from the Omise API", Location: ""}, false, true, false},
		{"redirect", 302, ``,
			omise.Error{StatusCode: 302, Code: "http_302", Message: "unexpected HTTP 302 (Found) from the Omise API", Location: ""}, false, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := decodeError(tt.status, []byte(tt.body))
			if *e != tt.want {
				t.Fatalf("got %+v\nwant %+v", *e, tt.want)
			}
			wrapped := fmt.Errorf("charging: %w", e)
			if got := omise.IsNotFound(wrapped); got != tt.notFound {
				t.Errorf("IsNotFound = %v", got)
			}
			if got := omise.IsUncertain(wrapped); got != tt.uncertain {
				t.Errorf("IsUncertain = %v", got)
			}
			if got := omise.IsRateLimited(wrapped); got != tt.rateLimted {
				t.Errorf("IsRateLimited = %v", got)
			}
			if got := omise.ErrorCode(wrapped); got != tt.want.Code {
				t.Errorf("ErrorCode = %q", got)
			}
		})
	}
}
