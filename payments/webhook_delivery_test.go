package payments

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"testing"
	"time"

	"instore/db"
	"instore/omise"
	"instore/omise/sim"
)

// A delivery with a wrong, stale or missing signature, or a body that is
// not an event, is refused before anything is stored or asked of Omise;
// a signed one is applied and named in the outcome.
func TestAcceptWebhookChecksBeforeAnythingIsStored(t *testing.T) {
	t.Parallel()
	e := newCoreEnv(t, sim.Options{})
	ctx := context.Background()
	secret := base64.StdEncoding.EncodeToString([]byte("webhook-test-secret"))
	oc := e.createCharge(t, 5000, nil)
	real := latestEventFor(t, e, oc.ID, "charge.create")
	raw, _ := eventBody(t, real.ID, "charge.create", map[string]any{"object": "charge", "id": oc.ID})
	now := time.Now()
	signed := func(body []byte, at time.Time) Delivery {
		sig, err := omise.Sign(secret, at, body)
		if err != nil {
			t.Fatal(err)
		}
		return Delivery{Body: body, Signature: sig, Timestamp: strconv.FormatInt(at.Unix(), 10)}
	}
	forged := signed(raw, now)
	first := "0"
	if forged.Signature[0] == '0' {
		first = "1"
	}
	forged.Signature = first + forged.Signature[1:]
	refused := []struct {
		name   string
		secret string
		d      Delivery
		want   error
	}{
		{"forged", secret, forged, ErrWebhookSignature},
		{"stale", secret, signed(raw, now.Add(-time.Hour)), ErrWebhookSignature},
		{"unsigned while a secret is set", secret, Delivery{Body: raw}, ErrWebhookSignature},
		{"not an event", secret, signed([]byte(`{"object":"charge","id":"chrg_1"}`), now), ErrNotAnEvent},
		{"not JSON, unsigned", "", Delivery{Body: []byte(`<html>`)}, ErrNotAnEvent},
	}
	for _, tt := range refused {
		if _, err := e.svc.AcceptWebhook(ctx, tt.secret, tt.d, now); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	if _, err := e.svc.DB.GetEvent(ctx, real.ID); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("a refused delivery was stored: %v", err)
	}
	out, err := e.svc.AcceptWebhook(ctx, secret, signed(raw, now), now)
	if err != nil || out.EventID != real.ID {
		t.Fatalf("signed delivery: %+v %v", out, err)
	}
	if stored, err := e.svc.DB.GetEvent(ctx, real.ID); err != nil || stored.Signature != "valid" {
		t.Fatalf("signed delivery stored as %+v, %v", stored, err)
	}
}
