package sim

import (
	"container/heap"
	"sync"
	"time"

	"instore/omise"
)

// source is a payment source. Fields above the line never change after
// creation; the rest is guarded by Sim.mu.
type source struct {
	id, typ, flow                  string
	amount                         int64
	barcode                        string
	storeID, storeName, terminalID *string
	created                        time.Time

	chargeID     string
	doc          *document // PromptPay: the QR, set when charged, then immutable
	chargeStatus string    // unknown until charged, then mirrors the charge
	refExpiresAt time.Time // zero: "references" is null (before any charge)
}

// charge is a charge; mutable fields are guarded by Sim.mu. metadata maps
// are replaced, never modified, so snapshots may share them.
type charge struct {
	id                       string
	amount, fee, feeVat, net int64
	feeRate                  int64 // basis points at creation
	created                  time.Time
	src                      *source
	returnURI, ip            *string

	description                       *string
	metadata                          map[string]any
	status                            omise.ChargeStatus
	authorized, paid, expired, voided bool
	transaction                       string
	paidAt, expiresAt, expiredAt      time.Time
	failureCode                       string
	refunded                          int64
	refunds                           []*refund // append-only; refunds are immutable
	events                            []*event  // append-only
	listedAt                          time.Time // ListLate: absent from GET /charges before this
}

// refund never changes after creation.
type refund struct {
	id, chargeID, transaction string
	amount                    int64
	voided                    bool
	metadata                  map[string]any
	created                   time.Time
}

// event is immutable except deliveries (guarded by Sim.mu). Its data is a
// snapshot taken at the transition and rendered once, lazily, in the account
// version of that time.
type event struct {
	id, key  string
	created  time.Time
	version  string
	chargeID string
	charge   *chargeSnap // data when the event is about a charge
	refund   *refund     // data when the event is about a refund

	once       sync.Once
	data       []byte // rendered data object
	payload    []byte // the event as delivered (webhook_deliveries empty)
	payloadStr string // the same, shared by every webhook_delivery record

	deliveries []webhookDelivery
}

// chargeSnap is a consistent copy of a charge and its source.
type chargeSnap struct {
	c   charge
	src source
}

// snapLocked copies c; the refunds slice is capped so later appends are
// invisible to the copy.
func snapLocked(c *charge) *chargeSnap {
	sn := &chargeSnap{c: *c, src: *c.src}
	n := len(c.refunds)
	sn.c.refunds = c.refunds[:n:n]
	sn.c.events = nil
	sn.c.src = nil
	return sn
}

// newEventLocked records an event about charge c (and refund r when set).
func (s *Sim) newEventLocked(key string, c *charge, r *refund) *event {
	ev := &event{
		id:       s.newID("evnt"),
		key:      key,
		created:  s.stamp(),
		version:  s.shape(s.o.AccountVersion),
		chargeID: c.id,
	}
	if r != nil {
		ev.refund = r
	} else {
		ev.charge = snapLocked(c)
	}
	s.events = append(s.events, ev)
	s.eventsByID[ev.id] = ev
	c.events = append(c.events, ev)
	s.stats.events.Add(1)
	return ev
}

// publish hands events to the webhook workers (after the lock is released).
func (s *Sim) publish(evs ...*event) {
	if s.wh == nil {
		return
	}
	for _, ev := range evs {
		s.wh.enqueue(ev)
	}
}

// setSuccessLocked makes c successful at t.
func (s *Sim) setSuccessLocked(c *charge, t time.Time) {
	c.status = omise.StatusSuccessful
	c.authorized, c.paid, c.expired = true, true, false
	c.paidAt, c.expiredAt = t, time.Time{}
	c.failureCode = ""
	if c.transaction == "" {
		c.transaction = s.newID("trxn")
	}
	c.src.chargeStatus = string(c.status)
}

// setFailedLocked makes c failed with code.
func setFailedLocked(c *charge, code string) {
	c.status = omise.StatusFailed
	c.authorized, c.paid, c.expired = false, false, false
	c.paidAt, c.expiredAt = time.Time{}, time.Time{}
	c.failureCode = code
	c.transaction = ""
	c.src.chargeStatus = string(c.status)
}

// expireLocked makes c expired at t; expires_at then equals expired_at, as
// Omise shows after POST /expire.
func (s *Sim) expireLocked(c *charge, t time.Time) {
	c.status = omise.StatusExpired
	c.authorized, c.paid, c.expired = false, false, true
	c.paidAt = time.Time{}
	c.expiredAt, c.expiresAt = t, t
	c.failureCode = ""
	c.transaction = ""
	c.src.chargeStatus = string(c.status)
}

// dueLocked reports whether a pending charge is past its expires_at.
func dueLocked(c *charge, now time.Time) bool {
	return c.status == omise.StatusPending && !c.expiresAt.After(now)
}

// addPendingLocked registers a new pending charge for auto-expiry.
func (s *Sim) addPendingLocked(c *charge) { heap.Push(&s.expiries, c) }
