// Package config reads the environment once, at start, into a typed Config.
// Every error names the variable at fault so an operator knows what to fix.
package config

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"instore/payments"
)

// Demo keys used with the embedded simulator when no Omise keys are set.
const (
	DemoSecretKey = "skey_test_demo"
	DemoPublicKey = "pkey_test_demo"
)

// DefaultAPIURL is the real Omise API.
const DefaultAPIURL = "https://api.omise.co"

// Config is every setting the binary takes from its environment.
type Config struct {
	Addr          string        // INSTORE_ADDR: listen address
	DBPath        string        // INSTORE_DB: SQLite file, or a postgres:// URL (its scheme in lower case)
	SecretKey     string        // OMISE_SECRET_KEY (demo: DemoSecretKey)
	PublicKey     string        // OMISE_PUBLIC_KEY (demo: DemoPublicKey)
	APIURL        string        // OMISE_API_URL; empty in demo mode until main knows the bound address
	APIVersion    string        // OMISE_API_VERSION: Omise-Version sent on every call
	WebhookSecret string        // OMISE_WEBHOOK_SECRET, base64 text as the dashboard shows it; "" = not checked
	SessionKeys   [][]byte      // INSTORE_SESSION_KEYS as hash/block pairs; nil = generate and store in the DB
	SourceType    string        // INSTORE_SOURCE_TYPE: the payment method new stores get (a payments method id)
	SyncInterval  time.Duration // INSTORE_SYNC_INTERVAL
	TillTimeout   time.Duration // INSTORE_TILL_TIMEOUT
	CookieSecure  bool          // INSTORE_COOKIE_SECURE
	TrustProxy    bool          // INSTORE_TRUST_PROXY: take the client IP from X-Forwarded-For sent by a private-network proxy
	MetricsAddr   string        // INSTORE_METRICS_ADDR; "" = no metrics listener
	SimWebhooks   bool          // OMISE_SIM_WEBHOOKS: demo simulator delivers webhooks
	Demo          bool          // no OMISE_SECRET_KEY: embedded simulator with demo keys

	// EventRetention is INSTORE_EVENT_RETENTION: stored webhook bodies
	// older than this are emptied (event records stay for the refund window).
	EventRetention time.Duration
}

// Omise-Version values OMISE_API_VERSION accepts.
const (
	APIVersion2017 = "2017-11-02"
	APIVersion2019 = "2019-05-29"
)

// Parse reads and validates the configuration. getenv is os.Getenv in
// production and a map lookup in tests.
func Parse(getenv func(string) string) (Config, error) {
	return parse(getenv, true)
}

// ParseCommand is Parse for the admin commands (user, terminal, group,
// backup): they start no simulator, so a PostgreSQL INSTORE_DB is taken
// without Omise keys. An operator adding a user from a shell that lacks
// the instances' keys would otherwise be told about demo mode.
func ParseCommand(getenv func(string) string) (Config, error) {
	return parse(getenv, false)
}

func parse(getenv func(string) string, server bool) (Config, error) {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	c := Config{
		Addr:       or(get("INSTORE_ADDR"), "127.0.0.1:8080"),
		DBPath:     or(get("INSTORE_DB"), "./instore.db"),
		SourceType: or(get("INSTORE_SOURCE_TYPE"), payments.DefaultMethod().ID),
	}
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(checkAddr("INSTORE_ADDR", c.Addr))
	add(c.parseKeys(get))
	add(c.checkDatabase(server))
	add(c.parseWebhookSecret(get("OMISE_WEBHOOK_SECRET")))
	// 2019-05-29 by default: it documents fee, fee_vat and net, which the
	// books need; 2017-11-02 (the product spec's) stays selectable.
	c.APIVersion = or(get("OMISE_API_VERSION"), APIVersion2019)
	if c.APIVersion != APIVersion2017 && c.APIVersion != APIVersion2019 {
		add(fmt.Errorf("OMISE_API_VERSION must be %s or %s, not %q", APIVersion2019, APIVersion2017, c.APIVersion))
	}
	if v := get("INSTORE_SESSION_KEYS"); v != "" {
		keys, err := ParseSessionKeys(v)
		if err != nil {
			add(fmt.Errorf("INSTORE_SESSION_KEYS %w", err))
		}
		c.SessionKeys = keys
	}
	if !payments.ValidMethod(c.SourceType) {
		add(fmt.Errorf("INSTORE_SOURCE_TYPE must be one of %s, not %q", strings.Join(payments.MethodIDs(), ", "), c.SourceType))
	}
	var err error
	c.SyncInterval, err = duration("INSTORE_SYNC_INTERVAL", get("INSTORE_SYNC_INTERVAL"), 15*time.Second)
	add(err)
	c.TillTimeout, err = duration("INSTORE_TILL_TIMEOUT", get("INSTORE_TILL_TIMEOUT"), 90*time.Second)
	add(err)
	c.EventRetention, err = days("INSTORE_EVENT_RETENTION", get("INSTORE_EVENT_RETENTION"), 90*24*time.Hour)
	add(err)
	c.CookieSecure, err = flag("INSTORE_COOKIE_SECURE", get("INSTORE_COOKIE_SECURE"), "1", "0", false)
	add(err)
	c.TrustProxy, err = flag("INSTORE_TRUST_PROXY", get("INSTORE_TRUST_PROXY"), "1", "0", false)
	add(err)
	c.SimWebhooks, err = flag("OMISE_SIM_WEBHOOKS", get("OMISE_SIM_WEBHOOKS"), "on", "off", true)
	add(err)
	if c.MetricsAddr = get("INSTORE_METRICS_ADDR"); c.MetricsAddr != "" {
		add(checkAddr("INSTORE_METRICS_ADDR", c.MetricsAddr))
		if _, port, _ := net.SplitHostPort(c.MetricsAddr); c.MetricsAddr == c.Addr && port != "0" {
			add(errors.New("INSTORE_METRICS_ADDR must differ from INSTORE_ADDR: metrics are for an internal listener"))
		}
	}
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	return c, nil
}

func (c *Config) parseKeys(get func(string) string) error {
	c.SecretKey, c.PublicKey = get("OMISE_SECRET_KEY"), get("OMISE_PUBLIC_KEY")
	api := get("OMISE_API_URL")
	if c.SecretKey == "" {
		switch {
		case c.PublicKey != "":
			return errors.New("OMISE_PUBLIC_KEY is set but OMISE_SECRET_KEY is not: set both, or neither for demo mode")
		case api != "":
			return errors.New("OMISE_API_URL is set but OMISE_SECRET_KEY is not: set the keys too, or unset it for demo mode")
		}
		c.Demo = true
		c.SecretKey, c.PublicKey = DemoSecretKey, DemoPublicKey
		return nil
	}
	var errs []error
	if !strings.HasPrefix(c.SecretKey, "skey_") {
		errs = append(errs, errors.New("OMISE_SECRET_KEY must start with skey_"))
	}
	switch {
	case c.PublicKey == "":
		errs = append(errs, errors.New("OMISE_PUBLIC_KEY must be set when OMISE_SECRET_KEY is (sources are created with the public key)"))
	case !strings.HasPrefix(c.PublicKey, "pkey_"):
		errs = append(errs, errors.New("OMISE_PUBLIC_KEY must start with pkey_"))
	}
	c.APIURL = or(api, DefaultAPIURL)
	u, err := url.Parse(c.APIURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("OMISE_API_URL must be an absolute http(s) URL, not %q", c.APIURL))
	}
	return errors.Join(errs...)
}

// IsPostgresURL reports whether INSTORE_DB names a PostgreSQL database
// rather than a SQLite file.
func IsPostgresURL(v string) bool {
	v = strings.ToLower(v)
	return strings.HasPrefix(v, "postgres://") || strings.HasPrefix(v, "postgresql://")
}

// checkDatabase refuses a PostgreSQL INSTORE_DB to a server in demo mode:
// a shared database means several instances, and demo mode's simulator
// lives inside one of them, so each instance would see an Omise of its own.
// Otherwise the URL is kept, its scheme lower-cased (the db package
// recognises it so). The URL is never echoed (it may hold a password).
func (c *Config) checkDatabase(server bool) error {
	if !IsPostgresURL(c.DBPath) {
		return nil
	}
	if c.Demo && server {
		return errors.New("INSTORE_DB is a PostgreSQL URL, but demo mode cannot serve several instances (its Omise simulator lives inside one): start `instore sim` and set OMISE_API_URL, OMISE_PUBLIC_KEY and OMISE_SECRET_KEY to what it prints")
	}
	scheme, rest, _ := strings.Cut(c.DBPath, "://")
	c.DBPath = strings.ToLower(scheme) + "://" + rest
	return nil
}

func (c *Config) parseWebhookSecret(v string) error {
	if v == "" {
		return nil
	}
	if _, err := base64.StdEncoding.DecodeString(v); err != nil {
		return errors.New("OMISE_WEBHOOK_SECRET must be base64, as the Omise dashboard shows it")
	}
	c.WebhookSecret = v
	return nil
}

// ParseSessionKeys decodes comma-separated keys (hex or base64) into
// securecookie hash/block pairs: hash keys of 32 or 64 bytes, block (AES)
// keys of 16, 24 or 32 bytes. Listing older pairs after the first lets keys
// rotate without logging everyone out.
func ParseSessionKeys(v string) ([][]byte, error) {
	parts := strings.Split(v, ",")
	if len(parts)%2 != 0 {
		return nil, errors.New("must list hash,block key pairs (an even number of keys)")
	}
	keys := make([][]byte, 0, len(parts))
	for i, p := range parts {
		k, err := decodeKey(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i+1, err)
		}
		if i%2 == 0 && len(k) != 32 && len(k) != 64 {
			return nil, fmt.Errorf("key %d (hash key) must be 32 or 64 bytes, got %d", i+1, len(k))
		}
		if i%2 == 1 && len(k) != 16 && len(k) != 24 && len(k) != 32 {
			return nil, fmt.Errorf("key %d (block key) must be 16, 24 or 32 bytes, got %d", i+1, len(k))
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// EncodeSessionKeys is the inverse of ParseSessionKeys, used to store
// generated keys.
func EncodeSessionKeys(keys [][]byte) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = base64.StdEncoding.EncodeToString(k)
	}
	return strings.Join(parts, ",")
}

// decodeKey prefers hex (what `openssl rand -hex 32` prints) and falls back
// to standard or URL-safe base64.
func decodeKey(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("is empty")
	}
	if b, err := hex.DecodeString(s); err == nil {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("is neither hex nor base64")
}

func checkAddr(name, v string) error {
	if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
		return fmt.Errorf("%s must be host:port (e.g. 127.0.0.1:8080), not %q", name, v)
	}
	return nil
}

func duration(name, v string, def time.Duration) (time.Duration, error) {
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s must be a positive duration such as 15s or 2m, not %q", name, v)
	}
	return d, nil
}

// days is duration that also takes whole days ("90d"), the natural unit
// of a retention period; at least an hour.
func days(name, v string, def time.Duration) (time.Duration, error) {
	if v == "" {
		return def, nil
	}
	if n, ok := strings.CutSuffix(v, "d"); ok {
		if d, err := strconv.Atoi(n); err == nil && d > 0 && d <= 100*365 {
			return time.Duration(d) * 24 * time.Hour, nil
		}
	} else if d, err := time.ParseDuration(v); err == nil && d >= time.Hour {
		return d, nil
	}
	return 0, fmt.Errorf("%s must be a number of days such as 90d, or a duration of at least 1h such as 720h, not %q", name, v)
}

func flag(name, v, on, off string, def bool) (bool, error) {
	switch v {
	case "":
		return def, nil
	case on:
		return true, nil
	case off:
		return false, nil
	}
	return false, fmt.Errorf("%s must be %s or %s, not %q", name, on, off, v)
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
