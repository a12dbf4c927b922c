package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"

	"instore/omise/sim"
)

// The bare webhook pipeline is the work one webhook delivery needs, with
// nothing of ours: a bare receiver (Echo, modernc SQLite with the
// product's writer DSN, one writer connection) checks the HMAC signature,
// decodes the event, GETs the charge from a bare Omise over a keep-alive
// client, decodes it, and writes the event row and the charge row in one
// group commit. The bare Omise answers every GET /charges/:id with a real
// charge of the simulator, its id set to the one asked for. Both are
// subprocesses of this tool, like the bare servers, and the load generator
// drives the receiver exactly as it drives the product's webhook endpoint.

// pipelineOmiseVersion is the Omise-Version the product asks for (its
// OMISE_API_VERSION default), so the bare Omise serves that shape.
const pipelineOmiseVersion = "2019-05-29"

// pipelineMaxBatch bounds how many writes share one commit, as the
// product's writer does.
const pipelineMaxBatch = 128

// serveEcho serves e on addr ("": a loopback port), prints its URL and
// returns when the process is told to stop. serving, when not nil, is
// given the context that ends then, before the first request.
func serveEcho(e *echo.Echo, addr string, serving func(context.Context)) error {
	e.HideBanner, e.HidePort = true, true
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("URL http://%s\n", ln.Addr())
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if serving != nil {
		serving(ctx)
	}
	go func() { <-ctx.Done(); _ = srv.Close() }()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}

// runBareOmise serves GET /charges/:id with the charge JSON in chargeFile,
// every occurrence of its id replaced by the id asked for, to callers with
// the simulator's secret key as Basic auth user (as the simulator checks).
func runBareOmise(chargeFile string) error {
	raw, err := os.ReadFile(chargeFile)
	if err != nil {
		return err
	}
	var probe struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil || probe.ID == "" {
		return fmt.Errorf("%s: not a charge (%v)", chargeFile, err)
	}
	parts := bytes.Split(bytes.TrimSpace(raw), []byte(probe.ID))
	e := echo.New()
	e.GET("/charges/:id", func(c echo.Context) error {
		key, _, ok := c.Request().BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(key), []byte(simSecretKey)) != 1 {
			return c.JSON(http.StatusUnauthorized, map[string]string{"object": "error", "code": "authentication_failure"})
		}
		c.Response().Header().Set("Omise-Version", pipelineOmiseVersion)
		return c.JSONBlob(http.StatusOK, bytes.Join(parts, []byte(c.Param("id"))))
	})
	return serveEcho(e, "", nil)
}

// pipelineSchema is the product's omise_events and charges tables with
// their indexes: the rows a delivery writes and what storing them costs.
const pipelineSchema = `
CREATE TABLE IF NOT EXISTS charges (
    id TEXT PRIMARY KEY, livemode INTEGER NOT NULL DEFAULT 0, amount INTEGER NOT NULL, currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'successful', 'failed', 'expired', 'reversed')),
    failure_code TEXT NOT NULL DEFAULT '', failure_message TEXT NOT NULL DEFAULT '',
    fee INTEGER NOT NULL DEFAULT 0, fee_vat INTEGER NOT NULL DEFAULT 0, net INTEGER NOT NULL DEFAULT 0,
    refunded_amount INTEGER NOT NULL DEFAULT 0, source_id TEXT NOT NULL DEFAULT '', source_type TEXT NOT NULL DEFAULT '',
    barcode_masked TEXT NOT NULL DEFAULT '', store_id TEXT NOT NULL DEFAULT '', terminal_id TEXT NOT NULL DEFAULT '',
    attempt_id TEXT NOT NULL DEFAULT '', cashier TEXT NOT NULL DEFAULT '', metadata TEXT NOT NULL DEFAULT '{}',
    transaction_id TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, bkk_day TEXT NOT NULL,
    paid_at TEXT, expires_at TEXT, expired_at TEXT, updated_at TEXT NOT NULL, synced_at TEXT NOT NULL,
    fee_known INTEGER NOT NULL DEFAULT 1,
    CHECK (refunded_amount >= 0 AND refunded_amount <= amount)
);
CREATE INDEX IF NOT EXISTS charges_created ON charges (created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS charges_store_terminal_created ON charges (store_id, terminal_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS charges_pending ON charges (created_at) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS charges_attempt ON charges (attempt_id) WHERE attempt_id <> '';
CREATE INDEX IF NOT EXISTS charges_day ON charges (bkk_day, store_id, terminal_id);
CREATE TABLE IF NOT EXISTS omise_events (
    id TEXT PRIMARY KEY, event_key TEXT NOT NULL DEFAULT '', charge_id TEXT NOT NULL DEFAULT '',
    signature TEXT NOT NULL DEFAULT '', result TEXT NOT NULL DEFAULT 'received', detail TEXT NOT NULL DEFAULT '',
    raw BLOB NOT NULL, raw_size INTEGER NOT NULL DEFAULT 0, received_at TEXT NOT NULL, processed_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS omise_events_received ON omise_events (received_at DESC);
CREATE INDEX IF NOT EXISTS omise_events_charge ON omise_events (charge_id, received_at);`

const pipelineInsertEvent = `INSERT INTO omise_events (id, event_key, charge_id, signature, result, detail, raw, raw_size, received_at, processed_at, attempts)
	VALUES (?, ?, ?, 'valid', 'applied', ?, ?, ?, ?, ?, 1)`

const pipelinePutCharge = `INSERT INTO charges (id, livemode, amount, currency, status, failure_code, failure_message, fee, fee_vat, net,
	refunded_amount, source_id, source_type, barcode_masked, store_id, terminal_id, attempt_id, cashier, metadata, transaction_id,
	created_at, bkk_day, paid_at, expires_at, expired_at, updated_at, synced_at, fee_known)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
ON CONFLICT (id) DO UPDATE SET
  livemode = excluded.livemode, amount = excluded.amount, currency = excluded.currency, status = excluded.status,
  failure_code = excluded.failure_code, failure_message = excluded.failure_message, fee = excluded.fee,
  fee_vat = excluded.fee_vat, net = excluded.net, refunded_amount = excluded.refunded_amount,
  source_id = excluded.source_id, source_type = excluded.source_type, barcode_masked = excluded.barcode_masked,
  store_id = excluded.store_id, terminal_id = excluded.terminal_id, attempt_id = excluded.attempt_id,
  cashier = excluded.cashier, metadata = excluded.metadata, transaction_id = excluded.transaction_id,
  created_at = excluded.created_at, bkk_day = excluded.bkk_day, paid_at = excluded.paid_at,
  expires_at = excluded.expires_at, expired_at = excluded.expired_at, updated_at = excluded.updated_at,
  synced_at = excluded.synced_at, fee_known = excluded.fee_known`

// pipelineDSN is the product's writer DSN (db.dsn).
func pipelineDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(FULL)&_pragma=temp_store(memory)&_txlock=immediate"
}

// groupWriter is a single writer goroutine: it takes every write queued,
// runs them in one transaction, commits once and answers each waiter.
type groupWriter struct {
	db      *sql.DB
	q       chan *groupWrite
	commits atomic.Int64
	writes  atomic.Int64
}

type groupWrite struct {
	fn   func(*sql.Tx) error
	done chan error
}

func newGroupWriter(db *sql.DB) *groupWriter {
	w := &groupWriter{db: db, q: make(chan *groupWrite, pipelineMaxBatch)}
	go w.run()
	return w
}

// do queues fn and waits for its batch's commit.
func (w *groupWriter) do(fn func(*sql.Tx) error) error {
	x := &groupWrite{fn: fn, done: make(chan error, 1)}
	w.q <- x
	return <-x.done
}

func (w *groupWriter) run() {
	for first := range w.q {
		batch := []*groupWrite{first}
	gather:
		for len(batch) < pipelineMaxBatch {
			select {
			case x := <-w.q:
				batch = append(batch, x)
			default:
				break gather
			}
		}
		err := w.commit(batch)
		for _, x := range batch {
			x.done <- err
		}
	}
}

// commit runs batch in one transaction; one failure fails the batch.
func (w *groupWriter) commit(batch []*groupWrite) error {
	tx, err := w.db.Begin()
	if err != nil {
		return err
	}
	for _, x := range batch {
		if err := x.fn(tx); err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	w.commits.Add(1)
	w.writes.Add(int64(len(batch)))
	return nil
}

// verifyWebhookSignature checks Omise's signature of body: a hex
// HMAC-SHA256 of timestamp "." body keyed with the secret (one value, or
// several comma-separated during a rotation), the timestamp within 5
// minutes of now.
func verifyWebhookSignature(key []byte, sigHeader, tsHeader string, body []byte, now time.Time) bool {
	unix, err := strconv.ParseInt(tsHeader, 10, 64)
	if err != nil || sigHeader == "" {
		return false
	}
	if d := now.Sub(time.Unix(unix, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return false
	}
	h := hmac.New(sha256.New, key)
	h.Write([]byte(tsHeader))
	h.Write([]byte{'.'})
	h.Write(body)
	want := h.Sum(nil)
	ok := false
	for _, s := range strings.Split(sigHeader, ",") {
		if got, err := hex.DecodeString(strings.TrimSpace(s)); err == nil && hmac.Equal(got, want) {
			ok = true
		}
	}
	return ok
}

// pipeEvent is what the receiver reads of an event.
type pipeEvent struct {
	ID   string `json:"id"`
	Key  string `json:"key"`
	Data struct {
		ID string `json:"id"`
	} `json:"data"`
}

// pipeCharge is an Omise charge with the fields the product stores.
type pipeCharge struct {
	ID             string         `json:"id"`
	Livemode       bool           `json:"livemode"`
	Amount         int64          `json:"amount"`
	Currency       string         `json:"currency"`
	Status         string         `json:"status"`
	FailureCode    *string        `json:"failure_code"`
	FailureMessage *string        `json:"failure_message"`
	Fee            int64          `json:"fee"`
	FeeVat         int64          `json:"fee_vat"`
	Net            int64          `json:"net"`
	RefundedAmount int64          `json:"refunded_amount"`
	Transaction    *string        `json:"transaction"`
	Metadata       map[string]any `json:"metadata"`
	Source         *struct {
		ID         string `json:"id"`
		Type       string `json:"type"`
		Barcode    string `json:"barcode"`
		StoreID    string `json:"store_id"`
		TerminalID string `json:"terminal_id"`
	} `json:"source"`
	CreatedAt time.Time  `json:"created_at"`
	PaidAt    *time.Time `json:"paid_at"`
	ExpiresAt *time.Time `json:"expires_at"`
	ExpiredAt *time.Time `json:"expired_at"`
}

const pipeTimeLayout = "2006-01-02T15:04:05.000000Z" // the product's stored time format

func pipeTime(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return t.UTC().Format(pipeTimeLayout)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// pipeReceiver is the bare receiver's state.
type pipeReceiver struct {
	key                 []byte
	omise               string
	hc                  *http.Client
	w                   *groupWriter
	insEvent, putCharge *sql.Stmt
}

// runBareReceiver serves POST /webhooks/omise on the database at dbPath,
// reading charges from the bare Omise at omiseURL. The webhook secret is
// LOADTEST_WEBHOOK_SECRET (base64). With LOADTEST_PIPELINE_CPUPROFILE set
// it writes a CPU profile of its whole life there.
func runBareReceiver(dbPath, omiseURL string) error {
	raiseNoFile()
	key, err := base64.StdEncoding.DecodeString(os.Getenv("LOADTEST_WEBHOOK_SECRET"))
	if err != nil || len(key) == 0 {
		return fmt.Errorf("LOADTEST_WEBHOOK_SECRET: not a base64 secret")
	}
	conn, err := sql.Open("sqlite", pipelineDSN(dbPath))
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	conn.SetMaxIdleConns(1)
	conn.SetConnMaxLifetime(0)
	conn.SetConnMaxIdleTime(0)
	if _, err := conn.Exec(pipelineSchema); err != nil {
		return err
	}
	r := &pipeReceiver{key: key, omise: omiseURL, w: newGroupWriter(conn),
		hc: &http.Client{Transport: newTransport(webhookConns), Timeout: 30 * time.Second}}
	if r.insEvent, err = conn.Prepare(pipelineInsertEvent); err != nil {
		return err
	}
	if r.putCharge, err = conn.Prepare(pipelinePutCharge); err != nil {
		return err
	}
	if p := os.Getenv("LOADTEST_PIPELINE_CPUPROFILE"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	e := echo.New()
	e.POST("/webhooks/omise", r.receive)
	e.GET("/stats", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]int64{"commits": r.w.commits.Load(), "writes": r.w.writes.Load()})
	})
	return serveEcho(e, "", nil)
}

// receive handles one delivery: signature, event, charge from Omise, one
// group-committed write of both rows, 200.
func (r *pipeReceiver) receive(c echo.Context) error {
	req := c.Request()
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil {
		return c.JSON(http.StatusBadRequest, map[string]string{"error": "unreadable body"})
	}
	if !verifyWebhookSignature(r.key, req.Header.Get("Omise-Signature"), req.Header.Get("Omise-Signature-Timestamp"), body, time.Now()) {
		return c.JSON(http.StatusUnauthorized, map[string]string{"error": "invalid signature"})
	}
	var ev pipeEvent
	if err := json.Unmarshal(body, &ev); err != nil || ev.ID == "" || ev.Data.ID == "" {
		return c.JSON(http.StatusBadRequest, map[string]string{"error": "not an Omise event"})
	}
	ch, err := r.getCharge(req.Context(), ev.Data.ID)
	if err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"event": ev.ID, "result": "retry"})
	}
	now := time.Now().UTC().Format(pipeTimeLayout)
	var sourceID, sourceType, masked, store, terminal string
	if s := ch.Source; s != nil {
		sourceID, sourceType, store, terminal = s.ID, s.Type, s.StoreID, s.TerminalID
		if n := len(s.Barcode); n > 6 {
			masked = s.Barcode[:2] + strings.Repeat("•", n-6) + s.Barcode[n-4:]
		}
	}
	meta := "{}"
	attempt, _ := ch.Metadata["attempt_id"].(string)
	cashier, _ := ch.Metadata["cashier"].(string)
	if len(ch.Metadata) > 0 {
		if b, err := json.Marshal(ch.Metadata); err == nil {
			meta = string(b)
		}
	}
	detail := ev.Key + ": charge " + ch.ID + " is " + ch.Status
	err = r.w.do(func(tx *sql.Tx) error {
		if _, err := tx.Stmt(r.insEvent).Exec(ev.ID, ev.Key, ch.ID, detail, body, len(body), now, now); err != nil {
			return err
		}
		_, err := tx.Stmt(r.putCharge).Exec(ch.ID, ch.Livemode, ch.Amount, strings.ToUpper(ch.Currency), ch.Status,
			deref(ch.FailureCode), deref(ch.FailureMessage), ch.Fee, ch.FeeVat, ch.Net, ch.RefundedAmount,
			sourceID, sourceType, masked, store, terminal, attempt, cashier, meta, deref(ch.Transaction),
			ch.CreatedAt.UTC().Format(pipeTimeLayout), ch.CreatedAt.In(bangkok).Format("2006-01-02"),
			pipeTime(ch.PaidAt), pipeTime(ch.ExpiresAt), pipeTime(ch.ExpiredAt), now, now)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"event": ev.ID, "result": "applied", "changed": true})
}

// getCharge reads a charge from the bare Omise.
func (r *pipeReceiver) getCharge(ctx context.Context, id string) (*pipeCharge, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.omise+"/charges/"+id, nil)
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(simSecretKey, "")
	req.Header.Set("Omise-Version", pipelineOmiseVersion)
	resp, err := r.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return nil, fmt.Errorf("GET /charges/%s: %s", id, resp.Status)
	}
	var ch pipeCharge
	if err := json.NewDecoder(resp.Body).Decode(&ch); err != nil {
		return nil, err
	}
	return &ch, nil
}

// limitPipeline measures the bare webhook pipeline. The events are real:
// charges made and paid in an Omise simulator inside this tool before each
// run, as measureWebhooks makes them in the product's; the bare Omise
// answers with one of those charges, read as the product reads it.
func (t *tool) limitPipeline() (figures, error) {
	sm := sim.New(sim.Options{PublicKey: simPublicKey, SecretKey: simSecretKey, WebhooksOff: true})
	defer sm.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: sm, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	defer hs.Close()
	s, err := newSimulatorAt("http://"+ln.Addr().String(), webhookConns)
	if err != nil {
		return nil, err
	}
	id, err := s.createCharge(t.ctx(), 0, "S01", "T01")
	if err != nil {
		return nil, err
	}
	if err := s.markPaid(id); err != nil {
		return nil, err
	}
	charge, err := s.chargeJSON(id)
	if err != nil {
		return nil, err
	}
	chargeFile := filepath.Join(t.work, "pipeline-charge.json")
	if err := os.WriteFile(chargeFile, charge, 0o644); err != nil {
		return nil, err
	}
	all, err := s.rawEvents()
	if err != nil {
		return nil, err
	}
	seen := len(all)

	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	om, err := startProc(self, []string{"-bare-omise", chargeFile}, nil, filepath.Join(t.work, "bare-omise.log"), 30*time.Second)
	if err != nil {
		return nil, err
	}
	defer om.Stop()
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	secretB64 := base64.StdEncoding.EncodeToString(secret)
	dbPath := filepath.Join(t.work, "pipeline.db")
	for _, suf := range []string{"", "-wal", "-shm"} {
		os.Remove(dbPath + suf)
	}
	env := []string{"LOADTEST_WEBHOOK_SECRET=" + secretB64}
	if t.pipelineProfile != "" {
		env = append(env, "LOADTEST_PIPELINE_CPUPROFILE="+t.pipelineProfile)
	}
	rc, err := startProc(self, []string{"-bare-receiver", om.URL, "-bare-db", dbPath}, env, filepath.Join(t.work, "bare-receiver.log"), 30*time.Second)
	if err != nil {
		return nil, err
	}
	defer rc.Stop()
	hc := &http.Client{Transport: newTransport(webhookConns), Timeout: 30 * time.Second}
	return repeat(t.runs, func(int) (figures, error) {
		evs, err := s.freshEvents(t.webhookEvents/2, &seen)
		if err != nil {
			return nil, err
		}
		before, err := pipelineStats(rc.URL)
		if err != nil {
			return nil, err
		}
		f, err := deliverWebhooks(hc, func(int) string { return rc.URL }, secretB64, evs)
		if err != nil {
			return nil, err
		}
		after, err := pipelineStats(rc.URL)
		if err != nil {
			return nil, err
		}
		if n := after["commits"] - before["commits"]; n > 0 {
			f["per_commit"] = float64(after["writes"]-before["writes"]) / float64(n)
		}
		return f, nil
	})
}

// pipelineStats reads the bare receiver's commit and write counts.
func pipelineStats(base string) (map[string]int64, error) {
	resp, err := http.Get(base + "/stats")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var m map[string]int64
	return m, json.NewDecoder(resp.Body).Decode(&m)
}

// chargeJSON is a charge as the product reads it from the simulator.
func (s *simulator) chargeJSON(id string) ([]byte, error) {
	req, _ := http.NewRequest(http.MethodGet, s.base+"/charges/"+id, nil)
	req.SetBasicAuth(simSecretKey, "")
	req.Header.Set("Omise-Version", pipelineOmiseVersion)
	resp, err := s.c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /charges/%s: %s", id, resp.Status)
	}
	return b, nil
}
