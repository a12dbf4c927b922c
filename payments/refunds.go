package payments

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"instore/db"
	"instore/freetext"
	"instore/omise"
)

// settleGrace is how long an in-flight request whose refund Omise does not
// list is still given the benefit of the doubt.
const settleGrace = 2 * time.Minute

// RefundRequest is a refund a person asked for.
type RefundRequest struct {
	ChargeID string
	Amount   int64 // satang
	Reason   string
	Note     string
	// IdempotencyKey comes from the form (a UUID drawn when the form was
	// rendered): submitting the same form twice makes one refund.
	IdempotencyKey string
}

// Refund refunds part or all of a successful charge. The rules (successful
// charge, 0 < amount <= what is left, within 12 months of payment, at most
// 15 refunds, a reason from RefundReasons) are checked before Omise is
// called, under a per-charge lock and again inside the transaction that
// records the request, so two managers clicking at once cannot refund more
// than the charge. A request with an idempotency key already used returns
// the first result without asking Omise again, whichever instance it
// reaches: the per-charge lock is the database's (db.LockKey), shared by
// every instance, and the key is the request's primary key besides. When Omise refuses, nothing
// is recorded as refunded and the returned *Refusal says why. Every
// outcome is audited.
func (s *Service) Refund(ctx context.Context, a Actor, req RefundRequest) (*db.Refund, error) {
	req.Note = freetext.Clean(req.Note)
	if rerr := checkRefundRequest(req); rerr != nil {
		s.audit(ctx, a, "refund.create", req.ChargeID, "refused", nil, nil, refundDetail(req, "", rerr.Code))
		return nil, rerr
	}
	unlock, err := s.DB.LockKey(ctx, "charge:"+req.ChargeID)
	if err != nil {
		return nil, err
	}
	defer unlock()
	// Past this point the work is finished even if the person goes away:
	// an Omise refund must not be left half recorded.
	ctx = context.WithoutCancel(ctx)

	prev, err := db.GetRefundRequestQ(ctx, s.DB.R, req.IdempotencyKey)
	if err == nil {
		return s.replayRefund(ctx, a, req, prev)
	}
	if !errors.Is(err, db.ErrNotFound) {
		return nil, err
	}
	if err := s.settleInFlight(ctx, req.ChargeID, ""); err != nil {
		// Their amounts stay reserved below, so going on is still safe.
		s.log().Warn("refund: could not settle earlier requests", "charge", req.ChargeID, "err", err)
	}
	before, err := s.reserveRefund(ctx, a, req)
	var seen keySeen
	if errors.As(err, &seen) {
		return s.replayRefund(ctx, a, req, seen.prev)
	}
	if err != nil {
		var re *Refusal
		if errors.As(err, &re) {
			s.audit(ctx, a, "refund.create", req.ChargeID, "refused", before, before, refundDetail(req, "", re.Code))
		}
		return nil, err
	}
	md := map[string]string{"reason": req.Reason, "idempotency_key": req.IdempotencyKey, "user": a.Username}
	if req.Note != "" {
		md["note"] = req.Note
	}
	ref, err := s.Omise.CreateRefund(ctx, req.ChargeID, omise.CreateRefundParams{Amount: req.Amount, Metadata: md})
	if err != nil {
		return s.refundFailed(ctx, a, req, before, err)
	}
	return s.completeRefund(ctx, a, req, before, ref)
}

// RefundRefusal says why Refund would refuse req against the charge, its
// refunds and the requests in flight as stored now, or nil when Refund
// would ask Omise. It records nothing and asks Omise nothing, so a form's
// first step may use it: Refund itself first settles requests whose
// outcome is unknown, which can free their amounts, and must only ever be
// called once the person confirmed.
func (s *Service) RefundRefusal(ctx context.Context, req RefundRequest) (*Refusal, error) {
	req.Note = freetext.Clean(req.Note)
	if rerr := checkRefundRequest(req); rerr != nil {
		return rerr, nil
	}
	c, err := db.GetChargeQ(ctx, s.DB.R, req.ChargeID)
	if err != nil {
		return nil, err
	}
	refunds, err := db.ListRefundsQ(ctx, s.DB.R, c.ID)
	if err != nil {
		return nil, err
	}
	open, err := db.ListInFlightRefundRequestsQ(ctx, s.DB.R, c.ID)
	if err != nil {
		return nil, err
	}
	var openSum int64
	for _, r := range open {
		openSum += r.Amount
	}
	return checkRefundable(c, req.Amount, len(refunds), len(open), openSum, s.now()), nil
}

// keySeen is reserveRefund's answer for a key recorded after Refund first
// looked for it: the request is answered as a replay of prev.
type keySeen struct{ prev *db.RefundRequest }

func (keySeen) Error() string { return "payments: refund key recorded meanwhile" }

// reserveRefund checks the rules against the stored charge and records the
// request as in flight, both in one write transaction.
func (s *Service) reserveRefund(ctx context.Context, a Actor, req RefundRequest) (*db.Charge, error) {
	var before *db.Charge
	now := s.now()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		// The caller holds the charge's LockKey against other refunds; the
		// charge's transaction lock also waits for a webhook or the syncer
		// applying it, so the amounts checked are the committed ones.
		if err := s.DB.LockChargeTx(ctx, tx, req.ChargeID); err != nil {
			return err
		}
		c, err := db.GetChargeQ(ctx, tx, req.ChargeID)
		if err != nil {
			return err
		}
		before = c
		// The key first: were the charge's lock ever lost (its session
		// cut), another instance may have recorded this very form since
		// Refund looked. Its in-flight amount must not count against the
		// form itself, and the answer is the first one's, not a refusal.
		if prev, err := db.GetRefundRequestQ(ctx, tx, req.IdempotencyKey); err == nil {
			if prev.ChargeID == req.ChargeID {
				return keySeen{prev}
			}
			return errKeyReused // used meanwhile for another charge
		} else if !errors.Is(err, db.ErrNotFound) {
			return err
		}
		refunds, err := db.ListRefundsQ(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		open, err := db.ListInFlightRefundRequestsQ(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		var openSum int64
		for _, r := range open {
			openSum += r.Amount
		}
		if rerr := checkRefundable(c, req.Amount, len(refunds), len(open), openSum, now); rerr != nil {
			return rerr
		}
		return db.InsertRefundRequestTx(ctx, tx, &db.RefundRequest{
			IdempotencyKey: req.IdempotencyKey, ChargeID: c.ID, Amount: req.Amount, Reason: req.Reason,
			Note: req.Note, UserID: a.UserID, Username: a.Username, Status: db.RefundRequestInFlight,
			CreatedAt: now, UpdatedAt: now,
		})
	})
	return before, err
}

// refundFailed handles an error from Omise's POST /refunds.
func (s *Service) refundFailed(ctx context.Context, a Actor, req RefundRequest, before *db.Charge, err error) (*db.Refund, error) {
	if omise.IsUncertain(err) {
		// The refund may exist at Omise: look for it by our key before
		// saying anything. Unresolved, the request stays in flight and its
		// amount reserved until a later look settles it.
		if serr := s.settleInFlight(ctx, req.ChargeID, req.IdempotencyKey); serr == nil {
			if r, gerr := db.GetRefundRequestQ(ctx, s.DB.R, req.IdempotencyKey); gerr == nil && r.Status == db.RefundRequestDone {
				return s.storedRefund(ctx, req.ChargeID, r.RefundID)
			}
		}
		s.audit(ctx, a, "refund.create", req.ChargeID, "unknown", before, nil, refundDetail(req, "", omise.ErrorCode(err)))
		s.log().Warn("refund outcome unknown", "charge", req.ChargeID, "err", err)
		return nil, errRefundUnknown
	}
	re := omiseRefusal(err, "refund")
	if ferr := s.DB.FinishRefundRequest(ctx, req.IdempotencyKey, db.RefundRequestFailed, "", re.Code, s.now()); ferr != nil {
		s.log().Error("refund: record failure", "charge", req.ChargeID, "err", ferr)
	}
	// Omise may know of refunds we do not (made on its dashboard): catch up.
	after := before
	if applied, serr := s.SyncCharge(ctx, req.ChargeID); serr == nil {
		after = applied.Charge
	}
	s.audit(ctx, a, "refund.create", req.ChargeID, "refused", before, after, refundDetail(req, "", "omise:"+omise.ErrorCode(err)))
	return nil, re
}

// completeRefund stores a refund Omise made, with the charge as Omise now
// reports it, and marks the request done: one transaction.
func (s *Service) completeRefund(ctx context.Context, a Actor, req RefundRequest, before *db.Charge, ref *omise.Refund) (*db.Refund, error) {
	oc, gerr := s.Omise.GetCharge(ctx, req.ChargeID)
	if gerr != nil || oc.ID != req.ChargeID {
		// The refund stands; the charge totals are derived locally and the
		// syncer corrects them from Omise later.
		s.log().Warn("refund: re-read charge failed", "charge", req.ChargeID, "err", gerr)
		oc = nil
	}
	now := s.now()
	var after *db.Charge
	// changed says whether this request moved what live screens show: the
	// refund's webhook, applied first, may already have shown it, and the
	// same change shown twice reads as two refunds to a manager watching.
	var changed bool
	stored := refundFromOmise(ref, now)
	stored.ChargeID = req.ChargeID
	stored.Reason, stored.Note, stored.CreatedBy = req.Reason, req.Note, a.Username
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.DB.LockChargeTx(ctx, tx, req.ChargeID); err != nil {
			return err
		}
		old, err := db.GetChargeQ(ctx, tx, req.ChargeID)
		if err != nil {
			return err
		}
		known, err := db.ListRefundsQ(ctx, tx, req.ChargeID)
		if err != nil {
			return err
		}
		var next *db.Charge
		if oc != nil {
			next, _ = mergeCharge(old, oc)
		} else {
			cp := *old
			next = &cp
			if !hasRefund(known, ref.ID) {
				next.RefundedAmount = min(next.Amount, next.RefundedAmount+ref.Amount)
			}
		}
		next.UpdatedAt, next.SyncedAt = old.UpdatedAt, now
		changed = chargeDiffers(old, next)
		if changed {
			next.UpdatedAt = now
			if err := db.PutChargeTx(ctx, tx, old, next); err != nil {
				return fmt.Errorf("put charge: %w", err)
			}
		}
		inserted, err := db.PutRefundTx(ctx, tx, stored, next.StoreID, next.TerminalID)
		if err != nil {
			return fmt.Errorf("put refund: %w", err)
		}
		changed = changed || inserted
		if oc != nil && oc.Refunds != nil {
			for i := range oc.Refunds.Data {
				if r := &oc.Refunds.Data[i]; r.ID != ref.ID {
					inserted, err := db.PutRefundTx(ctx, tx, refundFromOmise(r, now), next.StoreID, next.TerminalID)
					if err != nil {
						return fmt.Errorf("put refund: %w", err)
					}
					changed = changed || inserted
				}
			}
		}
		after = next
		if err := db.FinishRefundRequestQ(ctx, tx, req.IdempotencyKey, db.RefundRequestDone, ref.ID, "", now); err != nil {
			return err
		}
		// The refund and its audit entry are one write: no refund is
		// stored that the log does not show.
		return db.InsertAudit(ctx, tx, s.auditEntry(a, "refund.create", req.ChargeID, "ok", before, after, refundDetail(req, ref.ID, "")))
	})
	if err != nil {
		// Omise made the refund; the request stays in flight and the next
		// look (a resubmit, another refund, the syncer) records it.
		s.log().Error("refund made at Omise but not stored", "charge", req.ChargeID, "refund", ref.ID, "err", err)
		return nil, errRefundUnknown
	}
	if changed {
		s.publish(Change{Kind: "charge", ChargeID: after.ID, AttemptID: after.AttemptID, StoreID: after.StoreID,
			TerminalID: after.TerminalID, Status: after.Status, Charge: after})
	}
	return s.storedRefund(ctx, req.ChargeID, ref.ID)
}

// replayRefund answers a request whose key was seen before with the first
// answer, settling it with Omise first if its outcome was never learnt.
func (s *Service) replayRefund(ctx context.Context, a Actor, req RefundRequest, prev *db.RefundRequest) (*db.Refund, error) {
	if prev.ChargeID != req.ChargeID || prev.Amount != req.Amount {
		return nil, errKeyReused
	}
	if prev.Status == db.RefundRequestInFlight {
		if err := s.settleInFlight(ctx, req.ChargeID, req.IdempotencyKey); err != nil {
			return nil, errRefundUnknown
		}
		var err error
		if prev, err = db.GetRefundRequestQ(ctx, s.DB.R, req.IdempotencyKey); err != nil {
			return nil, err
		}
	}
	switch prev.Status {
	case db.RefundRequestDone:
		return s.storedRefund(ctx, req.ChargeID, prev.RefundID)
	case db.RefundRequestFailed:
		return nil, ruleByCode(prev.ErrorCode)
	}
	return nil, errRefundUnknown
}

// settleInFlight learns from Omise what became of a charge's in-flight
// requests (only the one with key onlyKey when set): a refund carrying the
// request's key in its metadata completes it; none means the call never took
// effect. Callers hold the charge's lock (db.LockKey, shared by every
// instance), and a holder records its request and makes its Omise call
// before letting go, so no request found here is still being made, by this
// instance or another. Should the lock fail that promise (its session cut
// while the holder goes on), two things keep a live request safe: one
// younger than settleGrace, longer than any Omise call may take, is never
// declared failed, and one Omise lists is completed, which its own caller
// doing the same again leaves unchanged (completeRefund is idempotent).
func (s *Service) settleInFlight(ctx context.Context, chargeID, onlyKey string) error {
	open, err := db.ListInFlightRefundRequestsQ(ctx, s.DB.R, chargeID)
	if err != nil || len(open) == 0 {
		return err
	}
	// Omise allows 15 refunds per charge, so one page holds them all.
	list, err := s.Omise.ListChargeRefunds(ctx, chargeID, omise.ListParams{Limit: 100})
	if err != nil {
		return err
	}
	byKey := map[string]*omise.Refund{}
	for i := range list.Data {
		if k, ok := list.Data[i].Metadata["idempotency_key"].(string); ok && k != "" {
			byKey[k] = &list.Data[i]
		}
	}
	unkeyed, err := s.refundsWithoutMetadata(ctx, chargeID, list.Data)
	if err != nil {
		return err
	}
	for _, r := range open {
		if onlyKey != "" && r.IdempotencyKey != onlyKey {
			continue
		}
		req := RefundRequest{ChargeID: chargeID, Amount: r.Amount, Reason: r.Reason, Note: r.Note, IdempotencyKey: r.IdempotencyKey}
		who := Actor{UserID: r.UserID, Username: r.Username}
		ref := byKey[r.IdempotencyKey]
		if ref == nil {
			var ambiguous bool
			if ref, ambiguous = takeUnkeyedRefund(unkeyed, r); ambiguous {
				// More than one refund could be this request's: neither
				// completing it nor declaring it never made is safe, so
				// it stays in flight for a person to look at.
				s.log().Warn("refund request matches several refunds without metadata; left in flight",
					"charge", chargeID, "amount", r.Amount)
				if onlyKey != "" {
					return errRefundUnknown
				}
				continue
			}
		}
		if ref != nil {
			before, _ := s.DB.GetCharge(ctx, chargeID)
			if _, err := s.completeRefund(ctx, who, req, before, ref); err != nil {
				return err
			}
			continue
		}
		if !r.CreatedAt.Before(s.now().Add(-settleGrace)) {
			// Just after an unanswered call Omise may not list the refund
			// yet; only a later look may conclude it was never made.
			if onlyKey != "" {
				return errRefundUnknown
			}
			continue
		}
		if err := s.DB.FinishRefundRequest(ctx, r.IdempotencyKey, db.RefundRequestFailed, "", codeNotAtOmise, s.now()); err != nil {
			return err
		}
		s.audit(ctx, who, "refund.create", chargeID, "not_made", nil, nil, refundDetail(req, "", codeNotAtOmise))
	}
	return nil
}

// refundsWithoutMetadata are the refunds in listed that carry no metadata
// at all and that no request of ours has claimed: not held here, or held
// only as imported by the syncer (no author). An account answering in the
// recorded 2017-11-02 shape lists refunds without metadata, so a request's
// key cannot be looked for; one made from the dashboard has metadata, if
// empty, in the 2019-05-29 shape and is never among these.
func (s *Service) refundsWithoutMetadata(ctx context.Context, chargeID string, listed []omise.Refund) ([]*omise.Refund, error) {
	var out []*omise.Refund
	for i := range listed {
		if listed[i].Metadata == nil {
			out = append(out, &listed[i])
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	stored, err := db.ListRefundsQ(ctx, s.DB.R, chargeID)
	if err != nil {
		return nil, err
	}
	claimed := func(r *omise.Refund) bool {
		for _, f := range stored {
			if f.ID == r.ID {
				return f.CreatedBy != ""
			}
		}
		return false
	}
	return slices.DeleteFunc(out, claimed), nil
}

// takeUnkeyedRefund finds the refund among unkeyed (refunds we do not hold
// and that cannot show a key) that request r made: the one of r's amount
// made no earlier than r, less settleGrace for the two clocks. Declaring r
// never made while such a refund exists would offer its amount again: a
// second refund of money already returned. It is taken from unkeyed (set
// to nil) so no other request claims it; two or more candidates are
// ambiguous and none is taken.
func takeUnkeyedRefund(unkeyed []*omise.Refund, r *db.RefundRequest) (ref *omise.Refund, ambiguous bool) {
	at := -1
	for i, u := range unkeyed {
		if u == nil || u.Amount != r.Amount || u.CreatedAt.Before(r.CreatedAt.Add(-settleGrace)) {
			continue
		}
		if at >= 0 {
			return nil, true
		}
		at = i
	}
	if at < 0 {
		return nil, false
	}
	ref, unkeyed[at] = unkeyed[at], nil
	return ref, false
}

func (s *Service) storedRefund(ctx context.Context, chargeID, refundID string) (*db.Refund, error) {
	refunds, err := db.ListRefundsQ(ctx, s.DB.R, chargeID)
	if err != nil {
		return nil, err
	}
	for _, f := range refunds {
		if f.ID == refundID {
			return f, nil
		}
	}
	return nil, db.ErrNotFound
}

func hasRefund(list []*db.Refund, id string) bool {
	for _, f := range list {
		if f.ID == id {
			return true
		}
	}
	return false
}

// refundDetail is the audit entry's detail: what was asked and what came of it.
func refundDetail(req RefundRequest, refundID, code string) string {
	m := map[string]any{"amount": req.Amount, "reason": req.Reason, "idempotency_key": req.IdempotencyKey}
	if req.Note != "" {
		m["note"] = req.Note
	}
	if refundID != "" {
		m["refund_id"] = refundID
	}
	if code != "" {
		m["code"] = code
	}
	b, _ := json.Marshal(m)
	return string(b)
}
