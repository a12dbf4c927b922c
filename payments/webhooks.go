package payments

import (
	"context"
	"errors"
	"fmt"

	"instore/db"
	"instore/omise"
)

// WebhookOutcome is what receiving one webhook delivery did.
type WebhookOutcome struct {
	EventID   string
	Result    string // one of db.Event* results, or "duplicate"
	ChargeID  string
	Changed   bool
	Retryable bool // Omise could not be asked: answer 503 so Omise retries
}

// ErrOmiseUnavailable means Omise could not be asked; the event stays stored
// and is processed again by the syncer or by Omise's own retry.
var ErrOmiseUnavailable = errors.New("payments: omise unavailable")

// ReceiveWebhook stores a delivered event (unique on its id) and applies it.
// The body is never trusted: the event is read back from Omise, and the
// charge it names is read from Omise too, then applied under the state
// rules. A delivery of an event already processed is a no-op.
func (s *Service) ReceiveWebhook(ctx context.Context, raw []byte, ev *omise.Event, signature string) (WebhookOutcome, error) {
	stored, isNew, err := s.DB.InsertEvent(ctx, &db.OmiseEvent{
		ID: ev.ID, Key: ev.Key, ChargeID: ev.ChargeID(), Signature: signature, Raw: raw, ReceivedAt: s.now(),
	})
	if err != nil {
		return WebhookOutcome{EventID: ev.ID, Result: db.EventError, Retryable: true}, fmt.Errorf("store event: %w", err)
	}
	if !isNew && stored.Done() {
		return WebhookOutcome{EventID: ev.ID, Result: "duplicate", ChargeID: stored.ChargeID}, nil
	}
	return s.ProcessEvent(ctx, ev.ID)
}

// ProcessEvent applies a stored event by asking Omise what it says. It is
// used for new deliveries, by the syncer for events that could not be
// processed, and by the admin's re-process button.
func (s *Service) ProcessEvent(ctx context.Context, eventID string) (WebhookOutcome, error) {
	out := WebhookOutcome{EventID: eventID}
	unlock := s.locks.Lock("event:" + eventID)
	defer unlock()
	finish := func(result, detail, chargeID string) error {
		out.Result = result
		return s.DB.FinishEvent(ctx, eventID, result, detail, chargeID, s.now())
	}
	oev, err := s.Omise.GetEvent(ctx, eventID)
	if err != nil {
		if omise.IsNotFound(err) {
			s.log().Warn("webhook names an event Omise does not know", "event", eventID)
			return out, finish(db.EventRejected, "omise does not know this event", "")
		}
		out.Retryable = true
		_ = finish(db.EventError, "omise: "+errorLabel(err), "")
		return out, fmt.Errorf("%w: get event: %v", ErrOmiseUnavailable, err)
	}
	chargeID := oev.ChargeID()
	out.ChargeID = chargeID
	if chargeID == "" {
		return out, finish(db.EventUnchanged, "event is not about a charge: "+oev.Key, "")
	}
	applied, err := s.SyncCharge(ctx, chargeID)
	if err != nil {
		if omise.IsNotFound(err) {
			return out, finish(db.EventRejected, "omise does not know charge "+chargeID, chargeID)
		}
		out.Retryable = true
		_ = finish(db.EventError, "omise: "+errorLabel(err), chargeID)
		return out, fmt.Errorf("%w: get charge: %v", ErrOmiseUnavailable, err)
	}
	out.Changed = applied.Changed
	detail := fmt.Sprintf("%s: charge %s is %s", oev.Key, chargeID, applied.Charge.Status)
	if applied.Anomaly != "" {
		detail += " (" + applied.Anomaly + ")"
	}
	if applied.Changed {
		return out, finish(db.EventApplied, detail, chargeID)
	}
	return out, finish(db.EventUnchanged, detail, chargeID)
}

// errorLabel names an Omise failure without its text, which may carry data.
func errorLabel(err error) string {
	if code := omise.ErrorCode(err); code != "" {
		return code
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	if omise.IsUncertain(err) {
		return "unreachable"
	}
	return "error"
}
