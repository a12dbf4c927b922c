package sim

import "instore/omise"

func (s *Sim) createRefund(q *request) (any, *Error) {
	p := q.p
	s.mu.RLock()
	_, ok := s.charges[q.id]
	s.mu.RUnlock()
	if !ok {
		return nil, errNotFound("charge", q.id)
	}
	amount, e := s.checkAmount(p["amount"], p.has("amount"))
	if e != nil {
		return nil, e
	}
	meta, e := p.metadata()
	if e != nil {
		return nil, e
	}
	r, e := s.refund(q.id, amount, p.boolean("void"), meta, false)
	if e != nil {
		return nil, e
	}
	return renderRefundIn(r, q.version), nil
}

// refund creates a refund atomically under the lock, so concurrent refunds
// never exceed the charge amount. Rules: the charge is successful, not fully
// refunded, has fewer than 15 refunds, was paid at most 365 days ago, and the
// amount fits in what is left. quiet records the refund.create event without
// delivering it (a refund made in the dashboard that the app never heard of).
func (s *Sim) refund(chargeID string, amount int64, void bool, meta map[string]any, quiet bool) (*refund, *Error) {
	if amount <= 0 {
		return nil, errRefundAmount
	}
	if meta == nil {
		meta = map[string]any{}
	}
	s.mu.Lock()
	// Stamped under the lock, as charges are: GET /refunds is cut by
	// created_at in list order.
	now := s.stamp()
	c := s.charges[chargeID]
	var e *Error
	switch {
	case c == nil:
		e = errNotFound("charge", chargeID)
	case c.status != omise.StatusSuccessful:
		e = errCannotRefund
	case c.refunded >= c.amount:
		e = errRefundFull
	case len(c.refunds) >= MaxRefundsPerCharge:
		e = errRefundTooMany
	case now.Sub(c.paidAt) > RefundWindow:
		e = errRefundTooOld
	case amount > c.amount-c.refunded:
		e = errRefundExceeds
	}
	if e != nil {
		s.mu.Unlock()
		return nil, e
	}
	r := &refund{
		id:          s.newID("rfnd"),
		chargeID:    c.id,
		transaction: s.newID("trxn"),
		amount:      amount,
		voided:      void,
		metadata:    meta,
		created:     now,
	}
	c.refunds = append(c.refunds, r)
	c.refunded += amount
	if void {
		c.voided = true
	}
	s.refunds = append(s.refunds, r)
	ev := s.newEventLocked("refund.create", c, r)
	s.mu.Unlock()
	s.stats.refunds.Add(1)
	if !quiet {
		s.publish(ev)
	}
	return r, nil
}

func (s *Sim) getRefund(q *request) (any, *Error) {
	s.mu.RLock()
	c := s.charges[q.id]
	var r *refund
	if c != nil {
		for _, x := range c.refunds {
			if x.id == q.sub {
				r = x
				break
			}
		}
	}
	s.mu.RUnlock()
	if c == nil {
		return nil, errNotFound("charge", q.id)
	}
	if r == nil {
		return nil, errNotFound("refund", q.sub)
	}
	return renderRefundIn(r, q.version), nil
}
