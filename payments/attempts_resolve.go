package payments

import (
	"context"
	"errors"
	"time"

	"instore/db"
	"instore/omise"
)

// DefaultTillTimeout is INSTORE_TILL_TIMEOUT's default.
const DefaultTillTimeout = 90 * time.Second

const (
	// unknownGrace is how long after an attempt was made Omise may still
	// be missing its charge from lists. Past it, no charge means Omise never
	// acted on the request (our client gives up long before), so the sale
	// can safely be called failed.
	unknownGrace = 2 * time.Minute
	// staleCreating is how long an attempt may stay creating before we
	// assume the request making it died (a crash, a deploy) and look its
	// charge up like an unknown one.
	staleCreating = 2 * time.Minute
	// resolveBatch bounds the attempts and charges handled per pass.
	resolveBatch = 100
	// resolvePages bounds the Omise list pages read per pass.
	resolvePages = 20
)

// tillTimeout is Service.TillTimeout or its default.
func (s *Service) tillTimeout() time.Duration {
	if s.TillTimeout > 0 {
		return s.TillTimeout
	}
	return DefaultTillTimeout
}

// methodTimeout is how long a sale of the method (by Omise source type)
// waits for the customer: the method's own timeout, else tillTimeout.
func (s *Service) methodTimeout(sourceType string) time.Duration {
	if m, ok := MethodBySourceType(sourceType); ok && m.TillTimeout > 0 {
		return m.TillTimeout
	}
	return s.tillTimeout()
}

// shortestTimeout is the least time any method's sale waits.
func (s *Service) shortestTimeout() time.Duration {
	least := s.tillTimeout()
	for _, m := range methods {
		if m.TillTimeout > 0 {
			least = min(least, m.TillTimeout)
		}
	}
	return least
}

// ResolveUnknownAttempts finds out what happened to till sales whose Omise
// answer was lost. It reads Omise's charges created around each such
// attempt (findAttemptCharges) and matches metadata.attempt_id: a match is
// applied (the attempt follows its charge); no match in the whole window
// read after a grace period means Omise never made the charge, and the
// attempt fails with "ask for a new code". Attempts stuck in creating
// (their request died) are treated the same. It never creates a charge.
// The syncer calls this every interval.
func (s *Service) ResolveUnknownAttempts(ctx context.Context) error {
	now := s.now()
	stale, err := s.DB.ListAttemptsByStatus(ctx, db.AttemptCreating, now.Add(-staleCreating), resolveBatch)
	if err != nil {
		return err
	}
	for _, a := range stale {
		if _, err := s.moveAttemptFrom(ctx, a, db.AttemptCreating, db.AttemptUnknown, "", "", "abandoned while creating"); err != nil {
			return err
		}
	}
	unknown, err := s.DB.ListAttemptsByStatus(ctx, db.AttemptUnknown, now.Add(time.Second), resolveBatch)
	if err != nil || len(unknown) == 0 {
		return err
	}
	var errs []error
	wanted := make(map[string]*db.Attempt, len(unknown))
	for _, a := range unknown {
		if a.ChargeID != "" {
			// We know the charge; only storing it failed.
			if _, err := s.SyncCharge(ctx, a.ChargeID); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		wanted[a.AttemptID] = a
	}
	s.lookups.keepOnly(wanted)
	if len(wanted) == 0 {
		return errors.Join(errs...)
	}
	absent, err := s.findAttemptCharges(ctx, now, wanted)
	if err != nil {
		errs = append(errs, err)
	}
	for _, a := range absent {
		s.log().Info("till: no charge at Omise for an unknown attempt; failing it", "attempt", a.AttemptID)
		if _, err := s.moveAttemptFrom(ctx, a, db.AttemptUnknown, db.AttemptFailed, "", CodeNoCharge, "no charge at Omise"); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// ExpireStaleTillCharges expires till charges still pending after the
// till timeout (the method's, else INSTORE_TILL_TIMEOUT), as Alipay wants an unanswered
// in-store payment cancelled rather than left open. A charge the customer
// paid meanwhile ends successful (ExpireCharge re-reads it). The syncer
// calls this every interval.
func (s *Service) ExpireStaleTillCharges(ctx context.Context) error {
	now := s.now()
	stale, err := s.DB.ListAttemptsByStatus(ctx, db.AttemptPending, now.Add(-s.shortestTimeout()), resolveBatch)
	if err != nil {
		return err
	}
	var errs []error
	for _, a := range stale {
		if a.ChargeID == "" || now.Before(s.TillDeadline(a)) {
			continue
		}
		if _, err := s.ExpireCharge(ctx, System, a.ChargeID); err != nil && !errors.Is(err, ErrNotPending) {
			if errors.Is(err, db.ErrNotFound) {
				continue
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// TillDeadline is when a till attempt's charge will be expired if the
// customer has not confirmed: the countdown on the waiting screen.
func (s *Service) TillDeadline(a *db.Attempt) time.Time {
	return a.CreatedAt.Add(s.methodTimeout(a.SourceType))
}

// tillRefreshEvery bounds how often a till's polling re-reads one charge
// from Omise: Alipay's own guidance is to ask about every 3 seconds.
const tillRefreshEvery = 2 * time.Second

// RefreshTillAttempt is what a till waiting for the customer asks every few
// seconds. For a pending sale it re-reads the charge from Omise (at most
// every tillRefreshEvery), so a lost webhook never leaves the till waiting;
// once the till timeout has passed it expires the charge right away, as
// Alipay asks, instead of waiting for the syncer's next pass. It returns
// the attempt as it then stands.
func (s *Service) RefreshTillAttempt(ctx context.Context, attemptID string) (*db.Attempt, error) {
	att, err := s.DB.GetAttempt(ctx, attemptID)
	if err != nil || att.Status != db.AttemptPending || att.ChargeID == "" {
		return att, err
	}
	now := s.now()
	switch c, err := s.DB.GetCharge(ctx, att.ChargeID); {
	case err != nil:
		return nil, err
	case c.Status != string(omise.StatusPending):
	case !now.Before(s.TillDeadline(att)):
		if _, err := s.ExpireCharge(ctx, System, att.ChargeID); err != nil && !errors.Is(err, ErrNotPending) {
			s.log().Warn("till: expiring a timed-out charge failed; the syncer retries", "charge", att.ChargeID, "err", err)
		}
	case now.Sub(c.SyncedAt) >= tillRefreshEvery:
		if _, err := s.SyncCharge(ctx, att.ChargeID); err != nil {
			s.log().Warn("till: re-reading a pending charge failed", "charge", att.ChargeID, "err", err)
		}
	default:
		return att, nil
	}
	return s.DB.GetAttempt(ctx, attemptID)
}
