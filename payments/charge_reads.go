package payments

import (
	"context"
	"sync"
	"sync/atomic"

	"instore/omise"
)

// chargeReads shares concurrent reads of one charge from Omise between
// webhook deliveries, under one rule: a delivery only joins a read that
// started after the delivery arrived. A read already under way when an
// event arrived may have left Omise before the change the event announces,
// so applying its answer could store data older than the event; such a
// delivery starts a read of its own, which later arrivals may join.
type chargeReads struct {
	seq atomic.Uint64
	mu  sync.Mutex
	m   map[string]*chargeRead
}

type chargeRead struct {
	started uint64
	done    chan struct{}
	oc      *omise.Charge
	err     error
}

// arrival marks the moment a delivery arrived; pass it to get.
func (r *chargeReads) arrival() uint64 { return r.seq.Add(1) }

// get returns the charge as read by a read that started after arrived:
// the newest read of id under way if it qualifies, else a new one made
// with read. The answer is shared and must not be modified.
func (r *chargeReads) get(ctx context.Context, id string, arrived uint64, read func(context.Context, string) (*omise.Charge, error)) (*omise.Charge, error) {
	f, lead := r.join(id, arrived)
	if lead {
		// The read must not die with the context of the delivery that
		// started it while others wait on it; the client's own timeout
		// bounds it.
		f.oc, f.err = read(context.WithoutCancel(ctx), id)
		r.mu.Lock()
		if r.m[id] == f {
			delete(r.m, id)
		}
		r.mu.Unlock()
		close(f.done)
		return f.oc, f.err
	}
	select {
	case <-f.done:
		return f.oc, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// join finds the read of id a delivery that arrived at arrived may share,
// or registers a new one, which the caller (lead) must then make.
func (r *chargeReads) join(id string, arrived uint64) (f *chargeRead, lead bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f := r.m[id]; f != nil && f.started > arrived {
		return f, false
	}
	if r.m == nil {
		r.m = make(map[string]*chargeRead)
	}
	f = &chargeRead{started: r.seq.Add(1), done: make(chan struct{})}
	r.m[id] = f
	return f, true
}
