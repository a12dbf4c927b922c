package omise

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Webhook signature headers Omise sends with each delivery.
const (
	HeaderSignature          = "Omise-Signature"
	HeaderSignatureTimestamp = "Omise-Signature-Timestamp"
)

// SignatureTolerance is how far a webhook timestamp may be from now, either
// way, before it counts as a replay.
const SignatureTolerance = 5 * time.Minute

// maxSignatures bounds how many comma-separated signatures one header may
// carry; Omise sends two at most, during a secret rotation.
const maxSignatures = 8

// Webhook verification failures. Callers answer all of them the same way
// (reject the delivery), but logs and metrics tell them apart.
var (
	ErrSignatureMissing  = errors.New("omise: webhook signature or timestamp header missing")
	ErrSignatureMismatch = errors.New("omise: webhook signature does not match")
	ErrSignatureStale    = errors.New("omise: webhook signature timestamp outside the tolerance")
)

// VerifySignature checks a webhook delivery: signatureHeader holds one or two
// comma-separated hex HMAC-SHA256 values of timestampHeader + "." + body,
// keyed with the base64-decoded secret. Any matching value is accepted, so
// deliveries keep working while a secret is rolled. The timestamp (Unix
// seconds) must be within SignatureTolerance of now.
func VerifySignature(secretBase64, signatureHeader, timestampHeader string, body []byte, now time.Time) error {
	key, err := decodeSecret(secretBase64)
	if err != nil {
		return err
	}
	sigs := strings.TrimSpace(signatureHeader)
	ts := strings.TrimSpace(timestampHeader)
	if sigs == "" || ts == "" {
		return ErrSignatureMissing
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || unix < 0 {
		return errors.Join(ErrSignatureMismatch, errors.New("omise: webhook timestamp is not Unix seconds"))
	}
	want := mac(key, ts, body)
	parts := strings.Split(sigs, ",")
	if len(parts) > maxSignatures {
		return ErrSignatureMismatch
	}
	matched := false
	for _, p := range parts {
		got, err := hex.DecodeString(strings.TrimSpace(p))
		if err != nil {
			continue
		}
		// Every candidate is compared, so timing does not reveal which matched.
		if hmac.Equal(got, want) {
			matched = true
		}
	}
	if !matched {
		return ErrSignatureMismatch
	}
	// time.Time.Sub saturates, so absurd timestamps cannot overflow the check.
	skew := now.Sub(time.Unix(unix, 0))
	if skew > SignatureTolerance || skew < -SignatureTolerance {
		return ErrSignatureStale
	}
	return nil
}

// Sign returns the hex signature Omise would send for body at ts; the
// matching timestamp header is strconv.FormatInt(ts.Unix(), 10). The
// simulator, tests and load tools use it.
func Sign(secretBase64 string, ts time.Time, body []byte) (string, error) {
	key, err := decodeSecret(secretBase64)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(mac(key, strconv.FormatInt(ts.Unix(), 10), body)), nil
}

// decodeSecret decodes the dashboard's base64 webhook secret, padded or not.
func decodeSecret(secretBase64 string) ([]byte, error) {
	s := strings.TrimSpace(secretBase64)
	if s == "" {
		return nil, errors.New("omise: webhook secret is empty")
	}
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		key, err = base64.RawStdEncoding.DecodeString(s)
	}
	if err != nil || len(key) == 0 {
		return nil, errors.New("omise: webhook secret is not valid base64")
	}
	return key, nil
}

// mac computes HMAC-SHA256(key, ts + "." + body).
func mac(key []byte, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}
