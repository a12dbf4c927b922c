package payments

import (
	"context"
	"database/sql"
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
// The body is never trusted for state: the charge it names is read from
// Omise and applied under the state rules. Whether the event is Omise's at
// all is settled by its signature when a secret is configured (signature
// "valid": only Omise holds the secret), else by reading the event back
// from Omise. A delivery of an event already processed is a no-op. The
// event, the charge and the result are written in one transaction, so a
// delivery costs one (group) commit; the answer is sent only after it.
func (s *Service) ReceiveWebhook(ctx context.Context, raw []byte, ev *omise.Event, signature string) (WebhookOutcome, error) {
	arrived := s.reads.arrival()
	// processEvent tells a duplicate once it holds the event's lock; an
	// unsigned one is told here too, before it spends the budget. A signed
	// delivery skips this read: it would only repeat that one.
	if signature != "valid" {
		done, err := s.DB.EventDone(ctx, ev.ID)
		if err != nil {
			return WebhookOutcome{EventID: ev.ID, Result: db.EventError, Retryable: true}, fmt.Errorf("read event: %w", err)
		}
		if done {
			return WebhookOutcome{EventID: ev.ID, Result: "duplicate"}, nil
		}
	}
	if signature == "unsigned" && !s.spendUnsigned() {
		return WebhookOutcome{EventID: ev.ID, Result: "deferred", Retryable: true}, ErrWebhookBudget
	}
	received := &db.OmiseEvent{ID: ev.ID, Key: ev.Key, ChargeID: plausibleChargeID(ev.ChargeID()), Signature: signature,
		Raw: raw, RawSize: len(raw), ReceivedAt: s.now()}
	if len(raw) > MaxStoredEventBody {
		received.Raw = nil
	}
	if signature == "valid" {
		return s.processEvent(ctx, ev.ID, received, ev, arrived)
	}
	return s.processEvent(ctx, ev.ID, received, nil, arrived)
}

// ProcessEvent applies a stored event by asking Omise what it says. The
// syncer uses it for events that could not be processed, and the admin's
// re-process button too.
func (s *Service) ProcessEvent(ctx context.Context, eventID string) (WebhookOutcome, error) {
	return s.processEvent(ctx, eventID, nil, nil, s.reads.arrival())
}

// processEvent asks Omise about an event and records the result; received,
// when not nil, is the delivery to store with it. authentic, when not nil,
// is the event as delivered with a valid signature: it is not read back,
// only the charge it names is. arrived orders the delivery against shared
// charge reads (chargeReads).
func (s *Service) processEvent(ctx context.Context, eventID string, received *db.OmiseEvent, authentic *omise.Event, arrived uint64) (WebhookOutcome, error) {
	out := WebhookOutcome{EventID: eventID}
	// One event is processed once at a time across instances (db.LockKey):
	// Omise retries, and may deliver an event to any instance behind the
	// load balancer.
	unlock, err := s.DB.LockKey(ctx, "event:"+eventID)
	if err != nil {
		out.Result, out.Retryable = db.EventError, true
		return out, fmt.Errorf("event lock: %w", err)
	}
	defer unlock()
	if received != nil {
		// A delivery that waited for the lock may find the event done by
		// the holder: it is then a duplicate, stored and applied once,
		// and Omise is not asked again.
		done, err := s.DB.EventDone(ctx, eventID)
		if err != nil {
			out.Result, out.Retryable = db.EventError, true
			return out, fmt.Errorf("read event: %w", err)
		}
		if done {
			out.Result = "duplicate"
			return out, nil
		}
	}
	record := func(tx db.Querier, result, detail, chargeID string) error {
		out.Result = result
		if received == nil {
			return db.FinishEventTx(ctx, tx, eventID, result, detail, chargeID, s.now())
		}
		stored := received
		if result == db.EventRejected {
			// Not Omise's event: keep that it came, never what it said.
			rejected := *received
			rejected.Raw, rejected.ChargeID = nil, ""
			stored = &rejected
		}
		// The delivery and its result in one statement.
		if err := db.RecordEventTx(ctx, tx, stored, result, detail, chargeID, s.now()); err != nil {
			return fmt.Errorf("store event: %w", err)
		}
		return nil
	}
	// done is the answer when another delivery stored the event as done
	// while this one asked Omise: possible only if the event's lock was
	// lost (its session cut), and then RecordEventTx refused to record
	// this one's result over the first's and its transaction, with
	// whatever it would have applied, was rolled back.
	done := func() (WebhookOutcome, error) {
		out.Result, out.Retryable, out.Changed = "duplicate", false, false
		return out, nil
	}
	recordAlone := func(result, detail, chargeID string) error {
		return s.DB.Tx(ctx, func(tx *sql.Tx) error { return record(tx, result, detail, chargeID) })
	}
	unavailable := func(what string, err error, chargeID string) (WebhookOutcome, error) {
		out.Retryable = true
		if rerr := recordAlone(db.EventError, "omise: "+errorLabel(err), chargeID); errors.Is(rerr, db.ErrEventDone) {
			return done()
		} else if rerr != nil {
			return out, rerr
		}
		return out, fmt.Errorf("%w: %s: %v", ErrOmiseUnavailable, what, err)
	}
	recordedAlone := func(err error) (WebhookOutcome, error) {
		if errors.Is(err, db.ErrEventDone) {
			return done()
		}
		return out, err
	}

	oev := authentic
	if oev == nil {
		var err error
		oev, err = s.Omise.GetEvent(ctx, eventID)
		if err != nil {
			if omise.IsNotFound(err) {
				s.log().Warn("webhook names an event Omise does not know", "event", eventID)
				return recordedAlone(recordAlone(db.EventRejected, "omise does not know this event", ""))
			}
			return unavailable("get event", err, "")
		}
	}
	chargeID := oev.ChargeID()
	if authentic != nil {
		chargeID = plausibleChargeID(chargeID)
	}
	out.ChargeID = chargeID
	if chargeID == "" {
		return recordedAlone(recordAlone(db.EventUnchanged, "event is not about a charge: "+oev.Key, ""))
	}
	oc, err := s.reads.get(ctx, chargeID, arrived, s.Omise.GetCharge)
	if err != nil {
		if omise.IsNotFound(err) {
			return recordedAlone(recordAlone(db.EventRejected, "omise does not know charge "+chargeID, chargeID))
		}
		return unavailable("get charge", err, chargeID)
	}
	applied, err := s.applyCharge(ctx, oc, func(tx *sql.Tx, res *Applied) error {
		detail := fmt.Sprintf("%s: charge %s is %s", oev.Key, chargeID, res.Charge.Status)
		if res.Anomaly != "" {
			detail += " (" + res.Anomaly + ")"
		}
		result := db.EventUnchanged
		if res.Changed {
			result = db.EventApplied
		}
		return record(tx, result, detail, chargeID)
	}, false)
	if errors.Is(err, db.ErrEventDone) {
		return done()
	}
	if err != nil {
		out.Result, out.Retryable = db.EventError, true
		return out, err
	}
	out.Changed = applied.Changed
	return out, nil
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
