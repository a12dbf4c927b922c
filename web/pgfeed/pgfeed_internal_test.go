package pgfeed

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"instore/db"
	"instore/payments"
)

type fakeLocal struct{ got []payments.Change }

func (l *fakeLocal) Publish(c payments.Change) { l.got = append(l.got, c) }
func (l *fakeLocal) Subscribers() int          { return len(l.got) }
func (l *fakeLocal) Resync()                   {}

// A note of the longest ids the shop makes stays a small fraction of
// PostgreSQL's 8000 bytes; one too large still reaches this instance's
// subscribers, and is not sent.
func TestNoteSize(t *testing.T) {
	local := &fakeLocal{}
	f := &Feed{local: local, instance: "0123456789abcdef", wake: make(chan struct{}, 1), log: discard()}
	long := strings.Repeat("x", 32) // db.ValidStoreID's and ValidTerminalID's limit
	f.Publish(payments.Change{Kind: "charge", ChargeID: "chrg_test_" + strings.Repeat("0", 40),
		AttemptID: "6f1c2a4e-0000-4000-8000-000000000001", StoreID: long, TerminalID: long,
		Status: "successful", At: time.Now(), Charge: &db.Charge{Amount: 1<<53 - 1, RefundedAmount: 1<<53 - 1,
			FailureCode: strings.Repeat("f", 64), CreatedAt: time.Now()}})
	if len(f.pending) != 1 || len(f.pending[0]) > 500 {
		t.Fatalf("queued %d notes, first of %d bytes; want one of at most 500", len(f.pending), len(f.pending[0]))
	}
	t.Logf("longest note: %d bytes", len(f.pending[0]))
	f.Publish(payments.Change{Kind: "charge", ChargeID: strings.Repeat("y", maxPayload), At: time.Now()})
	if len(local.got) != 2 || len(f.pending) != 1 {
		t.Errorf("oversized change: %d published here, %d queued; want 2 and 1", len(local.got), len(f.pending))
	}
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
