package sim

import (
	"encoding/json"
	"net/http"
	"time"

	"instore/omise"
)

// MarkPaid completes a pending charge successfully, like the dashboard's
// "mark as paid" in test mode: charge.complete is emitted and delivered.
func (s *Sim) MarkPaid(id string) (*omise.Charge, error) {
	sn, e := s.complete(id, "")
	if e != nil {
		return nil, e
	}
	return s.toCharge(sn)
}

// MarkFailed fails a pending charge with failureCode (one of the omise
// Failure* codes), emitting charge.complete.
func (s *Sim) MarkFailed(id, failureCode string) (*omise.Charge, error) {
	sn, e := s.complete(id, failureCode)
	if e != nil {
		return nil, e
	}
	return s.toCharge(sn)
}

// ForceStatus changes a charge's status behind the product's back: no event
// is recorded and no webhook sent, so only a re-fetch or reconciliation can
// notice. failureCode is used for StatusFailed (default failed_processing).
func (s *Sim) ForceStatus(id string, status omise.ChargeStatus, failureCode string) error {
	if status == omise.StatusFailed {
		if failureCode == "" {
			failureCode = omise.FailureFailedProcessing
		}
		if _, ok := failureMessages[failureCode]; !ok {
			return errFailureCode
		}
	}
	now := s.stamp()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.charges[id]
	if c == nil {
		return errNotFound("charge", id)
	}
	switch status {
	case omise.StatusSuccessful:
		s.setSuccessLocked(c, now)
	case omise.StatusFailed:
		setFailedLocked(c, failureCode)
	case omise.StatusExpired:
		s.expireLocked(c, now)
	case omise.StatusPending:
		c.status = omise.StatusPending
		c.authorized, c.paid, c.expired = false, false, false
		c.paidAt, c.expiredAt = time.Time{}, time.Time{}
		c.failureCode, c.transaction = "", ""
		if !c.expiresAt.After(now) {
			c.expiresAt = now.Add(s.o.ChargeTTL)
		}
		c.src.chargeStatus = string(c.status)
		s.addPendingLocked(c)
	default:
		return errStatus
	}
	return nil
}

// RefundQuietly refunds amount of a charge as if from the dashboard: the
// refund and its refund.create event exist, but no webhook is delivered.
func (s *Sim) RefundQuietly(id string, amount int64) (*omise.Refund, error) {
	r, e := s.refund(id, amount, false, nil, true)
	if e != nil {
		return nil, e
	}
	b, err := json.Marshal(renderRefund(r))
	if err != nil {
		return nil, err
	}
	var out omise.Refund
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// toCharge converts a snapshot through its JSON (account version), so Go
// callers see exactly what the API would answer.
func (s *Sim) toCharge(sn *chargeSnap) (*omise.Charge, error) {
	now := s.stamp()
	b, err := json.Marshal(renderCharge(sn, s.shape(s.o.AccountVersion), now))
	if err != nil {
		return nil, err
	}
	var c omise.Charge
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// Handler returns the simulator as an http.Handler under prefix (e.g.
// "/sim/omise"), for mounting on another mux.
func (s *Sim) Handler(prefix string) http.Handler { return http.StripPrefix(prefix, s) }
