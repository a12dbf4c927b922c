package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"instore/db/dbtest"
)

// openInstances opens the test's database n times, as n instances would
// on PostgreSQL. SQLite is served by one process, so there it is one *DB
// n times.
func openInstances(t testing.TB, n int) []*DB {
	t.Helper()
	src := dbtest.Source(t, "locks.db")
	out := make([]*DB, n)
	for i := range out {
		if i > 0 && !dbtest.OnPostgres() {
			out[i] = out[0]
			continue
		}
		d, err := Open(context.Background(), src)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		out[i] = d
	}
	return out
}

// A key is held by one caller at a time, whichever instance asks; others
// wait, and a waiter whose ctx ends gives up without the key.
func TestLockKeyOneHolderAcrossInstances(t *testing.T) {
	t.Parallel()
	ds := openInstances(t, 2)
	ctx := context.Background()
	unlock, err := ds[0].LockKey(ctx, "charge:chrg_1")
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range ds {
		short, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
		_, err := d.LockKey(short, "charge:chrg_1")
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("instance %d took a held key: %v", i, err)
		}
	}
	other, err := ds[1].LockKey(ctx, "charge:chrg_2")
	if err != nil {
		t.Fatalf("another key: %v", err)
	}
	other()

	got := make(chan error, 1)
	go func() {
		u, err := ds[1].LockKey(ctx, "charge:chrg_1")
		if err == nil {
			u()
		}
		got <- err
	}()
	time.Sleep(50 * time.Millisecond)
	unlock()
	unlock() // a second call does nothing
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiter never got the key after it was unlocked")
	}
}

// Callers on two instances incrementing one counter under the key never
// interleave their read and write.
func TestLockKeySerialisesReadModifyWrite(t *testing.T) {
	t.Parallel()
	ds := openInstances(t, 2)
	ctx := context.Background()
	var inside, overlaps atomic.Int32
	var wg sync.WaitGroup
	const each = 10
	for i := range 2 * each {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock, err := ds[i%2].LockKey(ctx, "event:evnt_1")
			if err != nil {
				t.Error(err)
				return
			}
			if inside.Add(1) > 1 {
				overlaps.Add(1)
			}
			time.Sleep(2 * time.Millisecond)
			inside.Add(-1)
			unlock()
		}()
	}
	wg.Wait()
	if n := overlaps.Load(); n > 0 {
		t.Fatalf("%d callers held the key while another did", n)
	}
}

// Holding many keys at once, and waiting for them, leaves the writers
// alone: a Tx still runs, and each instance uses only its few lock
// sessions.
func TestLockKeyHoldersDoNotTakeWriters(t *testing.T) {
	t.Parallel()
	ds := openInstances(t, 2)
	ctx := context.Background()
	var unlocks []func()
	for i := range 40 {
		u, err := ds[0].LockKey(ctx, fmt.Sprintf("charge:chrg_%d", i))
		if err != nil {
			t.Fatal(err)
		}
		unlocks = append(unlocks, u)
	}
	waitCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if u, err := ds[1].LockKey(waitCtx, fmt.Sprintf("charge:chrg_%d", i)); err == nil {
				u()
			}
		}()
	}
	txCtx, txCancel := context.WithTimeout(ctx, 5*time.Second)
	defer txCancel()
	for _, d := range ds {
		if err := d.Tx(txCtx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(txCtx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING`, "locks_test", "1", FormatTime(time.Now()))
			return err
		}); err != nil {
			t.Fatalf("a write while keys are held and awaited: %v", err)
		}
	}
	if dbtest.OnPostgres() {
		if n := ds[0].advisory.pool.Stats().OpenConnections; n > pgLockSessions {
			t.Fatalf("lock sessions: %d connections, want at most %d", n, pgLockSessions)
		}
	}
	cancel()
	wg.Wait()
	for _, u := range unlocks {
		u()
	}
}

// An instance that goes away holding a key does not keep it: its sessions
// end and the server frees the key.
func TestLockKeyFreedWhenInstanceEnds(t *testing.T) {
	t.Parallel()
	dbtest.RequirePostgres(t)
	src := dbtest.Source(t, "locks.db")
	ctx := context.Background()
	a, err := Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(ctx, src)
	if err != nil {
		a.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	if _, err := a.LockKey(ctx, "charge:chrg_dies"); err != nil {
		t.Fatal(err)
	}
	a.Close() // without unlocking, as a process that died
	waitCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	u, err := b.LockKey(waitCtx, "charge:chrg_dies")
	if err != nil {
		t.Fatalf("key of an ended instance: %v", err)
	}
	u()
}

// Advisory locks are per database, so keys are per schema: the same key
// in two schemas (two shops, parallel tests) is two locks.
func TestLockKeyNamespacedBySchema(t *testing.T) {
	t.Parallel()
	dbtest.RequirePostgres(t)
	ctx := context.Background()
	var unlocks []func()
	for _, name := range []string{"one.db", "two.db"} {
		d, err := Open(ctx, dbtest.Source(t, name))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		short, cancel := context.WithTimeout(ctx, 2*time.Second)
		u, err := d.LockKey(short, "charge:chrg_same")
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		unlocks = append(unlocks, u)
	}
	for _, u := range unlocks {
		u()
	}
}

// A till's claim of a terminal on PostgreSQL holds the terminal's row: a
// second instance's claim for the same terminal waits for the first
// transaction to end, whatever lock db.Tx takes around them, while a claim
// for another terminal does not wait.
func TestLockTerminalTxQueuesClaimsOfOneTerminal(t *testing.T) {
	t.Parallel()
	dbtest.RequirePostgres(t)
	ds := openInstances(t, 2)
	ctx := context.Background()
	if _, err := ds[0].CreateStore(ctx, CLI, Store{StoreID: "S1", StoreName: "Shop", Methods: []string{"barcode_alipay"}}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"T1", "T2"} {
		if _, err := ds[0].CreateTerminal(ctx, CLI, Terminal{StoreID: "S1", TerminalID: id}); err != nil {
			t.Fatal(err)
		}
	}
	// Plain transactions, without Tx's own lock, so only the row lock is
	// tried.
	first, err := ds[0].W.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Rollback()
	if err := ds[0].LockTerminalTx(ctx, first, "S1", "T1"); err != nil {
		t.Fatal(err)
	}
	claim := func(terminal string, wait time.Duration) error {
		tx, err := ds[1].W.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		short, cancel := context.WithTimeout(ctx, wait)
		defer cancel()
		return ds[1].LockTerminalTx(short, tx, "S1", terminal)
	}
	if err := claim("T2", 5*time.Second); err != nil {
		t.Fatalf("another terminal: %v", err)
	}
	if err := claim("T1", 200*time.Millisecond); err == nil {
		t.Fatal("a second claim of the terminal did not wait for the first")
	}
	got := make(chan error, 1)
	go func() { got <- claim("T1", 5*time.Second) }()
	time.Sleep(50 * time.Millisecond)
	if err := first.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("the claim after the first ended: %v", err)
	}
	if err := ds[1].Tx(ctx, func(tx *sql.Tx) error { return ds[1].LockTerminalTx(ctx, tx, "S1", "T9") }); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown terminal: %v", err)
	}
}
