package payments

import (
	"context"
	"database/sql"
	"errors"

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
	unlock, err := s.DB.LockKey(ctx, "charge:"+chargeID)
	if err != nil {
		return nil, err
	}
	defer unlock()
	// Past this point the work is finished even if the person goes away:
	// a charge Omise expired must be stored, and audited, here too.
	ctx = context.WithoutCancel(ctx)
	before, err := s.DB.GetCharge(ctx, chargeID)
	if err != nil {
		return nil, err
	}
	if !Expirable(before) {
		s.audit(ctx, a, "charge.expire", chargeID, "refused", before, before, "charge is "+before.Status)
		return before, ErrNotPending
	}
	oc, err := s.Omise.ExpireCharge(ctx, chargeID)
	if err != nil {
		if omise.ErrorCode(err) == "failed_expire" || omise.ErrorCode(err) == "expired_charge" {
			// Omise could not expire it: it has completed in the meantime.
			applied, serr := s.SyncCharge(ctx, chargeID)
			if serr != nil {
				s.audit(ctx, a, "charge.expire", chargeID, "error", before, nil, errorLabel(serr))
				return nil, serr
			}
			s.audit(ctx, a, "charge.expire", chargeID, "completed_meanwhile", before, applied.Charge, "")
			return applied.Charge, nil
		}
		s.audit(ctx, a, "charge.expire", chargeID, "error", before, nil, omise.ErrorCode(err))
		return nil, err
	}
	// The expired charge and its audit entry are one write.
	applied, err := s.applyCharge(ctx, oc, func(tx *sql.Tx, res *Applied) error {
		return db.InsertAudit(ctx, tx, s.auditEntry(a, "charge.expire", chargeID, "ok", before, res.Charge, ""))
	}, false)
	if err != nil {
		// Omise expired it; the syncer stores that on its next pass.
		s.audit(ctx, a, "charge.expire", chargeID, "not_stored", before, nil, "store_failed")
		return nil, err
	}
	return applied.Charge, nil
}
