package omise

import (
	"errors"
	"regexp"
	"strconv"
)

// Error is a non-200 answer from the API. Code and Message come from the
// Omise error object ({"object":"error","code":...}); when the body is not
// one (a proxy page, an empty 502), Code is "http_<status>".
type Error struct {
	StatusCode int
	Code       string
	Message    string
	Location   string
}

// Error formats the status, code and message. Long digit runs and key-like
// words in the message are masked, because Omise may echo what we sent
// (a customer's payment code) and error strings end up in logs.
func (e *Error) Error() string {
	return "omise: " + strconv.Itoa(e.StatusCode) + " " + e.Code + ": " + redact(e.Message)
}

// CallError is a call that produced no usable API answer: the connection
// failed, the deadline passed, or a 200 body could not be decoded.
type CallError struct {
	// Endpoint is the pattern of the call, like "POST /charges".
	Endpoint string
	// Sent reports that the request may have reached Omise, so a POST may
	// have taken effect.
	Sent bool
	// Timeout reports that a deadline or network timeout ended the call.
	Timeout bool
	// Err is the cause; its text is redacted in Error.
	Err error
}

// Error describes the failure and whether the outcome is unknown.
func (e *CallError) Error() string {
	what := "failed"
	if e.Timeout {
		what = "timed out"
	}
	s := "omise: " + e.Endpoint + ": " + what
	if e.Sent {
		s += " (outcome unknown)"
	}
	if e.Err != nil {
		s += ": " + redact(e.Err.Error())
	}
	return s
}

// Unwrap exposes the cause, so errors.Is(err, context.DeadlineExceeded) works.
func (e *CallError) Unwrap() error { return e.Err }

// IsNotFound reports whether Omise said the object does not exist. It
// needs Omise's own not_found code: a bare 404 from a misconfigured
// BaseURL must not convince anyone that a charge is gone.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == "not_found"
}

// IsUncertain reports whether a POST that returned err may nevertheless have
// taken effect at Omise, so the caller must look the object up before
// trying again. Timeouts and network failures after the request reached a
// connection, 5xx answers and undecodable 200 answers are uncertain; 4xx
// answers (429 included: Omise refuses before acting) are not.
func IsUncertain(err error) bool {
	if err == nil {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode < 400 || e.StatusCode >= 500
	}
	var ce *CallError
	if errors.As(err, &ce) {
		return ce.Sent
	}
	return false
}

// statusTooManyRequests is HTTP 429, Omise's rate-limit answer.
const statusTooManyRequests = 429

// IsRateLimited reports an HTTP 429 answer.
func IsRateLimited(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == statusTooManyRequests
}

// ErrorCode returns the Omise error code of err, or "" when err is not an
// *Error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

var (
	longDigits = regexp.MustCompile(`[0-9]{12,}`)
	keyLike    = regexp.MustCompile(`[ps]key_[A-Za-z0-9_]+`)
)

// redact masks payment codes (12+ digits) and API keys in text bound for logs.
func redact(s string) string {
	s = longDigits.ReplaceAllString(s, "[redacted]")
	return keyLike.ReplaceAllString(s, "[redacted-key]")
}
