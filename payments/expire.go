package payments

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	"instore/db"
	"instore/omise"
)

// ErrNotPending means the charge is not pending, so it cannot be expired.
var ErrNotPending = errors.New("payments: charge is not pending")

// ExpireCharge asks Omise to expire a pending charge and stores whatever
// Omise then says. If Omise refuses because the charge completed meanwhile
// (paid, failed), the charge is re-read so the caller sees the real outcome;
// the returned charge is always Omise's view. Concurrent calls for one
// charge are serialised across instances (db.LockKey): the first asks
// Omise and stores the expired charge before letting go, so the others
// find it no longer pending and never ask Omise themselves.
func (s *Service) ExpireCharge(ctx context.Context, a Actor, chargeID string) (*db.Charge, error) {
	return s.expire(ctx, a, chargeID, "")
}

// ExpireRequested is a person's expire form: ExpireCharge, and the same
// form sent again (its idempotency key) gets the first request's outcome,
// the charge as it is now, rather than a refusal that it is no longer
// pending. Omise is not asked twice.
func (s *Service) ExpireRequested(ctx context.Context, a Actor, chargeID, key string) (*db.Charge, error) {
	if !validIdempotencyKey(key) {
		return nil, refuse(Invalid, "expire_key_invalid", "", nil)
	}
	return s.expire(ctx, a, chargeID, key)
}

// expireOutcomes are the audit results of an expire request that finished:
// Omise expired the charge, or it had completed meanwhile.
var expireOutcomes = []string{"ok", "completed_meanwhile"}

func (s *Service) expire(ctx context.Context, a Actor, chargeID, key string) (*db.Charge, error) {
	unlock, err := s.DB.LockKey(ctx, "charge:"+chargeID)
	if err != nil {
		return nil, err
	}
	defer unlock()
	// Past this point the work is finished even if the person goes away:
	// a charge Omise expired must be stored, and audited, here too.
	ctx = context.WithoutCancel(ctx)
	entry := func(result string, before, after *db.Charge, detail string) db.AuditEntry {
		e := s.auditEntry(a, "charge.expire", chargeID, result, before, after, detail)
		e.RequestKey = key
		return e
	}
	if key != "" {
		// Read under the lock: a first request still at Omise has stored
		// its outcome, with its audit entry, before this one gets here.
		switch res, err := db.AuditedRequestResult(ctx, s.DB.R, "charge.expire", chargeID, key); {
		case err == nil && slices.Contains(expireOutcomes, res):
			return s.DB.GetCharge(ctx, chargeID)
		case err == nil && res == "not_stored":
			// Omise expired it but we could not store it: read it back
			// rather than ask Omise to expire it again.
			applied, err := s.SyncCharge(ctx, chargeID)
			if err != nil {
				return nil, err
			}
			return applied.Charge, nil
		case err != nil && !errors.Is(err, db.ErrNotFound):
			return nil, err
		}
	}
	before, err := s.DB.GetCharge(ctx, chargeID)
	if err != nil {
		return nil, err
	}
	if !Expirable(before) {
		s.writeAudit(ctx, entry("refused", before, before, "charge is "+before.Status))
		return before, ErrNotPending
	}
	oc, err := s.Omise.ExpireCharge(ctx, chargeID)
	if err != nil {
		if omise.ErrorCode(err) == "failed_expire" || omise.ErrorCode(err) == "expired_charge" {
			// Omise could not expire it: it has completed in the meantime.
			applied, serr := s.SyncCharge(ctx, chargeID)
			if serr != nil {
				s.writeAudit(ctx, entry("error", before, nil, errorLabel(serr)))
				return nil, serr
			}
			s.writeAudit(ctx, entry("completed_meanwhile", before, applied.Charge, ""))
			return applied.Charge, nil
		}
		s.writeAudit(ctx, entry("error", before, nil, omise.ErrorCode(err)))
		return nil, err
	}
	// The expired charge and its audit entry are one write.
	applied, err := s.applyCharge(ctx, oc, func(tx *sql.Tx, res *Applied) error {
		return db.InsertAudit(ctx, tx, entry("ok", before, res.Charge, ""))
	}, false)
	if err != nil {
		// Omise expired it; the syncer stores that on its next pass.
		s.writeAudit(ctx, entry("not_stored", before, nil, "store_failed"))
		return nil, err
	}
	return applied.Charge, nil
}
