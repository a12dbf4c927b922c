package payments

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"instore/db"
	"instore/omise"
)

// Applied is what ApplyCharge did.
type Applied struct {
	Charge     *db.Charge
	Changed    bool
	Created    bool
	NewRefunds []*db.Refund
	// Attempt is the till attempt as the charge left it, when asked for
	// (applyCharge's withAttempt); nil when the charge changed no attempt.
	Attempt *db.Attempt
	// Anomaly is set when Omise reported something our rules refuse to
	// apply (a final status changing); the reconciliation page shows these.
	Anomaly string
}

// ApplyCharge stores what Omise says about a charge, under the state rules:
// pending → successful | failed | expired; a final status never changes;
// refunded_amount only grows; refunds are upserted by id. All of it is one
// transaction, and live screens hear of it only after the commit. A charge
// created outside this app is imported as it is.
func (s *Service) ApplyCharge(ctx context.Context, oc *omise.Charge) (*Applied, error) {
	return s.applyCharge(ctx, oc, nil, false)
}

// applyCharge is ApplyCharge with also, when not nil, run inside the same
// transaction after the charge is written (the webhook path records its
// event there, so one delivery costs one commit), and with the till
// attempt the charge changed in Applied.Attempt when withAttempt is set
// (the sale that made the charge answers with it).
func (s *Service) applyCharge(ctx context.Context, oc *omise.Charge, also func(tx *sql.Tx, res *Applied) error, withAttempt bool) (*Applied, error) {
	if oc == nil || oc.ID == "" {
		return nil, errors.New("payments: apply: charge without id")
	}
	now := s.now()
	var res Applied
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		res = Applied{}
		// The charge's lock before reading it: a webhook, the syncer and a
		// till sale may apply one charge at once, and each merges into
		// what the one before committed, never into the same old row.
		if err := s.DB.LockChargeTx(ctx, tx, oc.ID); err != nil {
			return err
		}
		old, err := db.GetChargeQ(ctx, tx, oc.ID)
		if errors.Is(err, db.ErrNotFound) {
			old = nil
		} else if err != nil {
			return err
		}
		next, anomaly := mergeCharge(old, oc)
		next.UpdatedAt, next.SyncedAt = now, now
		res.Anomaly = anomaly
		if old == nil || chargeDiffers(old, next) {
			if old != nil {
				next.UpdatedAt = now
			}
			if err := db.PutChargeTx(ctx, tx, old, next); err != nil {
				return fmt.Errorf("put charge: %w", err)
			}
			res.Changed, res.Created = true, old == nil
		} else {
			next.UpdatedAt = old.UpdatedAt
			if err := db.TouchChargeSyncedTx(ctx, tx, next.ID, now); err != nil {
				return err
			}
		}
		if res.Attempt, err = db.SyncAttemptFromChargeTx(ctx, tx, next, withAttempt); err != nil {
			return err
		}
		if oc.Refunds != nil {
			for i := range oc.Refunds.Data {
				r := refundFromOmise(&oc.Refunds.Data[i], now)
				isNew, err := db.PutRefundTx(ctx, tx, r, next.StoreID, next.TerminalID)
				if err != nil {
					return fmt.Errorf("put refund: %w", err)
				}
				if isNew {
					res.NewRefunds = append(res.NewRefunds, r)
					res.Changed = true
				}
			}
		}
		res.Charge = next
		if also != nil {
			return also(tx, &res)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if res.Anomaly != "" {
		s.log().Warn("omise reported a change our rules refuse", "charge", oc.ID, "anomaly", res.Anomaly)
	}
	if res.Changed {
		s.publish(Change{Kind: "charge", ChargeID: res.Charge.ID, AttemptID: res.Charge.AttemptID,
			StoreID: res.Charge.StoreID, TerminalID: res.Charge.TerminalID, Status: res.Charge.Status, Charge: res.Charge})
	}
	return &res, nil
}

// SyncCharge re-reads a charge from Omise and applies it.
func (s *Service) SyncCharge(ctx context.Context, id string) (*Applied, error) {
	oc, err := s.Omise.GetCharge(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.ApplyCharge(ctx, oc)
}

// mergeCharge builds the row to store from the old row (nil if new) and
// Omise's charge, enforcing the state rules.
func mergeCharge(old *db.Charge, oc *omise.Charge) (*db.Charge, string) {
	c := fromOmise(oc)
	if old == nil {
		return c, ""
	}
	anomaly := ""
	if Final(old.Status) && c.Status != old.Status {
		if c.Status != string(omise.StatusPending) {
			anomaly = fmt.Sprintf("omise says %s, we recorded final %s", c.Status, old.Status)
		}
		c.Status, c.FailureCode, c.FailureMessage = old.Status, old.FailureCode, old.FailureMessage
		c.PaidAt, c.ExpiredAt, c.TransactionID = old.PaidAt, old.ExpiredAt, old.TransactionID
	}
	if c.RefundedAmount < old.RefundedAmount {
		c.RefundedAmount = old.RefundedAmount
	}
	// A charge's creation never moves at Omise. An answer without it would
	// otherwise stamp the charge now and move it to today's business day,
	// out of the day its sale was reported on.
	if oc.CreatedAt.IsZero() {
		c.CreatedAt, c.BkkDay = old.CreatedAt, old.BkkDay
	}
	// An answer without a fee (an event body in an older account version)
	// says nothing new: keep the fee Omise reported before.
	if c.FeeUnknown && !old.FeeUnknown {
		c.Fee, c.FeeVat, c.Net, c.FeeUnknown = old.Fee, old.FeeVat, old.Net, false
	}
	keep := func(dst *string, prev string) {
		if *dst == "" {
			*dst = prev
		}
	}
	keep(&c.StoreID, old.StoreID)
	keep(&c.TerminalID, old.TerminalID)
	keep(&c.AttemptID, old.AttemptID)
	keep(&c.Cashier, old.Cashier)
	keep(&c.BarcodeMasked, old.BarcodeMasked)
	keep(&c.SourceID, old.SourceID)
	keep(&c.SourceType, old.SourceType)
	return c, anomaly
}

// Final reports whether a charge status can no longer change.
func Final(status string) bool { return omise.ChargeStatus(status).Final() }

func chargeDiffers(a, b *db.Charge) bool {
	return a.Status != b.Status || a.FailureCode != b.FailureCode || a.FailureMessage != b.FailureMessage ||
		a.Amount != b.Amount || a.Currency != b.Currency || a.Fee != b.Fee || a.FeeVat != b.FeeVat || a.Net != b.Net ||
		a.FeeUnknown != b.FeeUnknown ||
		a.RefundedAmount != b.RefundedAmount || a.StoreID != b.StoreID || a.TerminalID != b.TerminalID ||
		a.AttemptID != b.AttemptID || a.Cashier != b.Cashier || a.BarcodeMasked != b.BarcodeMasked ||
		a.SourceID != b.SourceID || a.SourceType != b.SourceType || a.TransactionID != b.TransactionID ||
		a.Metadata != b.Metadata || a.Livemode != b.Livemode || !a.CreatedAt.Equal(b.CreatedAt) ||
		!timeEq(a.PaidAt, b.PaidAt) || !timeEq(a.ExpiresAt, b.ExpiresAt) || !timeEq(a.ExpiredAt, b.ExpiredAt)
}

func timeEq(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}
