package payments

import (
	"context"
	"errors"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"instore/db"
	"instore/db/dbtest"
	"instore/omise/omisehttp"
	"instore/omise/sim"
)

// instances returns n services on one database (each with a handle of its
// own, as n instances have) and one simulator.
func instances(t *testing.T, n int) []*Service {
	t.Helper()
	src := dbtest.Source(t, "lead.db")
	s := sim.New(sim.Options{WebhooksOff: true})
	srv := httptest.NewServer(s)
	t.Cleanup(func() { srv.Close(); s.Close() })
	cl, err := omisehttp.New(omisehttp.Config{BaseURL: srv.URL, PublicKey: sim.DefaultPublicKey, SecretKey: sim.DefaultSecretKey, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]*Service, n)
	for i := range out {
		d, err := db.Open(context.Background(), src)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		out[i] = &Service{DB: d, Omise: cl, TillTimeout: 90 * time.Second, BarcodeKey: []byte("test-key")}
	}
	return out
}

// lagRecorder keeps the last lag a syncer reported.
type lagRecorder struct {
	mu  sync.Mutex
	lag time.Duration
	set bool
}

func (r *lagRecorder) SyncPassed(string) {}

func (r *lagRecorder) SyncBehind(d time.Duration) {
	r.mu.Lock()
	r.lag, r.set = d, true
	r.mu.Unlock()
}

func (r *lagRecorder) last() (time.Duration, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lag, r.set
}

// Two instances' syncers on one database: one passes at a time, and when
// it stops the other takes over within an interval.
func TestSyncerPassesNeverOverlapAcrossInstances(t *testing.T) {
	t.Parallel()
	dbtest.RequirePostgres(t)
	svcs := instances(t, 2)
	const interval = 20 * time.Millisecond
	var active, overlaps atomic.Int32
	var passes [2]atomic.Int32
	var lastPass [2]atomic.Int64 // UnixNano
	syncers := make([]*Syncer, 2)
	for i, s := range svcs {
		s.Metrics = &lagRecorder{}
		syncers[i] = &Syncer{Svc: s, Interval: interval, Extra: []func(context.Context) error{func(context.Context) error {
			if active.Add(1) > 1 {
				overlaps.Add(1)
			}
			time.Sleep(5 * time.Millisecond)
			active.Add(-1)
			passes[i].Add(1)
			lastPass[i].Store(time.Now().UnixNano())
			return nil
		}}}
	}
	stops := make([]context.CancelFunc, 2)
	done := make([]chan struct{}, 2)
	for i, y := range syncers {
		ctx, stop := context.WithCancel(context.Background())
		stops[i], done[i] = stop, make(chan struct{})
		go func() { defer close(done[i]); y.Run(ctx) }()
	}
	defer func() {
		for i := range stops {
			stops[i]()
			<-done[i]
		}
	}()
	waitFor(t, "five passes", func() bool { return passes[0].Load()+passes[1].Load() >= 5 })
	leader, follower := 0, 1
	if passes[1].Load() > 0 {
		leader, follower = 1, 0
	}
	if passes[follower].Load() != 0 {
		t.Fatalf("both instances passed: %d and %d", passes[0].Load(), passes[1].Load())
	}

	// The follower's lag is the leader's, read from the database: small,
	// not the time since it last passed itself (never).
	time.Sleep(1100 * time.Millisecond) // the lag is reported every second
	if lag, ok := svcs[follower].Metrics.(*lagRecorder).last(); !ok || lag > 5*time.Second {
		t.Fatalf("follower's lag %v (reported %v) while the leader passes every %v", lag, ok, interval)
	}

	// The leader stops (its Run gives the lead up); the follower leads
	// within an interval.
	stops[leader]()
	<-done[leader]
	stopped := time.Now()
	waitFor(t, "takeover", func() bool { return passes[follower].Load() > 0 })
	took := time.Unix(0, lastPass[follower].Load()).Sub(stopped)
	t.Logf("takeover: first pass on the follower %v after the leader stopped (interval %v)", took, interval)
	// Generous: a loaded machine slows every pass; the log says what it was.
	if took > 5*time.Second {
		t.Fatalf("takeover took %v", took)
	}
	n := passes[follower].Load()
	waitFor(t, "the follower keeps passing", func() bool { return passes[follower].Load() >= n+5 })
	if o := overlaps.Load(); o != 0 {
		t.Fatalf("%d passes overlapped", o)
	}
}

// The leader's session is cut mid-pass (the server gave its machine up for
// gone): the pass stops, and the other instance takes over.
func TestSyncerStopsAPassWhenItsLeadIsLost(t *testing.T) {
	t.Parallel()
	dbtest.RequirePostgres(t)
	svcs := instances(t, 2)
	ctx := context.Background()
	inPass := make(chan struct{})
	var once sync.Once
	var leaderActive, overlaps atomic.Int32
	var followerPasses atomic.Int32
	leaderStep := func(ctx context.Context) error {
		leaderActive.Store(1)
		once.Do(func() { close(inPass) })
		<-ctx.Done()
		leaderActive.Store(0)
		return ctx.Err()
	}
	followerStep := func(context.Context) error {
		if leaderActive.Load() != 0 {
			overlaps.Add(1)
		}
		followerPasses.Add(1)
		return nil
	}
	a := &Syncer{Svc: svcs[0], Interval: 10 * time.Second, leadCheck: 10 * time.Millisecond,
		Extra: []func(context.Context) error{leaderStep}}
	b := &Syncer{Svc: svcs[1], Interval: 50 * time.Millisecond, Extra: []func(context.Context) error{followerStep}}
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { stop(); wg.Wait() }()
	wg.Add(2)
	go func() { defer wg.Done(); a.Run(runCtx) }()
	<-inPass
	go func() { defer wg.Done(); b.Run(runCtx) }()
	time.Sleep(200 * time.Millisecond)
	if followerPasses.Load() != 0 {
		t.Fatal("the follower passed while the leader was passing")
	}

	var pid int
	err := svcs[1].DB.W.QueryRowContext(ctx, `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
		AND ((classid::bigint << 32) | objid::bigint) = hashtextextended('instore.job ' || current_schema() || ' ' || $1, 0)`, SyncerJob).Scan(&pid)
	if err != nil {
		t.Fatal(err)
	}
	var killed bool
	if err := svcs[1].DB.W.QueryRowContext(ctx, `SELECT pg_terminate_backend($1, 5000)`, pid).Scan(&killed); err != nil || !killed {
		t.Fatalf("terminate %d: %v %v", pid, killed, err)
	}
	waitFor(t, "the leader's pass to stop", func() bool { return leaderActive.Load() == 0 })
	waitFor(t, "the follower to take over", func() bool { return followerPasses.Load() >= 3 })
	if o := overlaps.Load(); o != 0 {
		t.Fatalf("%d passes overlapped", o)
	}
}

// A run left running by an instance that stopped is marked failed by
// another; one whose instance lives is left alone, and a second start of
// its range elsewhere finds it.
func TestOrphanedReconcileRunIsInterrupted(t *testing.T) {
	t.Parallel()
	dbtest.RequirePostgres(t)
	svcs := instances(t, 3)
	owner, other, third := svcs[0], svcs[1], svcs[2]
	ctx := context.Background()
	now := time.Now()
	third.Now = func() time.Time { return now }
	// owner is mid-run: the run is recorded and owner holds its lock.
	run := &db.ReconcileRun{FromDay: "2025-03-01", ToDay: "2025-03-01", StoreID: "store_1234", StartedAt: now, DaysTotal: 1}
	lock := owner.DB.Leader(db.ReconcileRunLock(run))
	if !lock.Held(ctx) {
		t.Fatal("owner cannot take the run's lock")
	}
	if _, err := owner.DB.CreateReconcileRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	r := NewReconciler(ctx, other) // an instance starting recovers at once
	if n, err := r.RecoverOrphans(ctx); err != nil || n != 0 {
		t.Fatalf("recovered a live run: %d %v", n, err)
	}
	if got, _ := other.DB.GetReconcileRun(ctx, run.ID); got.Status != db.ReconcileRunning {
		t.Fatalf("live run %+v", got)
	}
	cur, err := r.StartIn(ctx, Actor{Username: "fin"}, "store_1234", nil, "2025-03-01", "2025-03-01")
	if !errors.Is(err, db.ErrReconcileRunning) || cur == nil || cur.ID != run.ID {
		t.Fatalf("second start of a range running elsewhere: %+v %v", cur, err)
	}

	// The owner dies: its session ends, the lock is free.
	owner.DB.Close()
	n, err := NewReconciler(ctx, third).RecoverOrphans(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := third.DB.GetReconcileRun(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	// NewReconciler already recovered it; the explicit pass found nothing.
	if n != 0 || got.Status != db.ReconcileFailed || got.Error != orphanReason || got.FinishedAt == nil {
		t.Fatalf("orphan: marked %d, run %+v", n, got)
	}
}

// waitFor polls cond until it holds, failing the test after 30 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
