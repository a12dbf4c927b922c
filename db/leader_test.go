package db

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"instore/db/dbtest"
)

// openTwice opens the test's database through two handles, as two
// instances would.
func openTwice(t *testing.T, name string) (*DB, *DB, string) {
	t.Helper()
	src := dbtest.Source(t, name)
	a := openSource(t, src)
	b := openSource(t, src)
	return a, b, src
}

func openSource(t *testing.T, src string) *DB {
	t.Helper()
	d, err := Open(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestLeaderOnSQLiteIsAlwaysHeld(t *testing.T) {
	t.Parallel()
	dbtest.SkipOnPostgres(t, "one process serves a SQLite file")
	a, b, _ := openTwice(t, "lead.db")
	ctx := context.Background()
	la, lb := a.Leader("job"), b.Leader("job")
	if !la.Held(ctx) || !lb.Held(ctx) || !la.Kept(ctx) {
		t.Fatal("SQLite: a job lock is always held")
	}
	la.Release()
	lb.Release()
}

func TestLeaderIsOneInstanceAndPassesOn(t *testing.T) {
	t.Parallel()
	dbtest.RequirePostgres(t)
	ctx := context.Background()
	a, b, src := openTwice(t, "lead.db")
	la, lb := a.Leader("job"), b.Leader("job")
	if !la.Held(ctx) {
		t.Fatal("first asker must lead")
	}
	if lb.Held(ctx) || lb.Kept(ctx) {
		t.Fatal("second instance leads too")
	}
	if !la.Held(ctx) || !la.Kept(ctx) {
		t.Fatal("leader lost the lead without cause")
	}
	// Other jobs, and the same job in another schema, are other locks.
	if !b.Leader("other").Held(ctx) {
		t.Fatal("another job's lock is taken")
	}
	other := openSource(t, dbtest.Source(t, "other.db"))
	if !other.Leader("job").Held(ctx) {
		t.Fatal("another schema's job lock is taken")
	}

	// The leader stops: closing its handle frees the lock at once.
	a.Close()
	if !lb.Held(ctx) {
		t.Fatal("no takeover after the leader's handle closed")
	}

	// The leader's session is killed (its machine vanished and the
	// server noticed): a third instance takes over, and the old leader
	// finds out at its next check.
	c := openSource(t, src)
	lc := c.Leader("job")
	if lc.Held(ctx) {
		t.Fatal("third instance leads beside the second")
	}
	terminateLockSession(t, lb)
	if !lc.Held(ctx) {
		t.Fatal("no takeover after the leader's session was killed")
	}
	if lb.Kept(ctx) || lb.Held(ctx) {
		t.Fatal("the old leader still thinks it leads")
	}
	// Released, it is free for the next asker.
	lc.Release()
	if !lb.Held(ctx) {
		t.Fatal("no takeover after Release")
	}
}

// terminateLockSession kills the server session holding l, as the server
// does when it finds the instance's machine gone.
func terminateLockSession(t *testing.T, l *JobLock) {
	t.Helper()
	ctx := context.Background()
	var pid int
	if err := l.conn.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("pgx", dbtest.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var killed bool
	if err := admin.QueryRowContext(ctx, `SELECT pg_terminate_backend($1, 5000)`, pid).Scan(&killed); err != nil || !killed {
		t.Fatalf("terminate %d: %v %v", pid, killed, err)
	}
}

// Work done as the holder stops when the lock is lost mid-way.
func TestLeaderWatchEndsWhenTheLockIsLost(t *testing.T) {
	t.Parallel()
	dbtest.RequirePostgres(t)
	a, b, _ := openTwice(t, "watch.db")
	ctx := context.Background()
	la := a.Leader("job")
	if !la.Held(ctx) {
		t.Fatal("no lead")
	}
	wctx, stop := la.Watch(ctx, 10*time.Millisecond)
	defer stop()
	time.Sleep(50 * time.Millisecond)
	if wctx.Err() != nil {
		t.Fatal("watch ended while the lock is held")
	}
	terminateLockSession(t, la)
	select {
	case <-wctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("watch still on after the lock was lost")
	}
	if !b.Leader("job").Held(ctx) {
		t.Fatal("lock not free after its session ended")
	}
}

// Instances starting together generate their secrets at once: all must
// end up with the one stored first.
func TestInitSettingAgreesAcrossInstances(t *testing.T) {
	t.Parallel()
	a, b, _ := openTwice(t, "init.db")
	ctx := context.Background()
	var wg sync.WaitGroup
	got := make([]string, 16)
	errs := make([]error, 16)
	for i := range got {
		d := a
		if i%2 == 1 {
			d = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = d.InitSetting(ctx, "test.secret", fmt.Sprintf("value-%d", i))
		}()
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if got[i] != got[0] || got[i] == "" {
			t.Fatalf("caller %d got %q, caller 0 %q", i, got[i], got[0])
		}
	}
	stored, err := b.GetSetting(ctx, "test.secret")
	if err != nil || stored != got[0] {
		t.Fatalf("stored %q %v, callers got %q", stored, err, got[0])
	}
}

// The reconcile-run queries recovery uses.
func TestRunningReconcileRuns(t *testing.T) {
	t.Parallel()
	d := openSource(t, dbtest.Source(t, "runs.db"))
	ctx := context.Background()
	now := time.Date(2025, 3, 2, 2, 0, 0, 0, time.UTC)
	run := &ReconcileRun{FromDay: "2025-03-01", ToDay: "2025-03-01", Stores: []string{"s2", "s1"}, StartedAt: now, DaysTotal: 1}
	if _, err := d.CreateReconcileRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	runs, err := d.ListRunningReconcileRuns(ctx)
	if err != nil || len(runs) != 1 || runs[0].ID != run.ID {
		t.Fatalf("running %v %v", runs, err)
	}
	if ReconcileRunLock(runs[0]) != ReconcileRunLock(run) {
		t.Fatalf("lock names differ: %q, %q", ReconcileRunLock(runs[0]), ReconcileRunLock(run))
	}
	if cur, err := d.RunningReconcileRun(ctx, run); err != nil || cur.ID != run.ID {
		t.Fatalf("running of range: %v %v", cur, err)
	}
	for i, want := range []bool{true, false} {
		if marked, err := d.InterruptReconcileRun(ctx, run.ID, now, "gone"); err != nil || marked != want {
			t.Fatalf("interrupt %d: %v %v", i+1, marked, err)
		}
	}
	if runs, _ := d.ListRunningReconcileRuns(ctx); len(runs) != 0 {
		t.Fatalf("still running: %v", runs)
	}
	if _, err := d.RunningReconcileRun(ctx, run); err != ErrNotFound {
		t.Fatalf("running of range after interrupt: %v", err)
	}
}

// Two instances touch one session; a touch landing late never moves its
// activity back.
func TestTouchSessionAcrossInstancesNeverMovesBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b, _ := openTwice(t, "touch.db")
	u, err := a.CreateUser(ctx, accountsActor, NewUser{Username: "root", Role: RoleAdmin, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().UTC().Truncate(time.Second)
	if err := a.CreateSession(ctx, "sid", u.ID, "", "", start, start.Add(-8*time.Hour)); err != nil {
		t.Fatal(err)
	}
	later := start.Add(2 * time.Minute)
	if err := b.TouchSession(ctx, "sid", later); err != nil {
		t.Fatal(err)
	}
	if err := a.TouchSession(ctx, "sid", start.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	s, err := a.GetSession(ctx, "sid")
	if err != nil || !s.SeenAt.Equal(later) {
		t.Fatalf("seen at %v (%v), want %v", s.SeenAt, err, later)
	}
}
