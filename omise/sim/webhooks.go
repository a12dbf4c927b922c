package sim

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// Delivery is one webhook delivery attempt as the simulator recorded it.
type Delivery struct {
	ID         string    // whdl_test_… id, as in the event's webhook_deliveries
	EventID    string    // evnt_test_…
	Key        string    // event key, e.g. "charge.complete"
	URL        string    // where it was sent
	Attempt    int       // 1 for the first try, 2 for the first retry, …
	StatusCode int       // HTTP status received; 0 when there was no response
	Error      string    // transport error ("" when a response arrived)
	Time       time.Time // simulator clock
	Duplicate  bool      // the extra copy sent by a DuplicateWebhooks fault
	Dropped    bool      // not sent: DropWebhooks fault or full queue
}

// Deliveries returns every recorded delivery attempt, oldest first.
func (s *Sim) Deliveries() []Delivery {
	s.delivMu.Lock()
	defer s.delivMu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

// Delivery queue bounds: the API never blocks on webhooks; when a worker's
// queue is full the delivery is recorded as dropped (the event stays in
// GET /events for reconciliation).
const webhookQueueLen = 4096

// Largest delay between retries.
const maxRetryDelay = 5 * time.Minute

type whJob struct {
	ev      *event
	url     string // the endpoint this job delivers to
	attempt int
	held    bool // already held back once by ReorderWebhooks
}

// webhooker delivers events from a pool of workers. Events of one charge go
// to the same worker, so they leave in order unless a fault or a retry
// reorders them.
type webhooker struct {
	s      *Sim
	urls   []string
	queues []chan whJob
}

func newWebhooker(s *Sim) *webhooker {
	w := &webhooker{s: s, urls: s.webhookURLs(), queues: make([]chan whJob, s.o.WebhookWorkers)}
	for i := range w.queues {
		w.queues[i] = make(chan whJob, webhookQueueLen)
	}
	return w
}

func (w *webhooker) start() {
	for _, q := range w.queues {
		w.s.wg.Add(1)
		go func() {
			defer w.s.wg.Done()
			for {
				select {
				case <-w.s.ctx.Done():
					return
				case j := <-q:
					w.deliver(j)
				}
			}
		}()
	}
}

// enqueue sends ev to every endpoint; each delivery retries on its own,
// so one endpoint being down does not hold back the others.
func (w *webhooker) enqueue(ev *event) {
	for _, u := range w.urls {
		w.push(whJob{ev: ev, url: u, attempt: 1})
	}
}

func (w *webhooker) push(j whJob) {
	h := uint32(2166136261) // FNV-1a of the charge id
	for i := 0; i < len(j.ev.chargeID); i++ {
		h ^= uint32(j.ev.chargeID[i])
		h *= 16777619
	}
	select {
	case w.queues[h%uint32(len(w.queues))] <- j:
	default:
		w.record(j, 0, "delivery queue full", false, true)
	}
}

// deliver sends one job, applying the per-delivery faults on its first try.
func (w *webhooker) deliver(j whJob) {
	s := w.s
	dup := false
	if j.attempt == 1 && !j.held {
		s.faultMu.Lock()
		drop, dupP, reorder := s.faults.DropWebhooks, s.faults.DuplicateWebhooks, s.faults.ReorderWebhooks
		s.faultMu.Unlock()
		if drop > 0 && rand.Float64() < drop {
			w.record(j, 0, "dropped by fault injection", false, true)
			return
		}
		if reorder > 0 && rand.Float64() < reorder {
			j.held = true
			hold := 100*time.Millisecond + rand.N(400*time.Millisecond)
			s.sched.after(hold, func() { w.push(j) })
			return
		}
		dup = dupP > 0 && rand.Float64() < dupP
	}
	ok := w.send(j, false)
	if dup {
		w.send(j, true)
	}
	if !ok && j.attempt < s.o.WebhookMaxAttempts && s.ctx.Err() == nil {
		next := whJob{ev: j.ev, url: j.url, attempt: j.attempt + 1, held: true}
		s.sched.after(w.backoff(j.attempt), func() { w.push(next) })
	}
}

// backoff is base·2^(attempt-1), capped.
func (w *webhooker) backoff(attempt int) time.Duration {
	d := w.s.o.WebhookRetryBase
	for i := 1; i < attempt && d < maxRetryDelay; i++ {
		d *= 2
	}
	return min(d, maxRetryDelay)
}

// Sign returns the Omise-Signature value for body at timestamp ts (Unix
// seconds): hex(HMAC-SHA256(key, ts + "." + body)), key being the
// base64-decoded webhook secret.
func Sign(key []byte, ts string, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// send POSTs the event once and records the attempt.
func (w *webhooker) send(j whJob, dup bool) bool {
	s := w.s
	j.ev.render()
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, j.url, bytes.NewReader(j.ev.payload))
	if err != nil {
		w.record(j, 0, err.Error(), dup, false)
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "OmiseSim/1")
	if s.whSecret != nil {
		// Signed with the base clock (not Advance's offset) so that a receiver
		// checking the timestamp against its own clock accepts it.
		ts := strconv.FormatInt(s.o.Now().Unix(), 10)
		req.Header.Set("Omise-Signature-Timestamp", ts)
		req.Header.Set("Omise-Signature", Sign(s.whSecret, ts, j.ev.payload))
	}
	s.stats.whAttempts.Add(1)
	resp, err := s.o.HTTPClient.Do(req)
	if err != nil {
		s.stats.whFailures.Add(1)
		if s.ctx.Err() == nil {
			w.record(j, 0, err.Error(), dup, false)
			s.log.Debug("webhook delivery failed", "event", j.ev.id, "attempt", j.attempt, "err", err)
		}
		return false
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	if !ok {
		s.stats.whFailures.Add(1)
		s.log.Debug("webhook delivery refused", "event", j.ev.id, "attempt", j.attempt, "status", resp.StatusCode)
	}
	w.record(j, resp.StatusCode, "", dup, false)
	return ok
}

// record stores an attempt in Deliveries and, unless it was never sent, in
// the event's webhook_deliveries.
func (w *webhooker) record(j whJob, status int, errText string, dup, dropped bool) {
	s := w.s
	d := Delivery{
		ID:         s.newID("whdl"),
		EventID:    j.ev.id,
		Key:        j.ev.key,
		URL:        j.url,
		Attempt:    j.attempt,
		StatusCode: status,
		Error:      errText,
		Time:       s.now(),
		Duplicate:  dup,
		Dropped:    dropped,
	}
	s.delivMu.Lock()
	s.deliveries = append(s.deliveries, d)
	s.delivMu.Unlock()
	if dropped {
		return
	}
	j.ev.render()
	wd := webhookDelivery{
		Object:    "webhook_delivery",
		ID:        d.ID,
		URI:       d.URL,
		Key:       d.Key,
		Payload:   j.ev.payloadStr,
		CreatedAt: d.Time.UTC().Format("2006-01-02 15:04:05 UTC"),
	}
	if status != 0 {
		wd.Status = &status
	}
	if errText != "" {
		wd.Error = &errText
	}
	s.mu.Lock()
	j.ev.deliveries = append(j.ev.deliveries, wd)
	s.mu.Unlock()
}
