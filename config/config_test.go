package config

import (
	"strings"
	"testing"
	"time"

	"instore/omise"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

const (
	hex32 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	hex16 = "000102030405060708090a0b0c0d0e0f"
)

func TestParseDefaultsIsDemo(t *testing.T) {
	c, err := Parse(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Addr: "127.0.0.1:8080", DBPath: "./instore.db", SecretKey: DemoSecretKey, PublicKey: DemoPublicKey,
		SourceType: omise.SourceBarcodeAlipay, SyncInterval: 15 * time.Second, TillTimeout: 90 * time.Second, SimWebhooks: true, Demo: true}
	if c.Addr != want.Addr || c.DBPath != want.DBPath || c.SecretKey != want.SecretKey || c.PublicKey != want.PublicKey ||
		c.SourceType != want.SourceType || c.SyncInterval != want.SyncInterval || c.TillTimeout != want.TillTimeout ||
		!c.SimWebhooks || !c.Demo || c.APIURL != "" || c.SessionKeys != nil || c.CookieSecure || c.MetricsAddr != "" {
		t.Fatalf("got %+v", c)
	}
	// The version that documents fees, so a missing fee is Omise's silence.
	if c.APIVersion != "2019-05-29" {
		t.Fatalf("APIVersion %q", c.APIVersion)
	}
	if c, err := Parse(env(map[string]string{"OMISE_API_VERSION": "2017-11-02"})); err != nil || c.APIVersion != "2017-11-02" {
		t.Fatalf("2017-11-02: %v %q", err, c.APIVersion)
	}
}

func TestParseValid(t *testing.T) {
	c, err := Parse(env(map[string]string{
		"INSTORE_ADDR": ":9000", "INSTORE_DB": "/tmp/x.db",
		"OMISE_SECRET_KEY": "skey_test_1", "OMISE_PUBLIC_KEY": "pkey_test_1",
		"OMISE_WEBHOOK_SECRET": "c2VjcmV0", "INSTORE_SESSION_KEYS": hex32 + "," + hex16,
		"INSTORE_SOURCE_TYPE": "alipayplus_upm", "INSTORE_SYNC_INTERVAL": "1m", "INSTORE_TILL_TIMEOUT": "2m",
		"INSTORE_COOKIE_SECURE": "1", "INSTORE_METRICS_ADDR": "127.0.0.1:9100", "OMISE_SIM_WEBHOOKS": "off",
		"INSTORE_TRUST_PROXY": "1",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Demo || c.APIURL != DefaultAPIURL || c.SecretKey != "skey_test_1" || c.WebhookSecret != "c2VjcmV0" ||
		len(c.SessionKeys) != 2 || len(c.SessionKeys[0]) != 32 || len(c.SessionKeys[1]) != 16 ||
		c.SourceType != omise.SourceAlipayPlusUPM || c.SyncInterval != time.Minute || c.TillTimeout != 2*time.Minute ||
		!c.CookieSecure || !c.TrustProxy || c.MetricsAddr != "127.0.0.1:9100" || c.SimWebhooks {
		t.Fatalf("got %+v", c)
	}
}

func TestParseErrorsNameTheVariable(t *testing.T) {
	keys := map[string]string{"OMISE_SECRET_KEY": "skey_test_1", "OMISE_PUBLIC_KEY": "pkey_test_1"}
	with := func(k, v string) map[string]string {
		m := map[string]string{k: v}
		for kk, vv := range keys {
			if _, ok := m[kk]; !ok {
				m[kk] = vv
			}
		}
		return m
	}
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"secret prefix", with("OMISE_SECRET_KEY", "pkey_x"), "OMISE_SECRET_KEY must start with skey_"},
		{"public prefix", with("OMISE_PUBLIC_KEY", "skey_x"), "OMISE_PUBLIC_KEY must start with pkey_"},
		{"secret without public", map[string]string{"OMISE_SECRET_KEY": "skey_x"}, "OMISE_PUBLIC_KEY must be set"},
		{"public without secret", map[string]string{"OMISE_PUBLIC_KEY": "pkey_x"}, "OMISE_PUBLIC_KEY is set but OMISE_SECRET_KEY is not"},
		{"api url in demo", map[string]string{"OMISE_API_URL": "http://x"}, "OMISE_API_URL is set but OMISE_SECRET_KEY"},
		{"api url relative", with("OMISE_API_URL", "/omise"), "OMISE_API_URL must be an absolute"},
		{"webhook secret", with("OMISE_WEBHOOK_SECRET", "not base64!"), "OMISE_WEBHOOK_SECRET must be base64"},
		{"api version", with("OMISE_API_VERSION", "2015-11-17"), "OMISE_API_VERSION must be 2019-05-29 or 2017-11-02"},
		{"addr", with("INSTORE_ADDR", "8080"), "INSTORE_ADDR must be host:port"},
		{"metrics addr", with("INSTORE_METRICS_ADDR", "nope"), "INSTORE_METRICS_ADDR must be host:port"},
		{"metrics same addr", with("INSTORE_METRICS_ADDR", "127.0.0.1:8080"), "INSTORE_METRICS_ADDR must differ"},
		{"source type", with("INSTORE_SOURCE_TYPE", "alipay"), "INSTORE_SOURCE_TYPE must be"},
		{"sync interval", with("INSTORE_SYNC_INTERVAL", "0s"), "INSTORE_SYNC_INTERVAL must be a positive duration"},
		{"sync interval text", with("INSTORE_SYNC_INTERVAL", "often"), "INSTORE_SYNC_INTERVAL must be a positive duration"},
		{"till timeout", with("INSTORE_TILL_TIMEOUT", "-1s"), "INSTORE_TILL_TIMEOUT must be a positive duration"},
		{"cookie secure", with("INSTORE_COOKIE_SECURE", "yes"), "INSTORE_COOKIE_SECURE must be 1 or 0"},
		{"trust proxy", with("INSTORE_TRUST_PROXY", "true"), "INSTORE_TRUST_PROXY must be 1 or 0"},
		{"sim webhooks", with("OMISE_SIM_WEBHOOKS", "1"), "OMISE_SIM_WEBHOOKS must be on or off"},
		{"session keys odd", with("INSTORE_SESSION_KEYS", hex32), "INSTORE_SESSION_KEYS must list hash,block key pairs"},
		{"session keys short", with("INSTORE_SESSION_KEYS", hex16+","+hex16), "INSTORE_SESSION_KEYS key 1 (hash key) must be 32 or 64 bytes"},
		{"session keys block", with("INSTORE_SESSION_KEYS", hex32+","+hex32[:10]), "INSTORE_SESSION_KEYS key 2 (block key)"},
		{"session keys garbage", with("INSTORE_SESSION_KEYS", hex32+",@@@"), "INSTORE_SESSION_KEYS key 2: is neither hex nor base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(env(tt.env))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParseReportsEveryError(t *testing.T) {
	_, err := Parse(env(map[string]string{"INSTORE_ADDR": "x", "INSTORE_TILL_TIMEOUT": "x"}))
	if err == nil || !strings.Contains(err.Error(), "INSTORE_ADDR") || !strings.Contains(err.Error(), "INSTORE_TILL_TIMEOUT") {
		t.Fatalf("err = %v", err)
	}
}

func TestSessionKeysRoundTrip(t *testing.T) {
	keys, err := ParseSessionKeys(hex32 + "," + hex16)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseSessionKeys(EncodeSessionKeys(keys))
	if err != nil || string(again[0]) != string(keys[0]) || string(again[1]) != string(keys[1]) {
		t.Fatalf("round trip: %v %v", again, err)
	}
}

// A postgres:// INSTORE_DB is taken with keys (the scheme lower-cased, as
// the db package recognises it) and refused in demo mode, whose embedded
// simulator cannot be the one Omise of several instances. The refusal is
// one line that points at `instore sim` and never echoes the password.
func TestParsePostgres(t *testing.T) {
	const u = "postgres://shop:s3cret@db.example:5432/instore?sslmode=verify-full"
	keys := map[string]string{"OMISE_SECRET_KEY": "skey_test_1", "OMISE_PUBLIC_KEY": "pkey_test_1", "OMISE_API_URL": "http://127.0.0.1:8090"}
	for in, want := range map[string]string{
		u: u,
		"POSTGRESQL://shop@db.example/instore?sslmode=require": "postgresql://shop@db.example/instore?sslmode=require",
		"Postgres://db.example/instore":                        "postgres://db.example/instore",
	} {
		e := map[string]string{"INSTORE_DB": in}
		for k, v := range keys {
			e[k] = v
		}
		c, err := Parse(env(e))
		if err != nil || c.DBPath != want || c.Demo {
			t.Errorf("%s: got %q demo=%v err=%v, want %q", in, c.DBPath, c.Demo, err, want)
		}
	}
	for _, in := range []string{u, "POSTGRESQL://db.example/instore"} {
		_, err := Parse(env(map[string]string{"INSTORE_DB": in}))
		if err == nil {
			t.Fatalf("%s: demo mode took a PostgreSQL database", in)
		}
		msg := err.Error()
		for _, w := range []string{"demo mode cannot serve several instances", "instore sim", "OMISE_API_URL"} {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: %q lacks %q", in, msg, w)
			}
		}
		if strings.Contains(msg, "\n") || strings.Contains(msg, "s3cret") {
			t.Errorf("want one line without the URL: %q", msg)
		}
	}
}

// The admin commands start no simulator: they take a PostgreSQL database
// without Omise keys, while the server still refuses it in demo mode.
func TestParseCommandTakesPostgresWithoutKeys(t *testing.T) {
	e := env(map[string]string{"INSTORE_DB": "POSTGRES://shop@db.example/instore"})
	c, err := ParseCommand(e)
	if err != nil || c.DBPath != "postgres://shop@db.example/instore" {
		t.Fatalf("got %q, %v", c.DBPath, err)
	}
	if _, err := Parse(e); err == nil {
		t.Fatal("the server took a PostgreSQL database in demo mode")
	}
	if _, err := ParseCommand(env(map[string]string{"INSTORE_SYNC_INTERVAL": "5"})); err == nil {
		t.Fatal("ParseCommand skipped the other checks")
	}
}
