package web

import (
	"strings"
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
