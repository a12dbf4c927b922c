package db

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"
)

// A delivery recorded after another stored the event as done (possible
// when the event's lock was lost with its session) leaves the first
// result as it was; one recorded after an error takes its place.
func TestRecordEventKeepsADoneResult(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openTestDB(t)
	at := time.Date(2026, 3, 1, 4, 0, 0, 0, time.UTC)
	record := func(id, result string) error {
		return d.Tx(ctx, func(tx *sql.Tx) error {
			return RecordEventTx(ctx, tx, &OmiseEvent{ID: id, Key: "charge.complete", Signature: "valid",
				Raw: []byte(`{}`), ReceivedAt: at}, result, result, "chrg_test_done", at)
		})
	}
	for _, step := range []struct {
		id, result string
		want       error
	}{
		{"evnt_test_done", EventApplied, nil},
		{"evnt_test_done", EventUnchanged, ErrEventDone},
		{"evnt_test_done", EventError, ErrEventDone},
		{"evnt_test_retry", EventError, nil},
		{"evnt_test_retry", EventApplied, nil},
	} {
		if err := record(step.id, step.result); !errors.Is(err, step.want) {
			t.Fatalf("%s as %s: %v, want %v", step.id, step.result, err, step.want)
		}
	}
	for id, want := range map[string]int{"evnt_test_done": 1, "evnt_test_retry": 2} {
		e, err := d.GetEvent(ctx, id)
		if err != nil || e.Result != EventApplied || e.Attempts != want {
			t.Fatalf("%s: %+v, %v", id, e, err)
		}
	}
}
