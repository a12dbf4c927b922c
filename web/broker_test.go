package web

import (
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"instore/handlers"
	"instore/payments"
)

func TestBrokerFiltersAndScopes(t *testing.T) {
	t.Parallel()
	b := NewBroker(nil)
	all := b.Subscribe(handlers.LiveFilter{})
	store := b.Subscribe(handlers.LiveFilter{Stores: map[string]bool{"s1": true}})
	term := b.Subscribe(handlers.LiveFilter{Stores: map[string]bool{"s1": true}, TerminalID: "T2"})
	defer all.Close()
	defer store.Close()
	defer term.Close()
	b.Publish(payments.Change{Kind: "charge", ChargeID: "c1", StoreID: "s1", TerminalID: "T1", Status: "pending"})
	b.Publish(payments.Change{Kind: "charge", ChargeID: "c2", StoreID: "s2", TerminalID: "T2", Status: "pending"})
	if n := len(all.Frames()); n != 2 {
		t.Fatalf("admin feed got %d frames, want 2", n)
	}
	if n := len(store.Frames()); n != 1 {
		t.Fatalf("store feed got %d frames, want 1", n)
	}
	if n := len(term.Frames()); n != 0 {
		t.Fatalf("terminal feed of another terminal got %d frames", n)
	}
	f := string(<-store.Frames())
	if !strings.Contains(f, "event: charge\n") || !strings.Contains(f, `"charge_id":"c1"`) || !strings.HasSuffix(f, "\n\n") {
		t.Fatalf("frame %q", f)
	}
}

func TestBrokerDropsSlowSubscriberWithoutBlocking(t *testing.T) {
	t.Parallel()
	b := NewBroker(nil)
	slow := b.Subscribe(handlers.LiveFilter{})
	fast := b.Subscribe(handlers.LiveFilter{})
	done := make(chan struct{})
	go func() {
		for range fast.Frames() {
		}
	}()
	go func() {
		for i := 0; i < 1000; i++ {
			b.Publish(payments.Change{Kind: "charge", ChargeID: "c", StoreID: "s"})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("publish blocked on a slow subscriber")
	}
	select {
	case <-slow.Dropped():
	default:
		t.Fatal("slow subscriber was not dropped")
	}
	fast.Close()
	slow.Close()
	if b.Subscribers() != 0 {
		t.Fatalf("subscribers left behind: %d", b.Subscribers())
	}
}

func BenchmarkBrokerPublish1000(b *testing.B) {
	br := NewBroker(nil)
	for i := 0; i < 1000; i++ {
		s := br.Subscribe(handlers.LiveFilter{})
		go func() {
			for range s.Frames() {
			}
		}()
	}
	c := payments.Change{Kind: "charge", ChargeID: "chrg_test_x", StoreID: "s", TerminalID: "T", Status: "successful"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		br.Publish(c)
	}
}

// discardConn is a client connection that takes every write and never
// sends anything (as a live browser after its request).
type discardConn struct {
	net.Conn
	closed chan struct{}
	once   sync.Once
	n      atomic.Int64
}

func newDiscardConn() *discardConn { return &discardConn{closed: make(chan struct{})} }

func (c *discardConn) Write(p []byte) (int, error)      { c.n.Add(int64(len(p))); return len(p), nil }
func (c *discardConn) Read([]byte) (int, error)         { <-c.closed; return 0, io.EOF }
func (c *discardConn) Close() error                     { c.once.Do(func() { close(c.closed) }); return nil }
func (c *discardConn) SetWriteDeadline(time.Time) error { return nil }

// BenchmarkStreamsFlush5000 is one change reaching 5,000 detached streams
// (4,000 admins on one filter, 1,000 store managers over 10 stores): the
// frame is encoded once, concatenated once per filter group, and the same
// bytes are written to every stream of the group.
func BenchmarkStreamsFlush5000(b *testing.B) {
	br := NewBroker(nil)
	br.streams.start.Do(func() {}) // no flusher of its own: the loop below flushes
	var conns []*discardConn
	for i := 0; i < 5000; i++ {
		c := newDiscardConn()
		conns = append(conns, c)
		f := handlers.LiveFilter{}
		if i >= 4000 {
			f.Stores = map[string]bool{fmt.Sprintf("S%02d", i%10): true}
		}
		br.adopt(c, nil, f)
	}
	defer br.Close()
	ch := payments.Change{Kind: "charge", ChargeID: "chrg_test_x", StoreID: "S03", TerminalID: "T", Status: "successful"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		br.Publish(ch)
		br.streams.qmu.Lock()
		batch := br.streams.pending
		br.streams.pending = nil
		br.streams.qmu.Unlock()
		br.flush(batch, false)
	}
	b.StopTimer()
	if conns[0].n.Load() == 0 || conns[4003].n.Load() == 0 || conns[4004].n.Load() != 0 {
		b.Fatalf("fan-out wrong: admin %d, S03 manager %d, S04 manager %d", conns[0].n.Load(), conns[4003].n.Load(), conns[4004].n.Load())
	}
}
