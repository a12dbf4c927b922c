package sim

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// scheduler runs functions at wall-clock times: automatic outcomes, webhook
// retries and held-back (reordered) deliveries. Functions run on the
// scheduler goroutine and must be quick.
type scheduler struct {
	mu   sync.Mutex
	h    timedHeap
	seq  uint64
	wake chan struct{}
}

type timed struct {
	at  time.Time
	seq uint64 // keeps equal times in scheduling order
	fn  func()
}

type timedHeap []timed

func (h timedHeap) Len() int { return len(h) }
func (h timedHeap) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].seq < h[j].seq
	}
	return h[i].at.Before(h[j].at)
}
func (h timedHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *timedHeap) Push(x any)   { *h = append(*h, x.(timed)) }
func (h *timedHeap) Pop() any {
	old := *h
	n := len(old)
	x := old[n-1]
	old[n-1] = timed{}
	*h = old[:n-1]
	return x
}

func newScheduler() *scheduler { return &scheduler{wake: make(chan struct{}, 1)} }

// after runs fn once d has passed (unless the simulator is closed first).
func (sc *scheduler) after(d time.Duration, fn func()) {
	sc.mu.Lock()
	sc.seq++
	heap.Push(&sc.h, timed{at: time.Now().Add(d), seq: sc.seq, fn: fn})
	sc.mu.Unlock()
	select {
	case sc.wake <- struct{}{}:
	default:
	}
}

func (sc *scheduler) run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		var due []func()
		wait := time.Hour
		sc.mu.Lock()
		now := time.Now()
		for len(sc.h) > 0 {
			if d := sc.h[0].at.Sub(now); d > 0 {
				wait = d
				break
			}
			due = append(due, heap.Pop(&sc.h).(timed).fn)
		}
		sc.mu.Unlock()
		for _, fn := range due {
			fn()
		}
		if len(due) > 0 {
			continue // more may have become due meanwhile
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-sc.wake:
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
		case <-timer.C:
		}
	}
}
