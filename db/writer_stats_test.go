package db

import (
	"context"
	"database/sql"
	"sync"
	"testing"
)

// The writer's counts grow with its work: every caller is counted once,
// in some batch, and commits take part of the busy time.
func TestWriterStatsCountTheWritersWork(t *testing.T) {
	t.Parallel()
	d := openTestDB(t)
	if d.pg {
		t.Skip("PostgreSQL has no single writer")
	}
	ctx := context.Background()
	before := d.WriterStats()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := d.Tx(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, 'x', '')`, "writer-stats-"+string(rune('a'+i)))
				return err
			}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	after := d.WriterStats()
	if n := after.Callers - before.Callers; n != 20 {
		t.Errorf("callers counted %d, want 20", n)
	}
	if n := after.Batches - before.Batches; n < 1 || n > 20 {
		t.Errorf("batches %d for 20 callers", n)
	}
	busy, commit := after.Busy-before.Busy, after.Commit-before.Commit
	if commit <= 0 || busy < commit {
		t.Errorf("busy %v, commit %v", busy, commit)
	}
}
