package web

import (
	"encoding/json"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"instore/handlers"
	"instore/metrics"
	"instore/money"
	"instore/payments"
)

// Broker fans committed changes out to live subscribers. Publishing never
// blocks: each subscriber has a buffered channel, and one that falls behind
// is dropped (its browser reconnects and reloads what it shows).
type Broker struct {
	mu      sync.RWMutex
	subs    map[*subscriber]struct{}
	buffer  int
	seq     atomic.Int64
	metrics *metrics.M
	streams streams // detached connections (broker_streams.go)

	// Recheck is how often each detached stream's viewer is checked again
	// (LiveFilter.Still); 0 means defaultRecheck. Set it before the first
	// stream opens.
	Recheck time.Duration
}

// NewBroker makes a broker; m may be nil.
func NewBroker(m *metrics.M) *Broker {
	return &Broker{subs: make(map[*subscriber]struct{}), buffer: 64, metrics: m}
}

type subscriber struct {
	b       *Broker
	filter  handlers.LiveFilter
	frames  chan []byte
	dropped chan struct{}
	once    sync.Once
}

func (s *subscriber) Frames() <-chan []byte    { return s.frames }
func (s *subscriber) Dropped() <-chan struct{} { return s.dropped }

// Close unsubscribes; safe to call more than once.
func (s *subscriber) Close() { s.b.remove(s, false) }

// Subscribe opens a feed filtered by f.
func (b *Broker) Subscribe(f handlers.LiveFilter) handlers.LiveSubscription {
	s := &subscriber{b: b, filter: f, frames: make(chan []byte, b.buffer), dropped: make(chan struct{})}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	b.countSubscribers()
	return s
}

// countSubscribers updates the subscriber gauge.
func (b *Broker) countSubscribers() {
	if b.metrics != nil {
		b.metrics.LiveSubscribers.Set(float64(b.Subscribers()))
	}
}

func (b *Broker) remove(s *subscriber, slow bool) {
	s.once.Do(func() {
		b.mu.Lock()
		delete(b.subs, s)
		b.mu.Unlock()
		if slow {
			close(s.dropped)
		}
		b.countSubscribers()
		if b.metrics != nil && slow {
			b.metrics.LiveDropped.Inc()
		}
	})
}

// Resync ends every feed, in-process and detached, without counting them
// as slow: their clients reconnect and reload what they show. The live
// feed calls it when changes may have been missed (its connection to the
// other instances was lost for a while).
func (b *Broker) Resync() {
	b.mu.RLock()
	all := make([]*subscriber, 0, len(b.subs))
	for s := range b.subs {
		all = append(all, s)
	}
	b.mu.RUnlock()
	for _, s := range all {
		s.once.Do(func() {
			b.mu.Lock()
			delete(b.subs, s)
			b.mu.Unlock()
			close(s.dropped)
		})
	}
	b.closeStreams()
	b.countSubscribers()
}

// Subscribers is the number of open feeds, detached streams included.
func (b *Broker) Subscribers() int {
	b.mu.RLock()
	n := len(b.subs)
	b.mu.RUnlock()
	b.streams.mu.Lock()
	n += b.streams.n
	b.streams.mu.Unlock()
	return n
}

// Close ends every detached stream (at shutdown: the server does not
// track hijacked connections); their browsers reconnect.
func (b *Broker) Close() {
	b.closeStreams()
	s := &b.streams
	s.mu.Lock()
	if s.stop != nil && !s.stopped {
		close(s.stop)
		s.stopped = true
	}
	s.mu.Unlock()
}

// LiveMessage is the JSON data of one live event: enough to update a row,
// a tile or a till screen without another request.
type LiveMessage struct {
	Kind           string `json:"kind"`
	ChargeID       string `json:"charge_id,omitempty"`
	AttemptID      string `json:"attempt_id,omitempty"`
	StoreID        string `json:"store_id"`
	TerminalID     string `json:"terminal_id"`
	Status         string `json:"status"`
	Amount         int64  `json:"amount,omitempty"`
	AmountDisplay  string `json:"amount_display,omitempty"`
	RefundedAmount int64  `json:"refunded_amount,omitempty"`
	FailureCode    string `json:"failure_code,omitempty"`
	CreatedAt      string `json:"created_at,omitempty"`
	At             string `json:"at"`
}

// Publish implements payments.Notifier. The frame is encoded once and
// shared by every subscriber.
func (b *Broker) Publish(c payments.Change) {
	msg := LiveMessage{Kind: c.Kind, ChargeID: c.ChargeID, AttemptID: c.AttemptID, StoreID: c.StoreID,
		TerminalID: c.TerminalID, Status: c.Status, At: c.At.UTC().Format("2006-01-02T15:04:05.000Z07:00")}
	if ch := c.Charge; ch != nil {
		msg.Amount, msg.AmountDisplay, msg.RefundedAmount = ch.Amount, money.FormatTHB(ch.Amount), ch.RefundedAmount
		msg.FailureCode = ch.FailureCode
		msg.CreatedAt = ch.CreatedAt.UTC().Format("2006-01-02T15:04:05Z07:00")
	}
	data, err := json.Marshal(msg)
	if err != nil {
		return
	}
	id := b.seq.Add(1)
	frame := make([]byte, 0, len(data)+48)
	frame = append(frame, "id: "...)
	frame = strconv.AppendInt(frame, id, 10)
	frame = append(frame, "\nevent: "...)
	frame = append(frame, c.Kind...)
	frame = append(frame, "\ndata: "...)
	frame = append(frame, data...)
	frame = append(frame, "\n\n"...)

	b.enqueue(c, frame)
	var slow []*subscriber
	b.mu.RLock()
	for s := range b.subs {
		if !matches(s.filter, c) {
			continue
		}
		select {
		case s.frames <- frame:
		default:
			slow = append(slow, s)
		}
	}
	b.mu.RUnlock()
	for _, s := range slow {
		b.remove(s, true)
	}
}

func matches(f handlers.LiveFilter, c payments.Change) bool {
	if f.Stores != nil && !f.Stores[c.StoreID] {
		return false
	}
	return (f.StoreID == "" || f.StoreID == c.StoreID) &&
		(f.TerminalID == "" || f.TerminalID == c.TerminalID) &&
		(f.ChargeID == "" || f.ChargeID == c.ChargeID) &&
		(f.AttemptID == "" || f.AttemptID == c.AttemptID)
}
