package drills

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"instore/config"
	"instore/db"
	"instore/db/dbtest"
	"instore/handlers"
	"instore/metrics"
	"instore/omise"
	"instore/omise/omisehttp"
	"instore/omise/sim"
	"instore/payments"
	"instore/web"
)

// liveWithin is how soon a change committed on one instance must reach a
// subscriber of another.
const liveWithin = time.Second

// twoInstances is two products wired on one PostgreSQL schema, as two
// servers behind a load balancer, with one simulator for both.
type twoInstances struct {
	a, b   *web.Wired
	sim    *sim.Sim
	client *omisehttp.Client
	admin  *sql.DB // the test's own session, to watch and cut the listeners'
}

func newTwoInstances(t testing.TB) *twoInstances {
	t.Helper()
	dbtest.RequirePostgres(t)
	ctx := context.Background()
	src := dbtest.Source(t, "live.db")
	s := sim.New(sim.Options{Logger: quiet()})
	t.Cleanup(s.Close)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	client, err := omisehttp.New(omisehttp.Config{BaseURL: srv.URL, PublicKey: sim.DefaultPublicKey, SecretKey: sim.DefaultSecretKey})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("pgx", dbtest.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	wire := func() *web.Wired {
		d, err := db.Open(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		cfg, err := config.Parse(func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		cfg.DBPath, cfg.APIURL, cfg.WebhookSecret = src, srv.URL, webhookSecret
		cfg.PublicKey, cfg.SecretKey = sim.DefaultPublicKey, sim.DefaultSecretKey
		work, stop := context.WithCancel(context.Background())
		t.Cleanup(stop)
		w, err := web.Wire(web.Parts{Config: cfg, DB: d, Metrics: metrics.New(), Log: quiet(),
			BarcodeKey: []byte("drill-barcode-key"), Work: work})
		if err != nil {
			t.Fatal(err)
		}
		if w.Live == nil {
			t.Fatal("wired on PostgreSQL without a feed across instances")
		}
		return w
	}
	x := &twoInstances{a: wire(), b: wire(), sim: s, client: client, admin: admin}
	x.waitListening(t, x.a)
	x.waitListening(t, x.b)
	return x
}

// listenerPID is the backend of w's listener once it has LISTENed, or 0.
func (x *twoInstances) listenerPID(t testing.TB, w *web.Wired) int {
	t.Helper()
	return x.listenerPIDBut(t, w, 0)
}

// listenerPIDBut is w's listener other than backend not, or 0. A backend
// ended by pg_terminate_backend may stay listed for a moment after its
// instance has listened again on a new one.
func (x *twoInstances) listenerPIDBut(t testing.TB, w *web.Wired, not int) int {
	t.Helper()
	var pid int
	err := x.admin.QueryRow(`SELECT pid FROM pg_stat_activity
		WHERE application_name = $1 AND state = 'idle' AND query LIKE 'LISTEN %' AND pid <> $2
		ORDER BY backend_start DESC LIMIT 1`, "instore live "+w.Live.Instance(), not).Scan(&pid)
	if err == sql.ErrNoRows {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// waitListening waits until w's listener has LISTENed: a change committed
// before then would reach nobody on w, as before w started.
func (x *twoInstances) waitListening(t testing.TB, w *web.Wired) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if x.listenerPID(t, w) != 0 {
			return
		}
	}
	t.Fatal("the live feed's listener did not LISTEN within 10 s")
}

// sale makes a pending charge at the simulator for store and applies it
// through w, as a webhook or a sync on that instance would.
func (x *twoInstances) sale(t testing.TB, w *web.Wired, i int, store string) *omise.Charge {
	t.Helper()
	ctx := context.Background()
	oc, err := x.client.CreateCharge(ctx, omise.CreateChargeParams{Amount: int64(10000 + i), Currency: "THB",
		InlineSource: &omise.CreateSourceParams{Type: omise.SourceBarcodeAlipay, Barcode: fmt.Sprintf("28%012d0000", i),
			StoreID: store, StoreName: "Live Store", TerminalID: "T1"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Payments.SyncCharge(ctx, oc.ID); err != nil {
		t.Fatal(err)
	}
	return oc
}

// next is the next message of sub, failing after within.
func next(t testing.TB, sub handlers.LiveSubscription, within time.Duration) web.LiveMessage {
	t.Helper()
	select {
	case frame := <-sub.Frames():
		_, data, ok := bytes.Cut(frame, []byte("\ndata: "))
		if !ok {
			t.Fatalf("frame without data: %q", frame)
		}
		var m web.LiveMessage
		if err := json.Unmarshal(bytes.TrimSpace(data), &m); err != nil {
			t.Fatalf("frame %q: %v", frame, err)
		}
		return m
	case <-sub.Dropped():
		t.Fatal("the subscriber was dropped")
	case <-time.After(within):
		t.Fatalf("no live message within %v", within)
	}
	return web.LiveMessage{}
}

// TestLiveFeedCrossesInstances: a sale committed through instance A
// reaches B's subscribers within a second, with its amount re-read from
// the database, and only those whose filter matches; A's own subscribers
// get it once (A ignores its own notification).
func TestLiveFeedCrossesInstances(t *testing.T) {
	t.Parallel()
	x := newTwoInstances(t)
	everyA := x.a.Broker.Subscribe(handlers.LiveFilter{})
	defer everyA.Close()
	everyB := x.b.Broker.Subscribe(handlers.LiveFilter{})
	defer everyB.Close()
	s1B := x.b.Broker.Subscribe(handlers.LiveFilter{Stores: map[string]bool{"S1": true}})
	defer s1B.Close()
	s2B := x.b.Broker.Subscribe(handlers.LiveFilter{Stores: map[string]bool{"S2": true}})
	defer s2B.Close()
	terminalB := x.b.Broker.Subscribe(handlers.LiveFilter{StoreID: "S2", TerminalID: "T1"})
	defer terminalB.Close()

	c1 := x.sale(t, x.a, 1, "S1")
	committed := time.Now()
	m := next(t, everyB, liveWithin)
	t.Logf("A's commit reached B's subscriber %v after SyncCharge returned", time.Since(committed))
	if m.ChargeID != c1.ID || m.StoreID != "S1" || m.Kind != "charge" || m.Amount != c1.Amount || m.Status != string(c1.Status) {
		t.Errorf("B's subscriber got %+v, want charge %s of S1, amount %d, %s", m, c1.ID, c1.Amount, c1.Status)
	}
	if m := next(t, s1B, liveWithin); m.ChargeID != c1.ID {
		t.Errorf("B's S1 subscriber got %s, want %s", m.ChargeID, c1.ID)
	}
	if m := next(t, everyA, liveWithin); m.ChargeID != c1.ID {
		t.Errorf("A's subscriber got %s, want %s", m.ChargeID, c1.ID)
	}

	// The next sale, of S2, is a fence: B's S2 subscribers get it first,
	// so they never had S1's.
	c2 := x.sale(t, x.a, 2, "S2")
	for name, sub := range map[string]handlers.LiveSubscription{"store S2": s2B, "terminal T1 of S2": terminalB, "every store": everyB} {
		if m := next(t, sub, liveWithin); m.ChargeID != c2.ID {
			t.Errorf("B's subscriber of %s got %s (%s), want %s of S2", name, m.ChargeID, m.StoreID, c2.ID)
		}
	}
	if m := next(t, everyA, liveWithin); m.ChargeID != c2.ID {
		t.Errorf("A's subscriber got %s, want %s", m.ChargeID, c2.ID)
	}

	// A sale through B reaches A after A's own notifications of c1 and
	// c2 would have (one channel, delivered in commit order): A's
	// subscriber then has exactly c1, c2, c3.
	c3 := x.sale(t, x.b, 3, "S1")
	if m := next(t, everyA, liveWithin); m.ChargeID != c3.ID {
		t.Errorf("A's subscriber got %s after c1 and c2, want %s from B (its own changes twice?)", m.ChargeID, c3.ID)
	}
	if m := next(t, s1B, liveWithin); m.ChargeID != c3.ID {
		t.Errorf("B's S1 subscriber got %s, want %s (S2's c2 leaked?)", m.ChargeID, c3.ID)
	}
	select {
	case f := <-everyA.Frames():
		t.Errorf("A's subscriber got one more message: %q", f)
	default:
	}
}

// TestLiveFeedShowsEachChangeAsItWas: a sale paid and refunded through A
// in quick succession shows on B as three messages, each with the
// charge's state after its own change (a message re-read later would
// show the refund twice).
func TestLiveFeedShowsEachChangeAsItWas(t *testing.T) {
	t.Parallel()
	x := newTwoInstances(t)
	sub := x.b.Broker.Subscribe(handlers.LiveFilter{})
	defer sub.Close()
	ctx := context.Background()
	c := x.sale(t, x.a, 1, "S1")
	if _, err := x.sim.MarkPaid(c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := x.a.Payments.SyncCharge(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	const part = 2000
	if _, err := x.a.Payments.Refund(ctx, payments.Actor{UserID: 1, Username: "manager", Role: "manager"},
		payments.RefundRequest{ChargeID: c.ID, Amount: part, Reason: payments.ReasonRequestedByCustomer,
			IdempotencyKey: "6f1c2a4e-0000-4000-8000-000000000001"}); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		status   string
		refunded int64
	}{{"pending", 0}, {"successful", 0}, {"successful", part}}
	// A publisher slow to announce the payment does so after the refund
	// committed: B still shows the payment as it was.
	x.a.Live.Publish(payments.Change{Kind: "charge", ChargeID: c.ID, StoreID: "S1", TerminalID: "T1", Status: "successful",
		Charge: &db.Charge{ID: c.ID, Status: "successful", Amount: c.Amount, CreatedAt: c.CreatedAt}, At: time.Now()})
	want = append(want, want[1])
	for i, w := range want {
		m := next(t, sub, liveWithin)
		if m.ChargeID != c.ID || m.Status != w.status || m.RefundedAmount != w.refunded || m.Amount != c.Amount {
			t.Errorf("message %d on B: %s %s, amount %d, refunded %d; want %s %s, amount %d, refunded %d",
				i+1, m.ChargeID, m.Status, m.Amount, m.RefundedAmount, c.ID, w.status, c.Amount, w.refunded)
		}
	}
}

// stream opens a /live-like stream served by w's broker as the live
// handler serves it (the connection detached from its request) and
// returns its event lines ("data: …") as they come; the channel closes
// when the stream ends.
func stream(t testing.TB, w *web.Wired, f handlers.LiveFilter) <-chan string {
	t.Helper()
	want := w.Broker.Subscribers() + 1
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if !w.Broker.Detach(rw, f) {
			http.Error(rw, "not detached", http.StatusInternalServerError)
		}
	}))
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("stream: %s", resp.Status)
	}
	// The broker takes the stream in just after its head went out.
	for deadline := time.Now().Add(5 * time.Second); w.Broker.Subscribers() < want; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the broker did not take the stream in")
		}
	}
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "data: ") {
				lines <- sc.Text()
			}
		}
	}()
	return lines
}

// TestLiveFeedReachesStreams: a browser's stream on B, detached from its
// request, gets A's sale of its store and not another store's.
func TestLiveFeedReachesStreams(t *testing.T) {
	t.Parallel()
	x := newTwoInstances(t)
	s1 := stream(t, x.b, handlers.LiveFilter{Stores: map[string]bool{"S1": true}})
	other := x.sale(t, x.a, 1, "S2")
	mine := x.sale(t, x.a, 2, "S1")
	select {
	case line := <-s1:
		if !strings.Contains(line, mine.ID) || strings.Contains(line, other.ID) {
			t.Errorf("B's S1 stream got %s, want only %s", line, mine.ID)
		}
	case <-time.After(liveWithin):
		t.Fatalf("B's S1 stream got nothing within %v", liveWithin)
	}
}

// TestLiveFeedListensAgain: when B's listening session is cut, B tells its
// subscribers to reload (they may have missed changes), listens again, and
// the next change through A reaches it.
func TestLiveFeedListensAgain(t *testing.T) {
	t.Parallel()
	x := newTwoInstances(t)
	sub := x.b.Broker.Subscribe(handlers.LiveFilter{})
	defer sub.Close()
	browser := stream(t, x.b, handlers.LiveFilter{})
	pid := x.listenerPID(t, x.b)
	if _, err := x.admin.Exec(`SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	select {
	case <-sub.Dropped():
	case <-time.After(10 * time.Second):
		t.Fatal("B's subscriber was not told to reload within 10 s of its listener's session ending")
	}
	select {
	case line, open := <-browser:
		if open {
			t.Errorf("B's stream got %s, want its end", line)
		}
	case <-time.After(time.Second):
		t.Error("B's stream did not end when its subscribers were told to reload")
	}
	// B tells its subscribers to reload only once it listens again, so
	// its new session is there; the ended one may still be listed.
	if p := x.listenerPIDBut(t, x.b, pid); p == 0 {
		t.Fatalf("B has no listener after the cut (the ended one was backend %d)", pid)
	}
	again := x.b.Broker.Subscribe(handlers.LiveFilter{})
	defer again.Close()
	c := x.sale(t, x.a, 1, "S1")
	if m := next(t, again, liveWithin); m.ChargeID != c.ID {
		t.Errorf("B's subscriber got %s, want %s", m.ChargeID, c.ID)
	}
}

// BenchmarkLiveAcrossInstances measures a change published on A until a
// subscriber of B has it: NOTIFY, the listener, the charge's re-read and
// B's broker. One change in flight at a time, so ns/op is the latency.
func BenchmarkLiveAcrossInstances(b *testing.B) {
	x := newTwoInstances(b)
	c := x.sale(b, x.a, 1, "S1")
	sub := x.b.Broker.Subscribe(handlers.LiveFilter{ChargeID: c.ID})
	defer sub.Close()
	change := payments.Change{Kind: "charge", ChargeID: c.ID, StoreID: "S1", TerminalID: "T1", Status: string(c.Status)}
	b.ResetTimer()
	for b.Loop() {
		change.At = time.Now()
		x.a.Live.Publish(change)
		next(b, sub, 5*time.Second)
	}
}

// BenchmarkLiveAcrossInstancesBurst publishes b.N changes on A at once and
// waits until B's subscriber has them all: ns/op is the inverse of the
// changes per second one instance takes from another (A batches its
// notes; B re-reads each charge).
func BenchmarkLiveAcrossInstancesBurst(b *testing.B) {
	x := newTwoInstances(b)
	c := x.sale(b, x.a, 1, "S1")
	sub := x.b.Broker.Subscribe(handlers.LiveFilter{ChargeID: c.ID})
	defer sub.Close()
	change := payments.Change{Kind: "charge", ChargeID: c.ID, StoreID: "S1", TerminalID: "T1", Status: string(c.Status)}
	b.ResetTimer()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range b.N {
			select {
			case <-sub.Frames():
			case <-sub.Dropped():
				return
			case <-time.After(10 * time.Second):
				return
			}
		}
	}()
	start := time.Now()
	for i := range b.N {
		// Distinct times: PostgreSQL folds identical notes sent in one
		// transaction into one, which for real changes is no loss.
		change.At = start.Add(time.Duration(i) * time.Millisecond)
		x.a.Live.Publish(change)
	}
	<-done
	select {
	case <-sub.Dropped():
		b.Fatal("B's subscriber fell behind and was dropped")
	default:
	}
}
