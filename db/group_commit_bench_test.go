package db

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// BenchmarkGroupCommit is the writer's share of a webhook delivery on
// SQLite: 16 callers at once, each one Tx storing one new event, so that
// a batch holds several callers under savepoints and one commit. cpu-ns/op
// is the process's CPU per caller.
func BenchmarkGroupCommit(b *testing.B) {
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	var n atomic.Int64
	b.SetParallelism(8) // 16 callers on 2 cores
	b.ResetTimer()
	t0 := processCPU()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := fmt.Sprintf("evnt_test_bench%013d", n.Add(1))
			e := &OmiseEvent{ID: id, Key: "charge.complete", ChargeID: "chrg_test_1", Signature: "valid",
				Raw: []byte(`{"object":"event"}`), ReceivedAt: time.Now()}
			if err := d.Tx(ctx, func(tx *sql.Tx) error {
				return RecordEventTx(ctx, tx, e, EventUnchanged, "bench", "chrg_test_1", time.Now())
			}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(processCPU()-t0)/float64(b.N), "cpu-ns/op")
}

// processCPU is the process's CPU time so far (user and system, all
// threads, GC included).
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
