package db

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
)

// BenchmarkLockKey is what a key lock adds to the work it guards (a refund,
// an expiry, a webhook delivery): lock and unlock of a key nobody else
// holds. On PostgreSQL that is two statements on a lock session.
func BenchmarkLockKey(b *testing.B) {
	d := openInstances(b, 1)[0]
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		for i := range b.N {
			unlock, err := d.LockKey(ctx, fmt.Sprintf("event:evnt_%d", i))
			if err != nil {
				b.Fatal(err)
			}
			unlock()
		}
	})
	b.Run("parallel", func(b *testing.B) {
		var n atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				unlock, err := d.LockKey(ctx, fmt.Sprintf("event:evnt_p%d", n.Add(1)))
				if err != nil {
					b.Error(err)
					return
				}
				unlock()
			}
		})
	})
}
