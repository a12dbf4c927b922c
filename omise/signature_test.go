package omise_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"instore/omise"
)

var (
	testSecret    = base64.StdEncoding.EncodeToString([]byte("whsec-test-0123456789abcdef"))
	rolledSecret  = base64.StdEncoding.EncodeToString([]byte("whsec-rolled-fedcba9876543210"))
	testEventBody = []byte(`{"object":"event","id":"evnt_test_5xyz","key":"charge.complete","created_at":"2026-03-01T08:00:00Z","data":{"object":"charge","id":"chrg_test_5abc","status":"successful"}}`)
)

func mustSign(t testing.TB, secret string, ts time.Time, body []byte) string {
	t.Helper()
	sig, err := omise.Sign(secret, ts, body)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func TestVerifySignature(t *testing.T) {
	now := time.Unix(1767225600, 0) // 2026-01-01T00:00:00Z
	ts := strconv.FormatInt(now.Unix(), 10)
	good := mustSign(t, testSecret, now, testEventBody)
	other := mustSign(t, rolledSecret, now, testEventBody)
	tampered := append([]byte(nil), testEventBody...)
	tampered[len(tampered)-3] = 'X'

	tests := []struct {
		name   string
		secret string
		sig    string
		ts     string
		body   []byte
		now    time.Time
		want   error
	}{
		{"valid", testSecret, good, ts, testEventBody, now, nil},
		{"valid with spaces and upper-case hex", testSecret, " " + strings.ToUpper(good) + " ", " " + ts, testEventBody, now, nil},
		{"rotation: new first", testSecret, good + "," + other, ts, testEventBody, now, nil},
		{"rotation: new second", testSecret, other + ", " + good, ts, testEventBody, now, nil},
		{"rotation: verifier already has the rolled secret", rolledSecret, good + "," + other, ts, testEventBody, now, nil},
		{"4m59s old", testSecret, good, ts, testEventBody, now.Add(4*time.Minute + 59*time.Second), nil},
		{"exactly 5m old", testSecret, good, ts, testEventBody, now.Add(5 * time.Minute), nil},
		{"5m1s old", testSecret, good, ts, testEventBody, now.Add(5*time.Minute + time.Second), omise.ErrSignatureStale},
		{"5m1s in the future", testSecret, good, ts, testEventBody, now.Add(-5*time.Minute - time.Second), omise.ErrSignatureStale},
		{"missing signature", testSecret, "", ts, testEventBody, now, omise.ErrSignatureMissing},
		{"missing timestamp", testSecret, good, "  ", testEventBody, now, omise.ErrSignatureMissing},
		{"wrong secret", rolledSecret, good, ts, testEventBody, now, omise.ErrSignatureMismatch},
		{"tampered body", testSecret, good, ts, tampered, now, omise.ErrSignatureMismatch},
		{"timestamp replaced", testSecret, good, strconv.FormatInt(now.Unix()+1, 10), testEventBody, now, omise.ErrSignatureMismatch},
		{"timestamp not a number", testSecret, good, "2026-01-01T00:00:00Z", testEventBody, now, omise.ErrSignatureMismatch},
		{"not hex", testSecret, "zz" + good[2:], ts, testEventBody, now, omise.ErrSignatureMismatch},
		{"truncated signature", testSecret, good[:32], ts, testEventBody, now, omise.ErrSignatureMismatch},
		{"only commas", testSecret, ",,", ts, testEventBody, now, omise.ErrSignatureMismatch},
		{"too many signatures", testSecret, strings.Repeat(other+",", 8) + good, ts, testEventBody, now, omise.ErrSignatureMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := omise.VerifySignature(tt.secret, tt.sig, tt.ts, tt.body, tt.now)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifySignatureBadSecret(t *testing.T) {
	now := time.Unix(1767225600, 0)
	for _, secret := range []string{"", "   ", "not base64!", "@@@@"} {
		err := omise.VerifySignature(secret, "00", "1767225600", testEventBody, now)
		if err == nil {
			t.Errorf("secret %q: want error", secret)
			continue
		}
		for _, sentinel := range []error{omise.ErrSignatureMissing, omise.ErrSignatureMismatch, omise.ErrSignatureStale} {
			if errors.Is(err, sentinel) {
				t.Errorf("secret %q: a bad secret is a configuration error, not %v", secret, sentinel)
			}
		}
		if _, err := omise.Sign(secret, now, testEventBody); err == nil {
			t.Errorf("Sign with secret %q: want error", secret)
		}
	}
}

func TestSignKnownVector(t *testing.T) {
	// Computed independently: printf '1767225600.{}' | openssl dgst -sha256 -hmac 'key'
	secret := base64.StdEncoding.EncodeToString([]byte("key"))
	got := mustSign(t, secret, time.Unix(1767225600, 0), []byte("{}"))
	const want = "df344de429b8ee672e1863e0008fdbd0080000536fbccdf0e4f89846acbbe872"
	if len(got) != 64 {
		t.Fatalf("signature %q is not 32 bytes of hex", got)
	}
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
	// Unpadded base64, as some dashboards display it, decodes to the same key.
	raw := strings.TrimRight(secret, "=")
	if got2 := mustSign(t, raw, time.Unix(1767225600, 0), []byte("{}")); got2 != got {
		t.Errorf("unpadded secret signs differently: %s", got2)
	}
}

func FuzzVerifySignature(f *testing.F) {
	f.Add([]byte("whsec-test"), testEventBody, int64(1767225600), "00ff", "1767225600")
	f.Add([]byte{0}, []byte{}, int64(0), "", "")
	f.Add([]byte("k"), []byte("{}"), int64(-1), ",,,", "-5")
	f.Add([]byte("k"), []byte("{}"), int64(1<<62), "zz,"+strings.Repeat("a", 64), "99999999999999999999")
	f.Fuzz(func(t *testing.T, key, body []byte, unix int64, sigHeader, tsHeader string) {
		now := time.Unix(1767225600, 0)
		if len(key) == 0 {
			key = []byte{1}
		}
		secret := base64.StdEncoding.EncodeToString(key)
		// Arbitrary headers must never panic, and pass only when they carry
		// the real HMAC of the timestamp as sent.
		if err := omise.VerifySignature(secret, sigHeader, tsHeader, body, now); err == nil {
			h := hmac.New(sha256.New, key)
			h.Write([]byte(strings.TrimSpace(tsHeader) + "."))
			h.Write(body)
			if !strings.Contains(strings.ToLower(sigHeader), hex.EncodeToString(h.Sum(nil))) {
				t.Fatalf("verified without the real signature: %q %q", sigHeader, tsHeader)
			}
		}
		// Sign then Verify at the same instant always succeeds.
		ts := time.Unix(unix, 0)
		sig, err := omise.Sign(secret, ts, body)
		if err != nil {
			t.Fatalf("Sign: %v", err)
		}
		tsh := strconv.FormatInt(unix, 10)
		err = omise.VerifySignature(secret, sig, tsh, body, ts)
		if unix >= 0 && err != nil {
			t.Fatalf("round trip failed: %v", err)
		}
		if unix < 0 && err == nil {
			t.Fatal("negative timestamps must be rejected")
		}
	})
}

func BenchmarkVerifySignature(b *testing.B) {
	now := time.Unix(1767225600, 0)
	body := []byte(strings.Repeat(" ", 3000) + string(testEventBody)) // a typical 3 KB event
	sig := mustSign(b, testSecret, now, body)
	other := mustSign(b, rolledSecret, now, body)
	ts := strconv.FormatInt(now.Unix(), 10)
	header := other + "," + sig
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := omise.VerifySignature(testSecret, header, ts, body, now); err != nil {
			b.Fatal(err)
		}
	}
}
