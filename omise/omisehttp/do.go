package omisehttp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"instore/omise"
)

// request describes one API call.
type request struct {
	method   string     // GET or POST
	path     string     // escaped path below the base URL, e.g. "/charges/chrg_1"
	endpoint string     // the pattern reported to Observe, e.g. "GET /charges/:id"
	public   bool       // authenticate with the public key instead of the secret key
	form     url.Values // POST body, form-encoded
	query    url.Values // query string
	object   string     // the "object" a 200 response must carry
}

// call runs r and decodes a 200 response into a new T.
func call[T any](ctx context.Context, c *Client, r request) (*T, error) {
	v := new(T)
	if err := c.do(ctx, r, v); err != nil {
		return nil, err
	}
	return v, nil
}

// do sends r, maps every failure to *Error or *CallError, and decodes a 200
// body into out. It never retries: Omise has no idempotency key, so a
// repeated POST could create a second charge.
func (c *Client) do(ctx context.Context, r request, out any) error {
	start := time.Now()
	result := "network"
	if c.observe != nil {
		defer func() { c.observe(r.endpoint, result, time.Since(start)) }()
	}

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	// Whether the request reached a connection decides whether a failure
	// leaves the outcome unknown. A transport that reports no trace events
	// at all gives us no evidence, so we then assume it was sent.
	var asked, connected atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GetConn: func(string) { asked.Store(true) },
		GotConn: func(httptrace.GotConnInfo) { connected.Store(true) },
	})

	req, err := c.newRequest(ctx, r)
	if err != nil {
		return err
	}
	// A context that is already done never reaches the transport's trace
	// hooks; say so plainly instead of reporting an unknown outcome.
	if err := ctx.Err(); err != nil {
		ce := &omise.CallError{Endpoint: r.endpoint, Timeout: isTimeout(ctx, err), Err: err}
		if ce.Timeout {
			result = "timeout"
		}
		return ce
	}
	resp, err := c.http.Do(req)
	if err != nil {
		ce := &omise.CallError{Endpoint: r.endpoint, Sent: connected.Load() || !asked.Load(), Timeout: isTimeout(ctx, err), Err: err}
		if ce.Timeout {
			result = "timeout"
		}
		return ce
	}
	defer resp.Body.Close()

	body, readErr := readBody(resp)
	if readErr == nil && len(body) > maxResponseBytes {
		readErr = errors.New("response body exceeds 4 MiB")
	}

	if resp.StatusCode != http.StatusOK {
		result = statusResult(resp.StatusCode)
		return decodeError(resp.StatusCode, body)
	}
	if readErr != nil {
		ce := &omise.CallError{Endpoint: r.endpoint, Sent: true, Timeout: isTimeout(ctx, readErr), Err: readErr}
		if ce.Timeout {
			result = "timeout"
		}
		return ce
	}
	if err := omise.DecodeObject(body, r.object, out); err != nil {
		return &omise.CallError{Endpoint: r.endpoint, Sent: true, Err: err}
	}
	result = "ok"
	return nil
}

// readBody reads a response body, at most maxResponseBytes and one more
// byte. A body of a stated length is read into one buffer of that size
// rather than one grown (and copied) step by step from 512 bytes.
func readBody(resp *http.Response) ([]byte, error) {
	r := io.LimitReader(resp.Body, maxResponseBytes+1)
	if n := resp.ContentLength; n > 0 && n <= maxResponseBytes {
		buf := bytes.NewBuffer(make([]byte, 0, n+bytes.MinRead))
		_, err := buf.ReadFrom(r)
		return buf.Bytes(), err
	}
	return io.ReadAll(r)
}

// newRequest builds the HTTP request with auth and the headers Omise expects.
func (c *Client) newRequest(ctx context.Context, r request) (*http.Request, error) {
	target := c.base + r.path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	var body io.Reader
	if r.method == http.MethodPost {
		body = strings.NewReader(r.form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target, body)
	if err != nil {
		return nil, errors.New("omise: " + r.endpoint + ": cannot build request")
	}
	auth := c.secretAuth
	if r.public {
		auth = c.publicAuth
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Omise-Version", c.version)
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")
	if r.method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return req, nil
}

// isTimeout tells a deadline (ours or the caller's) or a network timeout
// from other transport failures.
func isTimeout(ctx context.Context, err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// statusResult is the Observe result for a non-200 status.
func statusResult(status int) string {
	switch {
	case status == http.StatusTooManyRequests:
		return "429"
	case status >= 500:
		return "5xx"
	default:
		return "4xx"
	}
}

// decodeError turns a non-200 response into *Error.
func decodeError(status int, body []byte) *omise.Error {
	var o struct {
		Object   string `json:"object"`
		Location string `json:"location"`
		Code     string `json:"code"`
		Message  string `json:"message"`
	}
	if json.Unmarshal(body, &o) == nil && o.Object == "error" && o.Code != "" {
		return &omise.Error{StatusCode: status, Code: o.Code, Message: o.Message, Location: o.Location}
	}
	msg := http.StatusText(status)
	if msg == "" {
		msg = "unexpected status"
	}
	return &omise.Error{
		StatusCode: status,
		Code:       "http_" + strconv.Itoa(status),
		Message:    "unexpected HTTP " + strconv.Itoa(status) + " (" + msg + ") from the Omise API",
	}
}
