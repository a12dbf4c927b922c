package sim

import (
	"sort"
	"strconv"
	"time"

	"instore/omise"
)

// List limits (Omise: default 20, max 100; larger limits are clamped).
const (
	DefaultListLimit = 20
	MaxListLimit     = 100
)

// listQuery holds the pagination parameters every list accepts.
type listQuery struct {
	from, to      time.Time
	offset, limit int
	order         string
}

var epoch = time.Unix(0, 0).UTC()

// parseList reads from, to (RFC 3339 or date-only), offset, limit, order.
func parseList(p params, now time.Time) (listQuery, *Error) {
	lq := listQuery{from: epoch, to: now, limit: DefaultListLimit, order: omise.OrderChronological}
	var err *Error
	if v := p.str("from"); v != "" {
		if lq.from, err = parseListTime(v, "from"); err != nil {
			return lq, err
		}
	}
	if v := p.str("to"); v != "" {
		if lq.to, err = parseListTime(v, "to"); err != nil {
			return lq, err
		}
	}
	if v := p.str("offset"); v != "" {
		n, e := strconv.Atoi(v)
		if e != nil || n < 0 {
			return lq, errListParam("offset")
		}
		lq.offset = n
	}
	if v := p.str("limit"); v != "" {
		n, e := strconv.Atoi(v)
		if e != nil {
			return lq, errListParam("limit")
		}
		if n > 0 {
			lq.limit = min(n, MaxListLimit)
		}
	}
	if p.str("order") == omise.OrderReverseChronological {
		lq.order = omise.OrderReverseChronological
	}
	return lq, nil
}

func parseListTime(v, name string) (time.Time, *Error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errListParam(name)
}

// page selects the items of one page from items, which are in creation order
// (created times non-decreasing, so from/to are binary searches).
func page[T any](items []T, created func(T) time.Time, lq listQuery) (sel []T, total int) {
	lo := sort.Search(len(items), func(i int) bool { return !created(items[i]).Before(lq.from) })
	hi := sort.Search(len(items), func(i int) bool { return created(items[i]).After(lq.to) })
	if hi < lo {
		hi = lo
	}
	total = hi - lo
	if lq.offset >= total {
		return nil, total
	}
	n := min(lq.limit, total-lq.offset)
	sel = make([]T, n)
	if lq.order == omise.OrderReverseChronological {
		for i := range n {
			sel[i] = items[hi-1-lq.offset-i]
		}
	} else {
		copy(sel, items[lo+lq.offset:lo+lq.offset+n])
	}
	return sel, total
}

// list wraps data in Omise's list object.
func list(lq listQuery, location string, total int, data any) *listJSON {
	order := lq.order
	return &listJSON{
		Object:   "list",
		Data:     data,
		Limit:    lq.limit,
		Offset:   lq.offset,
		Total:    total,
		Location: location,
		Order:    &order,
		From:     ts(lq.from),
		To:       ts(lq.to),
	}
}

func chargeCreated(c *charge) time.Time { return c.created }
func refundCreated(r *refund) time.Time { return r.created }
func eventCreated(e *event) time.Time   { return e.created }

func (s *Sim) listCharges(q *request) (any, *Error) {
	lq, e := parseList(q.p, q.now)
	if e != nil {
		return nil, e
	}
	s.mu.RLock()
	items := s.chargeList
	if s.lateListed {
		items = listedLocked(items, q.now)
	}
	sel, total := page(items, chargeCreated, lq)
	snaps := make([]*chargeSnap, len(sel))
	for i, c := range sel {
		snaps[i] = snapLocked(c)
	}
	s.mu.RUnlock()
	data := make([]any, len(snaps))
	for i, sn := range snaps {
		data[i] = renderCharge(sn, q.version, q.now)
	}
	return list(lq, "/charges", total, data), nil
}

func renderRefunds(rs []*refund, v string) []any {
	out := make([]any, len(rs))
	for i, r := range rs {
		out[i] = renderRefundIn(r, v)
	}
	return out
}

func (s *Sim) listRefunds(q *request) (any, *Error) {
	lq, e := parseList(q.p, q.now)
	if e != nil {
		return nil, e
	}
	s.mu.RLock()
	sel, total := page(s.refunds, refundCreated, lq)
	s.mu.RUnlock()
	return list(lq, "/refunds", total, renderRefunds(sel, q.version)), nil
}

func (s *Sim) listChargeRefunds(q *request) (any, *Error) {
	lq, e := parseList(q.p, q.now)
	if e != nil {
		return nil, e
	}
	s.mu.RLock()
	c := s.charges[q.id]
	var sel []*refund
	var total int
	if c != nil {
		sel, total = page(c.refunds, refundCreated, lq)
	}
	s.mu.RUnlock()
	if c == nil {
		return nil, errNotFound("charge", q.id)
	}
	return list(lq, "/charges/"+q.id+"/refunds", total, renderRefunds(sel, q.version)), nil
}

// eventsJSON renders events with copies of their deliveries taken under the
// lock by the caller.
func renderEvents(evs []*event, dels [][]webhookDelivery) []*eventJSON {
	out := make([]*eventJSON, len(evs))
	for i, ev := range evs {
		ev.render()
		out[i] = ev.json(dels[i])
	}
	return out
}

func deliveriesLocked(evs []*event) [][]webhookDelivery {
	out := make([][]webhookDelivery, len(evs))
	for i, ev := range evs {
		n := len(ev.deliveries)
		out[i] = ev.deliveries[:n:n]
	}
	return out
}

func (s *Sim) listEvents(q *request) (any, *Error) {
	lq, e := parseList(q.p, q.now)
	if e != nil {
		return nil, e
	}
	s.mu.RLock()
	sel, total := page(s.events, eventCreated, lq)
	dels := deliveriesLocked(sel)
	s.mu.RUnlock()
	return list(lq, "/events", total, renderEvents(sel, dels)), nil
}

func (s *Sim) listChargeEvents(q *request) (any, *Error) {
	lq, e := parseList(q.p, q.now)
	if e != nil {
		return nil, e
	}
	s.mu.RLock()
	c := s.charges[q.id]
	var sel []*event
	var total int
	var dels [][]webhookDelivery
	if c != nil {
		sel, total = page(c.events, eventCreated, lq)
		dels = deliveriesLocked(sel)
	}
	s.mu.RUnlock()
	if c == nil {
		return nil, errNotFound("charge", q.id)
	}
	return list(lq, "/charges/"+q.id+"/events", total, renderEvents(sel, dels)), nil
}

func (s *Sim) getEvent(q *request) (any, *Error) {
	s.mu.RLock()
	ev := s.eventsByID[q.id]
	var dels [][]webhookDelivery
	if ev != nil {
		dels = deliveriesLocked([]*event{ev})
	}
	s.mu.RUnlock()
	if ev == nil {
		return nil, errNotFound("event", q.id)
	}
	return renderEvents([]*event{ev}, dels)[0], nil
}
