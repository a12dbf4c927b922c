package payments

import (
	"context"
	"sync/atomic"
	"testing"

	"instore/omise"
)

// A delivery joins a read of its charge only when that read started after
// the delivery arrived: a read already under way may predate the change
// the event announces.
func TestChargeReadJoinsOnlyALaterRead(t *testing.T) {
	t.Parallel()
	var r chargeReads
	const id = "chrg_test_shared"

	early := r.arrival()
	first, lead := r.join(id, early)
	if !lead {
		t.Fatal("the first delivery must lead its own read")
	}
	// Arrived while the first read is under way: it must not join it.
	late := r.arrival()
	second, lead := r.join(id, late)
	if !lead || second == first {
		t.Fatal("a delivery joined a read that started before it arrived")
	}
	// A delivery that arrived before the second read started (but after
	// the first) may share the second.
	between := late
	if f, lead := r.join(id, between); lead || f != second {
		t.Fatal("a delivery did not join a read that started after it arrived")
	}
	// Arriving after the second read started: a read of its own again.
	if f, lead := r.join(id, r.arrival()); !lead || f == second || f == first {
		t.Fatal("a delivery joined a read that started before it arrived")
	}
}

// Deliveries that share a read get its one answer, and Omise is asked once.
func TestChargeReadSharedAnswer(t *testing.T) {
	t.Parallel()
	var r chargeReads
	ctx := context.Background()
	const id = "chrg_test_shared"
	var calls atomic.Int32
	release := make(chan struct{})
	started := make(chan struct{})
	read := func(context.Context, string) (*omise.Charge, error) {
		calls.Add(1)
		close(started)
		<-release
		return &omise.Charge{ID: id, Status: omise.StatusSuccessful}, nil
	}
	a, b := r.arrival(), r.arrival()
	got := make(chan *omise.Charge, 2)
	go func() { oc, _ := r.get(ctx, id, a, read); got <- oc }()
	<-started
	// b arrived before the read started, so it waits for that read.
	f, lead := r.join(id, b)
	if lead {
		t.Fatal("a delivery that arrived before the read started did not join it")
	}
	close(release)
	<-f.done
	if oc := <-got; oc != f.oc || oc.Status != omise.StatusSuccessful {
		t.Fatalf("shared answer differs: %+v / %+v", oc, f.oc)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("omise asked %d times, want 1", n)
	}
}
