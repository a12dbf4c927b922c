package payments

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"instore/db"
	"instore/omise/sim"
)

// listCalls counts the charge-list pages the simulator served.
func listCalls(s *sim.Sim) int64 { return s.Stats().Requests["GET /charges"] }

// A charge made elsewhere whose webhook was lost and that shows in Omise's
// list only minutes after its created time (the list lagging) is still
// imported, though by then charges made after it have moved the importer's
// bookmark past its time. Each pass stays within a fixed number of list
// calls.
func TestSyncerImportsLateListedCharge(t *testing.T) {
	t.Parallel()
	e := newCoreEnv(t, sim.Options{WebhooksOff: true})
	ctx := context.Background()
	var ahead atomic.Int64
	e.svc.Now = func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	advance := func(d time.Duration) { ahead.Add(int64(d)); e.sim.Advance(d) }
	y := &Syncer{Svc: e.svc}
	pass := func() int64 {
		t.Helper()
		before := listCalls(e.sim)
		if err := y.Pass(ctx); err != nil {
			t.Fatal(err)
		}
		return listCalls(e.sim) - before
	}
	known := func(id string) bool {
		t.Helper()
		_, err := e.svc.DB.GetCharge(ctx, id)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}

	late := e.createCharge(t, 5000, nil)
	if err := e.sim.ListLate(late.ID, 15*time.Minute); err != nil {
		t.Fatal(err)
	}
	var most int64
	most = max(most, pass())
	// Sales go on at the other till; each pass moves the bookmark on.
	for i := 0; i < 4; i++ {
		advance(3 * time.Minute)
		e.createCharge(t, 2000+int64(i), nil)
		most = max(most, pass())
	}
	if known(late.ID) {
		t.Fatal("imported before Omise listed it")
	}
	// Omise lists it 15 minutes after its created time; passes go on
	// every 15 seconds for a while.
	for i := 0; i < 60 && !known(late.ID); i++ {
		advance(15 * time.Second)
		most = max(most, pass())
	}
	if !known(late.ID) {
		t.Fatal("a charge Omise listed late was never imported")
	}
	if most > 2 {
		t.Fatalf("a pass made %d charge-list calls", most)
	}
	t.Logf("charge-list calls per pass: at most %d", most)
}

// A backlog longer than a pass may read (the first import, an outage) is
// imported over several passes, each within its bound of list calls, the
// next going on where the last stopped.
func TestSyncerImportBacklogIsBoundedPerPass(t *testing.T) {
	t.Parallel()
	e := newCoreEnv(t, sim.Options{WebhooksOff: true})
	ctx := context.Background()
	const n = 1250
	for i := 0; i < n; i++ {
		e.createCharge(t, 2000+int64(i), nil)
	}
	y := &Syncer{Svc: e.svc}
	var passes []int64
	for len(passes) < 5 {
		before := listCalls(e.sim)
		if err := y.Pass(ctx); err != nil {
			t.Fatal(err)
		}
		passes = append(passes, listCalls(e.sim)-before)
		ids, err := e.svc.DB.ListChargeIDsByStatus(ctx, "pending", 10000)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) == n {
			break
		}
	}
	for _, p := range passes {
		if p > importPages {
			t.Fatalf("charge-list calls per pass %v: above %d", passes, importPages)
		}
	}
	if len(passes) < 2 || len(passes) == 5 {
		t.Fatalf("passes %v: want the backlog spread over a few passes", passes)
	}
	t.Logf("charge-list calls per pass while catching up: %v", passes)
}
