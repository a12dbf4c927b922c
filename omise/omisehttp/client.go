// Package omisehttp calls the Omise API over HTTPS: one Client with the
// keys, the Omise-Version header, timeouts and no retries, answering with
// the objects and errors of package omise.
package omisehttp

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"time"

	"instore/omise"
)

// DefaultBaseURL is the Omise API host for sources, charges, refunds and events.
const DefaultBaseURL = "https://api.omise.co"

// DefaultTimeout bounds one call when Config.Timeout is zero. Omise answers
// in well under a second; 15s leaves room for a slow network without
// leaving a cashier staring at a spinner for minutes.
const DefaultTimeout = 15 * time.Second

// maxResponseBytes bounds how much of a response body the client reads, so a
// misbehaving server or proxy cannot make us buffer without limit.
const maxResponseBytes = 4 << 20

// Config configures a Client. Only the keys are required.
type Config struct {
	// BaseURL is the API root without a trailing slash. A path prefix works
	// (for example the embedded simulator at http://127.0.0.1:8080/sim/omise).
	// Default DefaultBaseURL.
	BaseURL string
	// PublicKey (pkey_...) is used only for POST /sources.
	PublicKey string
	// SecretKey (skey_...) is used for everything else.
	SecretKey string
	// Version is sent as Omise-Version on every call. Default DefaultVersion.
	Version string
	// Timeout bounds each call; a sooner deadline on the caller's ctx wins.
	// Default DefaultTimeout.
	Timeout time.Duration
	// HTTPClient sends the requests. Default: a client of our own with a
	// pooled Transport, so nothing else in the process shares its settings.
	HTTPClient *http.Client
	// UserAgent is sent on every call. Default "Instore/1 Go/<go version>".
	UserAgent string
	// Observe, when set, is called once per call with the endpoint pattern
	// (like "POST /charges" or "GET /charges/:id"), the result ("ok", "4xx",
	// "5xx", "429", "timeout" or "network") and the call's duration. It is
	// meant for metrics; it receives no ids, keys or bodies.
	Observe func(endpoint, result string, d time.Duration)
}

// Client calls the Omise API. It is safe for concurrent use.
type Client struct {
	base      string
	publicKey string
	secretKey string
	version   string
	timeout   time.Duration
	http      *http.Client
	userAgent string
	observe   func(endpoint, result string, d time.Duration)

	// The Authorization header values of the two keys, as
	// http.Request.SetBasicAuth writes them, made once.
	secretAuth, publicAuth string
}

// New checks cfg, fills in defaults and returns a Client. Errors name the
// offending setting but never repeat a key's value.
func New(cfg Config) (*Client, error) {
	if !strings.HasPrefix(cfg.SecretKey, "skey_") {
		return nil, errors.New(`omise: SecretKey must start with "skey_"`)
	}
	if !strings.HasPrefix(cfg.PublicKey, "pkey_") {
		return nil, errors.New(`omise: PublicKey must start with "pkey_"`)
	}
	base, err := cleanBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	c := &Client{
		base:      base,
		publicKey: cfg.PublicKey,
		secretKey: cfg.SecretKey,
		version:   cfg.Version,
		timeout:   cfg.Timeout,
		http:      cfg.HTTPClient,
		userAgent: cfg.UserAgent,
		observe:   cfg.Observe,
	}
	if c.version == "" {
		c.version = omise.DefaultVersion
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.http == nil {
		c.http = newHTTPClient()
	}
	if c.userAgent == "" {
		c.userAgent = "Instore/1 Go/" + runtime.Version()
	}
	c.secretAuth, c.publicAuth = basicAuth(c.secretKey), basicAuth(c.publicKey)
	return c, nil
}

// cleanBaseURL checks that raw is an absolute http(s) URL without
// credentials, query or fragment, and drops trailing slashes so paths can be
// appended verbatim.
func cleanBaseURL(raw string) (string, error) {
	if raw == "" {
		return DefaultBaseURL, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("omise: BaseURL is not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", errors.New("omise: BaseURL must be an absolute http or https URL")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", errors.New("omise: BaseURL must not carry credentials, a query or a fragment")
	}
	return strings.TrimRight(raw, "/"), nil
}

// newHTTPClient builds the default client. Redirects are not followed: the
// API never redirects, and following one could replay a POST elsewhere.
func newHTTPClient() *http.Client {
	t, ok := http.DefaultTransport.(*http.Transport)
	var tr *http.Transport
	if ok {
		tr = t.Clone()
	} else {
		tr = &http.Transport{Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true}
	}
	tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.MaxIdleConns = 128
	tr.MaxIdleConnsPerHost = 64
	tr.IdleConnTimeout = 90 * time.Second
	tr.TLSHandshakeTimeout = 10 * time.Second
	tr.ExpectContinueTimeout = time.Second
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// String describes the client without its keys, so a Client that ends up
// in a log line leaks nothing.
func (c *Client) String() string {
	return fmt.Sprintf("omisehttp.Client{base=%s version=%s}", c.base, c.version)
}

// basicAuth is the Authorization header value for key as the user name and
// an empty password, Omise's scheme.
func basicAuth(key string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(key+":"))
}
