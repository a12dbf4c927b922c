package web

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"runtime"
	"sync"
	"time"

	"instore/handlers"
	"instore/payments"
)

// Detached streams: an SSE connection taken over from its request.
//
// A stream served by its handler keeps, for hours, everything its request
// built: the middleware chain's frames on a grown goroutine stack, the
// session and CSRF state, the logger's fields, the server's read and write
// buffers and a frame channel. Once the user is authorised and the filter
// known, none of that is needed. Detach hijacks the connection, writes the
// response head itself and lets the request end; the broker keeps only the
// connection and its filter. Subscribers with the same filter form a
// group: each batch of changes is encoded and concatenated once per group
// and the same bytes are written to every connection in it. Publishing
// only queues the change; a flusher writes at most once per flushEvery
// (so a burst of changes is one write per subscriber), in parallel over
// the cores. A tiny reader per connection notices a client that leaves.

const (
	// flushEvery is the shortest gap between two writes to a stream.
	flushEvery = 5 * time.Millisecond
	// streamWriteTimeout drops a client that does not take a write in time.
	streamWriteTimeout = 2 * time.Second
	// streamHeartbeat keeps proxies from closing an idle stream.
	streamHeartbeat = 15 * time.Second
	// defaultRecheck is how often a stream's viewer is checked again
	// (Broker.Recheck): a revoked login stops seeing sales within it.
	defaultRecheck = 10 * time.Second
)

type streamGroup struct {
	filter handlers.LiveFilter
	conns  map[*streamConn]struct{}
}

// filterKey is a LiveFilter without Stores, as a map key.
type filterKey struct{ store, terminal, charge, attempt string }

func keyOf(f handlers.LiveFilter) filterKey {
	return filterKey{f.StoreID, f.TerminalID, f.ChargeID, f.AttemptID}
}

type streamConn struct {
	conn  net.Conn
	group *streamGroup
	once  sync.Once
	// still is the stream's LiveFilter.Still: the group shares a filter,
	// not a viewer, so each connection keeps its own.
	still func(context.Context) bool
	// deadline is the write deadline last set; it is moved only when
	// less than half of streamWriteTimeout is left (a timer change per
	// write is a cost at thousands of streams).
	deadline time.Time
}

type queued struct {
	change payments.Change
	frame  []byte
}

// streams is the broker's detached side.
type streams struct {
	mu     sync.Mutex
	groups map[filterKey]*streamGroup // filters without Stores
	scoped []*streamGroup             // filters with Stores (maps cannot be keys)
	n      int

	qmu     sync.Mutex
	pending []queued
	wake    chan struct{}
	start   sync.Once
	scratch []streamWrite // the flusher's, reused
	stop    chan struct{} // closed by Broker.Close
	stopped bool
}

// Detach takes over the request's connection as a live stream filtered by
// f (handlers.LiveDetacher). It reports false, having written nothing,
// when the connection cannot be taken over (HTTP/2, a test recorder); the
// handler then streams by itself.
func (b *Broker) Detach(w http.ResponseWriter, f handlers.LiveFilter) bool {
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return false
	}
	_ = conn.SetDeadline(time.Time{})
	_ = rw // nothing was written through the server's buffers; they go with the request
	h := w.Header().Clone()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache, no-store")
	h.Set("X-Accel-Buffering", "no")
	h.Set("Connection", "close") // the body ends when the connection does
	var head bytes.Buffer
	head.WriteString("HTTP/1.1 200 OK\r\n")
	_ = h.Write(&head)
	head.WriteString("\r\nretry: 2000\n: connected\n\n")
	b.adopt(conn, head.Bytes(), f)
	return true
}

// adopt registers conn for f's changes and sends it head, the answer's
// start. The head goes out once the stream is registered, so a change
// published after the client has its 200 reaches it (a browser that
// reads the state and then opens the feed misses nothing in between),
// and while the streams' lock is held, so the flusher never writes a
// change before it. A fresh connection takes the few hundred bytes at
// once.
func (b *Broker) adopt(conn net.Conn, head []byte, f handlers.LiveFilter) {
	s := &b.streams
	s.start.Do(func() {
		stop := make(chan struct{})
		s.mu.Lock()
		s.wake = make(chan struct{}, 1)
		s.stop = stop
		s.mu.Unlock()
		go b.flushLoop(stop)
		go b.recheckLoop(stop)
	})
	sc := &streamConn{conn: conn, still: f.Still}
	s.mu.Lock()
	var g *streamGroup
	if f.Stores == nil {
		if s.groups == nil {
			s.groups = make(map[filterKey]*streamGroup)
		}
		if g = s.groups[keyOf(f)]; g == nil {
			g = &streamGroup{filter: f, conns: map[*streamConn]struct{}{}}
			s.groups[keyOf(f)] = g
		}
	} else {
		for _, x := range s.scoped {
			if sameFilter(x.filter, f) {
				g = x
				break
			}
		}
		if g == nil {
			g = &streamGroup{filter: f, conns: map[*streamConn]struct{}{}}
			s.scoped = append(s.scoped, g)
		}
	}
	sc.deadline = time.Now().Add(streamWriteTimeout)
	_ = conn.SetWriteDeadline(sc.deadline)
	if _, err := conn.Write(head); err != nil {
		s.mu.Unlock()
		conn.Close()
		return
	}
	sc.group = g
	g.conns[sc] = struct{}{}
	s.n++
	s.mu.Unlock()
	b.countSubscribers()
	go b.watch(sc)
}

// recheckLoop asks every stream's viewer check again each Recheck and
// drops the streams whose login has ended or changed; their browsers
// reconnect, and the new request is authorised (or refused) afresh.
func (b *Broker) recheckLoop(stop chan struct{}) {
	every := b.Recheck
	if every <= 0 {
		every = defaultRecheck
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	var checked []*streamConn
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		s := &b.streams
		checked = checked[:0]
		s.mu.Lock()
		for _, g := range s.groups {
			for sc := range g.conns {
				if sc.still != nil {
					checked = append(checked, sc)
				}
			}
		}
		for _, g := range s.scoped {
			for sc := range g.conns {
				if sc.still != nil {
					checked = append(checked, sc)
				}
			}
		}
		s.mu.Unlock()
		// Outside the lock: the checks read the database, and publishing
		// must not wait for them.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		for _, sc := range checked {
			if !sc.still(ctx) {
				b.drop(sc)
			}
		}
		cancel()
		clear(checked)
	}
}

// watch notices the client closing its connection (a live client sends
// nothing after its request).
func (b *Broker) watch(sc *streamConn) {
	var one [1]byte
	for {
		if _, err := sc.conn.Read(one[:]); err != nil {
			b.drop(sc)
			return
		}
	}
}

func (b *Broker) drop(sc *streamConn) {
	sc.once.Do(func() {
		sc.conn.Close()
		s := &b.streams
		s.mu.Lock()
		delete(sc.group.conns, sc)
		s.n--
		s.mu.Unlock()
		b.countSubscribers()
	})
}

func sameFilter(a, b handlers.LiveFilter) bool {
	if a.StoreID != b.StoreID || a.TerminalID != b.TerminalID || a.ChargeID != b.ChargeID || a.AttemptID != b.AttemptID ||
		len(a.Stores) != len(b.Stores) {
		return false
	}
	for k, v := range a.Stores {
		if b.Stores[k] != v {
			return false
		}
	}
	return true
}

// enqueue hands a published change to the flusher.
func (b *Broker) enqueue(c payments.Change, frame []byte) {
	s := &b.streams
	s.mu.Lock()
	n, wake := s.n, s.wake
	s.mu.Unlock()
	if n == 0 {
		return
	}
	s.qmu.Lock()
	s.pending = append(s.pending, queued{change: c, frame: frame})
	s.qmu.Unlock()
	select {
	case wake <- struct{}{}:
	default:
	}
}

type streamWrite struct {
	sc  *streamConn
	buf []byte
}

func (b *Broker) flushLoop(stop chan struct{}) {
	s := &b.streams
	hb := time.NewTicker(streamHeartbeat)
	defer hb.Stop()
	for {
		heartbeat := false
		select {
		case <-stop:
			return
		case <-s.wake:
		case <-hb.C:
			heartbeat = true
		}
		started := time.Now()
		s.qmu.Lock()
		batch := s.pending
		s.pending = nil
		s.qmu.Unlock()
		b.flush(batch, heartbeat)
		// At most one write per stream per flushEvery: what is published
		// meanwhile waits for the next flush and shares its write. A flush
		// that took longer than that is followed at once.
		if rest := flushEvery - time.Since(started); rest > 0 {
			time.Sleep(rest)
		}
	}
}

func (b *Broker) flush(batch []queued, heartbeat bool) {
	s := &b.streams
	writes := s.scratch[:0] // only the flusher flushes: its slice is reused
	s.mu.Lock()
	groups := make([]*streamGroup, 0, len(s.groups)+len(s.scoped))
	for _, g := range s.groups {
		groups = append(groups, g)
	}
	groups = append(groups, s.scoped...)
	for _, g := range groups {
		var buf []byte
		for _, q := range batch {
			if matches(g.filter, q.change) {
				buf = append(buf, q.frame...)
			}
		}
		if len(buf) == 0 {
			if !heartbeat {
				continue
			}
			buf = []byte(": heartbeat\n\n")
		}
		for sc := range g.conns {
			writes = append(writes, streamWrite{sc: sc, buf: buf})
		}
	}
	// Empty groups go; their filter comes back with its next subscriber.
	for f, g := range s.groups {
		if len(g.conns) == 0 {
			delete(s.groups, f)
		}
	}
	kept := s.scoped[:0]
	for _, g := range s.scoped {
		if len(g.conns) > 0 {
			kept = append(kept, g)
		}
	}
	for i := len(kept); i < len(s.scoped); i++ {
		s.scoped[i] = nil
	}
	s.scoped = kept
	s.mu.Unlock()
	defer func() { clear(writes); s.scratch = writes[:0] }()
	if len(writes) == 0 {
		return
	}
	workers := runtime.GOMAXPROCS(0)
	if workers > len(writes) {
		workers = len(writes)
	}
	now := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(writes); i += workers {
				x := writes[i]
				if x.sc.deadline.Sub(now) < streamWriteTimeout/2 {
					x.sc.deadline = now.Add(streamWriteTimeout)
					_ = x.sc.conn.SetWriteDeadline(x.sc.deadline)
				}
				if _, err := x.sc.conn.Write(x.buf); err != nil {
					b.drop(x.sc)
				}
			}
		}(w)
	}
	wg.Wait()
}

// closeStreams ends every detached stream (shutdown).
func (b *Broker) closeStreams() {
	s := &b.streams
	s.mu.Lock()
	var all []*streamConn
	for _, g := range s.groups {
		for sc := range g.conns {
			all = append(all, sc)
		}
	}
	for _, g := range s.scoped {
		for sc := range g.conns {
			all = append(all, sc)
		}
	}
	s.mu.Unlock()
	for _, sc := range all {
		b.drop(sc)
	}
}
