// Package pgfeed carries the live feed across instances sharing one
// PostgreSQL database. Each instance publishes a committed change to its
// own subscribers at once, as on SQLite, and NOTIFYs a small note of it;
// every other instance LISTENs on a dedicated connection and publishes the
// change to its subscribers as the note describes it.
//
// It speaks pgx directly: LISTEN holds one session for the instance's
// life, which database/sql's pool (package db) does not lend out.
package pgfeed

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	mrand "math/rand/v2"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"instore/db"
	"instore/payments"
)

const (
	// maxPayload keeps a note far below PostgreSQL's 8000-byte limit; a
	// note is ids, a status and a few figures, about 300 bytes. A larger
	// one (ids from Omise far longer than ours) goes to this instance's
	// subscribers only.
	maxPayload = 4000
	// maxPending bounds the notes waiting for the sender while the
	// database is slow; beyond it the oldest are given up (logged).
	maxPending = 10000
	// idleCheck is how long the listener waits for a notification before
	// checking that its connection is still there: a peer that vanished
	// without closing the socket would otherwise go unnoticed.
	idleCheck = 30 * time.Second
	// callTimeout bounds each statement of the feed's own.
	callTimeout = 5 * time.Second
	// backoffMin and backoffMax bound the wait between attempts to listen
	// again after the connection was lost.
	backoffMin = 100 * time.Millisecond
	backoffMax = 5 * time.Second
)

// Local is the instance's own broker (web.Broker).
type Local interface {
	payments.Notifier
	// Subscribers is the number of open feeds.
	Subscribers() int
	// Resync ends every feed so that its client reloads what it shows.
	Resync()
}

// Feed is the live feed of one instance on PostgreSQL; it implements
// payments.Notifier. Build it with New and Run it for the instance's life.
type Feed struct {
	local    Local
	db       *db.DB
	url      string
	channel  string
	instance string
	log      *slog.Logger

	mu      sync.Mutex
	pending []string
	lost    int // notes given up since the last log line
	wake    chan struct{}
}

// note is what crosses instances: what the brokers' filters read, and the
// few figures a live message shows of the charge as the change left it.
// Re-reading the charge instead would show a later state: the message
// about a sale's success, read after its refund, would show the refund
// too, and a board would count it twice.
type note struct {
	Instance   string      `json:"i"`
	Kind       string      `json:"k"`
	ChargeID   string      `json:"c,omitempty"`
	AttemptID  string      `json:"a,omitempty"`
	StoreID    string      `json:"s"`
	TerminalID string      `json:"t"`
	Status     string      `json:"st"`
	At         int64       `json:"at"` // Unix milliseconds
	Charge     *noteCharge `json:"ch,omitempty"`
}

// noteCharge is what web.Broker shows of a changed charge.
type noteCharge struct {
	Amount         int64  `json:"am"`
	RefundedAmount int64  `json:"rf,omitempty"`
	FailureCode    string `json:"fc,omitempty"`
	CreatedAt      int64  `json:"ca"` // Unix milliseconds
}

// New makes the feed of an instance whose database d is PostgreSQL at
// dbURL (the listener's own connection opens it). log may be nil.
func New(ctx context.Context, d *db.DB, dbURL string, local Local, log *slog.Logger) (*Feed, error) {
	if !db.IsPostgresURL(dbURL) {
		return nil, errors.New("the database URL is not a PostgreSQL one")
	}
	channel, err := d.LiveChannel(ctx)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	id := make([]byte, 8)
	rand.Read(id)
	return &Feed{local: local, db: d, url: dbURL, channel: channel, instance: hex.EncodeToString(id),
		log: log, wake: make(chan struct{}, 1)}, nil
}

// Instance is this instance's id in the notes it sends (and in the
// listener's application_name).
func (f *Feed) Instance() string { return f.instance }

// Publish delivers c to this instance's subscribers and queues its note
// for the others. It never waits for the database.
func (f *Feed) Publish(c payments.Change) {
	f.local.Publish(c)
	n := note{Instance: f.instance, Kind: c.Kind, ChargeID: c.ChargeID, AttemptID: c.AttemptID,
		StoreID: c.StoreID, TerminalID: c.TerminalID, Status: c.Status, At: c.At.UnixMilli()}
	if ch := c.Charge; ch != nil {
		n.Charge = &noteCharge{Amount: ch.Amount, RefundedAmount: ch.RefundedAmount, FailureCode: ch.FailureCode,
			CreatedAt: ch.CreatedAt.UnixMilli()}
	}
	b, err := json.Marshal(n)
	if err != nil || len(b) > maxPayload {
		f.log.Warn("live feed: change too large to send to other instances", "kind", c.Kind, "charge", c.ChargeID, "bytes", len(b))
		return
	}
	f.mu.Lock()
	if len(f.pending) >= maxPending {
		f.pending = f.pending[1:]
		f.lost++
	}
	f.pending = append(f.pending, string(b))
	f.mu.Unlock()
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// Run sends this instance's notes and listens to the others' until ctx
// ends.
func (f *Feed) Run(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.send(ctx)
	}()
	f.listen(ctx)
	<-done
}

// send NOTIFYs queued notes, all that are waiting in one statement, in
// the order they were published.
func (f *Feed) send(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			// What was committed just before shutdown still goes out,
			// if the database is still open.
			f.flush(context.WithoutCancel(ctx), true)
			return
		case <-f.wake:
			f.flush(ctx, false)
		}
	}
}

func (f *Feed) flush(ctx context.Context, quiet bool) {
	f.mu.Lock()
	batch, lost := f.pending, f.lost
	f.pending, f.lost = nil, 0
	f.mu.Unlock()
	if lost > 0 {
		f.log.Warn("live feed: the database fell behind; changes not sent to other instances", "changes", lost)
	}
	if len(batch) == 0 {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	if err := f.db.NotifyLive(cctx, f.channel, batch); err != nil && !quiet {
		f.log.Warn("live feed: changes not sent to other instances", "changes", len(batch), "err", err)
	}
}

// listen holds a LISTEN session, reconnecting with backoff when it is
// lost. Whatever was notified while it was not listening is unknown, so
// after such a gap every subscriber is told to reload.
func (f *Feed) listen(ctx context.Context) {
	delay := backoffMin
	gap := false
	for ctx.Err() == nil {
		conn, err := f.connect(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			f.log.Warn("live feed: cannot listen to other instances", "retry_in", delay, "err", err)
			gap = true
			if !sleep(ctx, jitter(delay)) {
				return
			}
			delay = min(delay*2, backoffMax)
			continue
		}
		if gap {
			f.log.Info("live feed: listening to other instances again; live screens reload what they show",
				"subscribers", f.local.Subscribers())
			f.local.Resync()
		}
		delay = backoffMin
		err = f.receive(ctx, conn)
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		conn.Close(cctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		f.log.Warn("live feed: lost the connection that listens to other instances; reconnecting", "err", err)
		gap = true
	}
}

// connect opens the listener's session and LISTENs on the channel.
func (f *Feed) connect(ctx context.Context) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(f.url)
	if err != nil {
		return nil, err
	}
	// Seen in pg_stat_activity; tests find one instance's listener by it.
	cfg.RuntimeParams["application_name"] = "instore live " + f.instance
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(cctx, "LISTEN "+pgx.Identifier{f.channel}.Sanitize()); err != nil {
		conn.Close(context.WithoutCancel(cctx))
		return nil, err
	}
	return conn, nil
}

// receive hands notifications to deliver until the connection fails or
// ctx ends.
func (f *Feed) receive(ctx context.Context, conn *pgx.Conn) error {
	for {
		wctx, cancel := context.WithTimeout(ctx, idleCheck)
		n, err := conn.WaitForNotification(wctx)
		idle := wctx.Err() != nil
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !idle || !pgconn.Timeout(err) {
				return err
			}
			// Quiet for a while: make sure the session is still there.
			pctx, cancel := context.WithTimeout(ctx, callTimeout)
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return err
			}
			continue
		}
		f.deliver(ctx, n.Payload)
	}
}

// deliver publishes another instance's change to this instance's
// subscribers: the charge as the note shows it, or as it is now in the
// database when the note has no figures.
func (f *Feed) deliver(ctx context.Context, payload string) {
	var n note
	if err := json.Unmarshal([]byte(payload), &n); err != nil {
		f.log.Warn("live feed: unreadable note from another instance", "err", err)
		return
	}
	if n.Instance == f.instance || f.local.Subscribers() == 0 {
		return // our own subscribers had it at once; nobody to tell here
	}
	c := payments.Change{Kind: n.Kind, ChargeID: n.ChargeID, AttemptID: n.AttemptID, StoreID: n.StoreID,
		TerminalID: n.TerminalID, Status: n.Status, At: time.UnixMilli(n.At).UTC()}
	switch {
	case n.Charge != nil:
		c.Charge = &db.Charge{ID: n.ChargeID, AttemptID: n.AttemptID, StoreID: n.StoreID, TerminalID: n.TerminalID,
			Status: n.Status, Amount: n.Charge.Amount, RefundedAmount: n.Charge.RefundedAmount,
			FailureCode: n.Charge.FailureCode, CreatedAt: time.UnixMilli(n.Charge.CreatedAt).UTC()}
	case n.Kind == "charge" && n.ChargeID != "":
		rctx, cancel := context.WithTimeout(ctx, callTimeout)
		ch, err := f.db.GetCharge(rctx, n.ChargeID)
		cancel()
		switch {
		case err == nil:
			c.Charge = ch
		case errors.Is(err, db.ErrNotFound):
			return
		default:
			// The ids still tell screens what to refresh.
			f.log.Warn("live feed: cannot re-read a charge another instance changed", "charge", n.ChargeID, "err", err)
		}
	}
	f.local.Publish(c)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// jitter spreads reconnects of several instances (±20%).
func jitter(d time.Duration) time.Duration {
	return d + time.Duration((mrand.Float64()*0.4-0.2)*float64(d))
}
