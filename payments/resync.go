package payments

import (
	"context"
	"errors"

	"instore/db"
)

// Resync re-reads a charge from Omise now, on a person's request, stores
// what Omise says under the usual state rules and audits it (charge.sync)
// with the charge before and after.
func (s *Service) Resync(ctx context.Context, a Actor, chargeID string) (*db.Charge, error) {
	before, err := s.DB.GetCharge(ctx, chargeID)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return nil, err
	}
	applied, err := s.SyncCharge(ctx, chargeID)
	if err != nil {
		s.audit(ctx, a, "charge.sync", chargeID, "error", before, nil, errorLabel(err))
		return nil, err
	}
	result := "unchanged"
	if applied.Changed {
		result = "changed"
	}
	s.audit(ctx, a, "charge.sync", chargeID, result, before, applied.Charge, applied.Anomaly)
	return applied.Charge, nil
}
