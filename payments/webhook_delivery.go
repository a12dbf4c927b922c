package payments

import (
	"context"
	"errors"
	"fmt"
	"time"

	"instore/omise"
)

// Delivery is one POST to the webhook endpoint as it arrived: the raw body
// and the two signature headers Omise sends beside it.
type Delivery struct {
	Body      []byte
	Signature string // the SignatureHeader header
	Timestamp string // the SignatureTimestampHeader header
}

// The headers a delivery's signature travels in.
const (
	SignatureHeader          = omise.HeaderSignature
	SignatureTimestampHeader = omise.HeaderSignatureTimestamp
)

// Refused deliveries: nothing is stored and nothing is asked of Omise.
var (
	// ErrWebhookSignature: a secret is configured and the delivery's
	// signature is missing, does not match, or is too old or too new.
	ErrWebhookSignature = errors.New("payments: webhook signature refused")
	// ErrNotAnEvent: the body is not an Omise event of a plausible shape.
	ErrNotAnEvent = errors.New("payments: webhook body is not an Omise event")
)

// AcceptWebhook checks a delivery and then applies it (ReceiveWebhook).
// With a secret, the signature must match within the tolerance of now;
// without one, the delivery is unsigned and trusted only as far as Omise
// confirms it. A refusal wraps ErrWebhookSignature (with the reason, for
// logs) or ErrNotAnEvent and changes nothing. The outcome names the event
// whenever the body was one.
func (s *Service) AcceptWebhook(ctx context.Context, secret string, d Delivery, now time.Time) (WebhookOutcome, error) {
	signature := "unsigned"
	if secret != "" {
		if err := omise.VerifySignature(secret, d.Signature, d.Timestamp, d.Body, now); err != nil {
			return WebhookOutcome{}, fmt.Errorf("%w: %w", ErrWebhookSignature, err)
		}
		signature = "valid"
	}
	ev, err := omise.DecodeEvent(d.Body)
	if err != nil || !plausibleEvent(ev) {
		return WebhookOutcome{}, ErrNotAnEvent
	}
	out, err := s.ReceiveWebhook(ctx, d.Body, ev, signature)
	if out.EventID == "" {
		out.EventID = ev.ID
	}
	return out, err
}
