package sim

import (
	"container/heap"
	"context"
	"encoding/base64"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"instore/omise"
)

// Options configure a simulator. The zero value is a usable demo simulator
// without webhook delivery.
type Options struct {
	PublicKey, SecretKey string        // default "pkey_test_demo" / "skey_test_demo"
	AccountVersion       string        // default "2017-11-02"; used without Omise-Version and for events
	Recorded2017         bool          // serve 2017-11-02 charges, refunds and events in the shape recorded in 2017: no fee, fee_vat, net, paid_at, expires_at
	FeeRateBasisPoints   int64         // fee rate in 1/100 %; default 365 (3.65%); VAT 7% on the fee
	MaxAmount            int64         // default 100000000 satang
	ChargeTTL            time.Duration // pending charge expires_at = created + ChargeTTL; default 7 days
	Now                  func() time.Time
	WebhookURL           string        // where events are POSTed; "" = no delivery
	WebhookURLs          []string      // more endpoints, each sent every event and retried on its own (ours: Omise has one per account)
	WebhookSecret        string        // base64; when set deliveries are signed
	WebhooksOff          bool          // OMISE_SIM_WEBHOOKS=off
	AutoOutcome          bool          // demo: barcodes resolve by themselves (see AutoOutcomeRules)
	AutoOutcomeDelay     time.Duration // default 3s
	HTTPClient           *http.Client  // for webhook delivery; default: 10s timeout
	Logger               *slog.Logger  // default slog.Default(); keys and barcodes are never logged

	WebhookRetryBase   time.Duration // first retry delay, doubled per attempt; default 1s
	WebhookMaxAttempts int           // attempts per event including the first; default 8
	WebhookWorkers     int           // parallel deliveries; default 4
	ExpiryInterval     time.Duration // how often pending charges are checked for expiry; default 1s
}

// Defaults of Options.
const (
	DefaultPublicKey          = "pkey_test_demo"
	DefaultSecretKey          = "skey_test_demo"
	DefaultFeeRateBasisPoints = 365
	DefaultMaxAmount          = 100000000
	DefaultChargeTTL          = 7 * 24 * time.Hour
	DefaultAutoOutcomeDelay   = 3 * time.Second
	MinAmount                 = 2000 // barcode_alipay minimum in satang (real error message quotes it)
	MaxRefundsPerCharge       = 15
	RefundWindow              = 365 * 24 * time.Hour
)

// Sim is the simulator. It is an http.Handler and safe for concurrent use.
type Sim struct {
	o        Options
	log      *slog.Logger
	whSecret []byte
	offset   atomic.Int64 // Advance, in nanoseconds

	mu         sync.RWMutex // guards everything below and every object's mutable fields
	sources    map[string]*source
	charges    map[string]*charge
	chargeList []*charge // creation order
	refunds    []*refund // creation order
	events     []*event  // creation order
	eventsByID map[string]*event
	expiries   expiryHeap
	lateListed bool // some charge has a listedAt (ListLate)

	faultMu      sync.Mutex
	faults       Faults
	anyFaults    atomic.Bool
	refusedTypes map[string]bool // RefuseSourceType; guarded by faultMu

	delivMu    sync.Mutex
	deliveries []Delivery

	stats statCounters

	wh    *webhooker
	sched *scheduler

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed sync.Once
}

// New returns a running simulator. Call Close to stop its goroutines.
func New(o Options) *Sim {
	if o.PublicKey == "" {
		o.PublicKey = DefaultPublicKey
	}
	if o.SecretKey == "" {
		o.SecretKey = DefaultSecretKey
	}
	if o.AccountVersion == "" {
		o.AccountVersion = omise.Version2017
	}
	if o.FeeRateBasisPoints == 0 {
		o.FeeRateBasisPoints = DefaultFeeRateBasisPoints
	}
	if o.MaxAmount == 0 {
		o.MaxAmount = DefaultMaxAmount
	}
	if o.ChargeTTL <= 0 {
		o.ChargeTTL = DefaultChargeTTL
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.AutoOutcomeDelay <= 0 {
		o.AutoOutcomeDelay = DefaultAutoOutcomeDelay
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.WebhookRetryBase <= 0 {
		o.WebhookRetryBase = time.Second
	}
	if o.WebhookMaxAttempts <= 0 {
		o.WebhookMaxAttempts = 8
	}
	if o.WebhookWorkers <= 0 {
		o.WebhookWorkers = 4
	}
	if o.ExpiryInterval <= 0 {
		o.ExpiryInterval = time.Second
	}
	s := &Sim{
		o:          o,
		log:        o.Logger.With("component", "omise-sim"),
		sources:    make(map[string]*source),
		charges:    make(map[string]*charge),
		eventsByID: make(map[string]*event),
	}
	if o.WebhookSecret != "" {
		// Padded or not, as omise.VerifySignature reads it: otherwise an
		// unpadded secret would sign with other bytes than it verifies with.
		key, err := base64.StdEncoding.DecodeString(o.WebhookSecret)
		if err != nil {
			key, err = base64.RawStdEncoding.DecodeString(o.WebhookSecret)
		}
		if err != nil {
			// Omise secrets are base64; accept a raw secret rather than refuse to start.
			s.log.Warn("webhook secret is not base64; using its raw bytes")
			key = []byte(o.WebhookSecret)
		}
		s.whSecret = key
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.sched = newScheduler()
	s.wg.Add(2)
	go func() { defer s.wg.Done(); s.sched.run(s.ctx) }()
	go func() { defer s.wg.Done(); s.expiryLoop() }()
	if s.webhooksEnabled() {
		s.wh = newWebhooker(s)
		s.wh.start()
	}
	return s
}

// Close stops the background goroutines and waits for them. In-flight
// webhook requests are cancelled and hanging fault requests released.
func (s *Sim) Close() {
	s.closed.Do(func() {
		s.cancel()
		s.wg.Wait()
	})
}

func (s *Sim) webhooksEnabled() bool { return len(s.webhookURLs()) > 0 && !s.o.WebhooksOff }

// webhookURLs are the endpoints every event is POSTed to.
func (s *Sim) webhookURLs() []string {
	var urls []string
	for _, u := range append([]string{s.o.WebhookURL}, s.o.WebhookURLs...) {
		if u != "" {
			urls = append(urls, u)
		}
	}
	return urls
}

// now is the simulator's clock: Options.Now plus everything Advance added.
func (s *Sim) now() time.Time {
	return s.o.Now().Add(time.Duration(s.offset.Load())).UTC()
}

// stamp is now at the second precision every Omise timestamp has.
func (s *Sim) stamp() time.Time { return s.now().Truncate(time.Second) }

// Advance moves the simulator's clock forward by d and expires every pending
// charge whose expires_at has passed.
func (s *Sim) Advance(d time.Duration) {
	if d < 0 {
		d = 0
	}
	s.offset.Add(int64(d))
	s.expireDue()
}

// CountCharges returns how many charges exist.
func (s *Sim) CountCharges() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.chargeList)
}

// expiryLoop expires charges whose expires_at passed, on a ticker.
func (s *Sim) expiryLoop() {
	t := time.NewTicker(s.o.ExpiryInterval)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			s.expireDue()
		}
	}
}

// expireDue expires every pending charge past its expires_at. The heap makes
// the common "nothing due" case one comparison.
func (s *Sim) expireDue() {
	now := s.now()
	s.mu.RLock()
	due := len(s.expiries) > 0 && !s.expiries[0].expiresAt.After(now)
	s.mu.RUnlock()
	if !due {
		return
	}
	var evs []*event
	s.mu.Lock()
	for len(s.expiries) > 0 && !s.expiries[0].expiresAt.After(now) {
		c := heap.Pop(&s.expiries).(*charge)
		if c.status != omise.StatusPending {
			continue
		}
		s.expireLocked(c, c.expiresAt)
		evs = append(evs, s.newEventLocked("charge.expire", c, nil))
	}
	s.mu.Unlock()
	s.publish(evs...)
}

// expiryHeap orders pending charges by expires_at.
type expiryHeap []*charge

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].expiresAt.Before(h[j].expiresAt) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(*charge)) }
func (h *expiryHeap) Pop() any {
	old := *h
	n := len(old)
	x := old[n-1]
	old[n-1] = nil
	*h = old[:n-1]
	return x
}
