package sim

import (
	"strings"

	"instore/omise"
)

// Fees computes Omise's fee, VAT on the fee (7%) and net for amount at a
// rate in basis points, all rounded half-up in integer satang:
// fee = round(amount*rate), fee_vat = round(fee*7%), net = amount-fee-fee_vat.
func Fees(amount, rateBasisPoints int64) (fee, feeVat, net int64) {
	fee = (amount*rateBasisPoints + 5000) / 10000
	feeVat = (fee*7 + 50) / 100
	return fee, feeVat, amount - fee - feeVat
}

func (s *Sim) createCharge(q *request) (any, *Error) {
	p := q.p
	amount, e := s.checkAmount(p["amount"], p.has("amount"))
	if e != nil {
		return nil, e
	}
	if !p.has("currency") {
		return nil, errCurrencyMissing
	}
	if !strings.EqualFold(p.str("currency"), currencyTHB) {
		return nil, errChargeCurrency
	}
	if e := s.checkRange(amount); e != nil {
		return nil, e
	}
	desc, e := description(p)
	if e != nil {
		return nil, e
	}
	meta, e := p.metadata()
	if e != nil {
		return nil, e
	}
	// The simulator has no cards or customers; Omise answers an unknown
	// token or customer with not_found, as recorded.
	if card := p.str("card"); card != "" {
		return nil, errNotFound("token", card)
	}
	if cust := p.str("customer"); cust != "" {
		return nil, errNotFound("customer", cust)
	}
	var srcID string
	var inline *source
	switch v := p["source"].(type) {
	case nil:
		return nil, errNoPaymentMethod
	case string:
		if v == "" {
			return nil, errNoPaymentMethod
		}
		srcID = v
	case map[string]any:
		sp := params(v)
		if sp.has("currency") && !strings.EqualFold(sp.str("currency"), currencyTHB) {
			return nil, errChargeCurrency
		}
		if sp.has("amount") {
			n, err := asInt(sp["amount"])
			if err != nil {
				return nil, errAmountNaN
			}
			if n != amount {
				return nil, errSourceAmount
			}
		}
		if inline, e = s.buildSource(sp, amount); e != nil {
			return nil, e
		}
	default:
		return nil, errSourceParam
	}

	fee, vat, net := Fees(amount, s.o.FeeRateBasisPoints)
	c := &charge{
		amount:      amount,
		fee:         fee,
		feeVat:      vat,
		net:         net,
		feeRate:     s.o.FeeRateBasisPoints,
		returnURI:   p.optString("return_uri"),
		ip:          p.optString("ip"),
		description: desc,
		metadata:    meta,
		status:      omise.StatusPending,
	}

	s.mu.Lock()
	// Stamped under the lock: the charge list is kept in creation order and
	// cut by created_at with binary searches, so a charge must never be
	// appended after one created later.
	now := s.stamp()
	c.created, c.expiresAt = now, now.Add(s.o.ChargeTTL)
	src := inline
	if src == nil {
		src = s.sources[srcID]
		switch {
		case src == nil:
			s.mu.Unlock()
			return nil, errNotFound("source", srcID)
		case src.chargeID != "":
			s.mu.Unlock()
			return nil, errSourceUsed
		case src.amount != amount:
			s.mu.Unlock()
			return nil, errSourceAmount
		}
	} else {
		src.created = now
		s.sources[src.id] = src
	}
	c.id = s.newID("chrg")
	c.src = src
	if isPromptPay(src) {
		doc, err := s.newPromptPayDocument(c.id, amount, q.base, now)
		if err != nil {
			s.mu.Unlock()
			s.log.Error("promptpay qr", "err", err)
			return nil, errInternal
		}
		src.doc = doc
	}
	src.chargeID = c.id
	src.chargeStatus = string(omise.StatusPending)
	src.refExpiresAt = c.expiresAt
	s.charges[c.id] = c
	s.chargeList = append(s.chargeList, c)
	s.addPendingLocked(c)
	ev := s.newEventLocked("charge.create", c, nil)
	sn := snapLocked(c)
	s.mu.Unlock()

	if inline != nil {
		s.stats.sources.Add(1)
	}
	s.stats.charges.Add(1)
	s.publish(ev)
	if s.o.AutoOutcome {
		id := c.id
		s.sched.after(s.o.AutoOutcomeDelay, func() { s.autoResolve(id) })
	}
	return renderCharge(sn, q.version, now), nil
}

// description reads the optional description (string or null).
func description(p params) (*string, *Error) {
	switch v := p["description"].(type) {
	case nil:
		return nil, nil
	case string:
		if v == "" {
			return nil, nil
		}
		return &v, nil
	}
	return nil, errDescription
}

// snapshot returns a copy of charge id, or nil.
func (s *Sim) snapshot(id string) *chargeSnap {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c := s.charges[id]
	if c == nil {
		return nil
	}
	return snapLocked(c)
}

func (s *Sim) getCharge(q *request) (any, *Error) {
	sn := s.snapshot(q.id)
	if sn == nil {
		return nil, errNotFound("charge", q.id)
	}
	return renderCharge(sn, q.version, q.now), nil
}

// updateCharge changes description and metadata (the only fields Omise lets
// PATCH change). Metadata is replaced as a whole (ours; Omise's merge rule is
// unknown).
func (s *Sim) updateCharge(q *request) (any, *Error) {
	p := q.p
	hasDesc, hasMeta := p.has("description"), p.has("metadata")
	desc, e := description(p)
	if e != nil {
		return nil, e
	}
	meta, e := p.metadata()
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	c := s.charges[q.id]
	if c == nil {
		s.mu.Unlock()
		return nil, errNotFound("charge", q.id)
	}
	var ev *event
	if hasDesc || hasMeta {
		if hasDesc {
			c.description = desc
		}
		if hasMeta {
			c.metadata = meta
		}
		ev = s.newEventLocked("charge.update", c, nil)
	}
	sn := snapLocked(c)
	s.mu.Unlock()
	if ev != nil {
		s.publish(ev)
	}
	return renderCharge(sn, q.version, q.now), nil
}

// expireCharge is POST /charges/{id}/expire: only pending charges expire.
func (s *Sim) expireCharge(q *request) (any, *Error) {
	s.mu.Lock()
	c := s.charges[q.id]
	if c == nil {
		s.mu.Unlock()
		return nil, errNotFound("charge", q.id)
	}
	if c.status != omise.StatusPending {
		s.mu.Unlock()
		return nil, errFailedExpire
	}
	s.expireLocked(c, q.now)
	ev := s.newEventLocked("charge.expire", c, nil)
	sn := snapLocked(c)
	s.mu.Unlock()
	s.publish(ev)
	return renderCharge(sn, q.version, q.now), nil
}

// reverseCharge: barcode charges are auto-captured, so reverse always fails
// as recorded for a captured charge.
func (s *Sim) reverseCharge(q *request) (any, *Error) {
	if s.snapshot(q.id) == nil {
		return nil, errNotFound("charge", q.id)
	}
	return nil, errFailedReverse
}

// captureCharge: barcode charges have capture=true; there is nothing to
// capture.
func (s *Sim) captureCharge(q *request) (any, *Error) {
	if s.snapshot(q.id) == nil {
		return nil, errNotFound("charge", q.id)
	}
	return nil, errFailedCapture
}

func (s *Sim) markPaidHTTP(q *request) (any, *Error) {
	sn, e := s.complete(q.id, "")
	if e != nil {
		return nil, e
	}
	return renderCharge(sn, q.version, q.now), nil
}

func (s *Sim) markFailedHTTP(q *request) (any, *Error) {
	code := q.p.str("failure_code")
	if _, ok := failureMessages[code]; !ok {
		return nil, errFailureCode
	}
	sn, e := s.complete(q.id, code)
	if e != nil {
		return nil, e
	}
	return renderCharge(sn, q.version, q.now), nil
}

// complete moves a pending charge to successful (code "") or failed (code),
// emitting charge.complete. A pending charge past expires_at is expired
// first and the call fails with expired_charge, as Omise documents.
func (s *Sim) complete(id, code string) (*chargeSnap, *Error) {
	if code != "" {
		if _, ok := failureMessages[code]; !ok {
			return nil, errFailureCode
		}
	}
	now := s.stamp()
	s.mu.Lock()
	c := s.charges[id]
	if c == nil {
		s.mu.Unlock()
		return nil, errNotFound("charge", id)
	}
	if dueLocked(c, now) {
		s.expireLocked(c, c.expiresAt)
		ev := s.newEventLocked("charge.expire", c, nil)
		s.mu.Unlock()
		s.publish(ev)
		return nil, errExpiredCharge
	}
	switch c.status {
	case omise.StatusPending:
	case omise.StatusExpired:
		s.mu.Unlock()
		return nil, errExpiredCharge
	default:
		s.mu.Unlock()
		return nil, errNotPending
	}
	if code == "" {
		s.setSuccessLocked(c, now)
	} else {
		setFailedLocked(c, code)
	}
	ev := s.newEventLocked("charge.complete", c, nil)
	sn := snapLocked(c)
	s.mu.Unlock()
	s.publish(ev)
	return sn, nil
}
