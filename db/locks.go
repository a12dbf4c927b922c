package db

import (
	"context"
	"errors"
	"sync"
)

// LockKey holds a lock named key (a charge, a webhook event) until the
// returned unlock is called, so that work which reads the database, calls
// Omise and writes back happens once for that key at a time, across every
// instance on the database. It waits while another caller holds the key
// and gives up with ctx's error when ctx ends first. unlock is safe to call
// once; call it when the work is done, also on error.
//
// On SQLite, which one process serves, the lock is in this process. On
// PostgreSQL it is also a session-level advisory lock (locks_pg.go), which
// the server drops when the instance's session ends, so an instance that
// dies holding keys never blocks the others for long.
//
// A caller must not take a second key while holding one: nothing orders
// keys, so two callers doing so could wait for each other for ever.
func (d *DB) LockKey(ctx context.Context, key string) (unlock func(), err error) {
	release, err := d.keys.lock(ctx, key)
	if err != nil {
		return nil, err
	}
	if d.advisory == nil {
		return release, nil
	}
	// The process's own lock comes first: callers of this instance queue
	// here in Go, and only the one at the front asks PostgreSQL, so the
	// server sees one waiter per key and instance.
	pgUnlock, err := d.advisory.lock(ctx, key)
	if err != nil {
		release()
		return nil, err
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			pgUnlock()
			release()
		})
	}, nil
}

// keyLocks is a mutex per key within one process, without one global lock.
// An entry lives while someone holds or waits for its key. The zero value
// is ready to use.
type keyLocks struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

type keyLock struct {
	// token holds one value while the key is held: a channel rather than a
	// sync.Mutex, so that a waiter can give up when its ctx ends.
	token chan struct{}
	refs  int // holders and waiters
}

// lock takes key, waiting for ctx at most.
func (k *keyLocks) lock(ctx context.Context, key string) (func(), error) {
	k.mu.Lock()
	if k.m == nil {
		k.m = make(map[string]*keyLock)
	}
	e := k.m[key]
	if e == nil {
		e = &keyLock{token: make(chan struct{}, 1)}
		k.m[key] = e
	}
	e.refs++
	k.mu.Unlock()
	drop := func() {
		k.mu.Lock()
		e.refs--
		if e.refs == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
	select {
	case e.token <- struct{}{}:
	case <-ctx.Done():
		drop()
		return nil, ctx.Err()
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-e.token
			drop()
		})
	}, nil
}

// errLockClosed is LockKey's answer once the database is closed.
var errLockClosed = errors.New("db: closed")
