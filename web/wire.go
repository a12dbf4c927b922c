package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"instore/config"
	"instore/db"
	"instore/metrics"
	"instore/omise/omisehttp"
	"instore/payments"
	"instore/web/pgfeed"
)

// Parts is what Wire needs that differs between the binary and a test: the
// opened database, where logs and metrics go, the clock, and the demo
// simulator when there is one.
type Parts struct {
	Config  config.Config // Config.APIURL already points at Omise or the simulator
	DB      *db.DB
	Metrics *metrics.M
	Log     *slog.Logger
	Now     func() time.Time // nil: time.Now
	Sim     http.Handler     // mounted at /sim/omise; nil: none
	// OmiseTimeout bounds each Omise call; zero: omisehttp.DefaultTimeout.
	OmiseTimeout time.Duration
	// BarcodeKey keys the stored hashes of scanned codes.
	BarcodeKey []byte
	// Work is cancelled at shutdown; background jobs use it.
	Work context.Context
	// Adjust, when set, changes the dependencies just before the router is
	// built (tests swap or observe a part).
	Adjust func(*Deps)
}

// Wired is the assembled application: the router and the background jobs
// the caller runs (the binary starts both; tests usually neither).
type Wired struct {
	App          *App
	Payments     *payments.Service
	Syncer       *payments.Syncer
	Housekeeping *payments.Housekeeping
	// Broker is the live feed; Close it at shutdown (its detached
	// streams are not the HTTP server's to drain).
	Broker *Broker
	// Reconciler's runs stop when Work ends; Wait for them before closing
	// the database, so each run records how it ended.
	Reconciler *payments.Reconciler
	// Live carries the live feed across instances on PostgreSQL; it runs
	// until Work ends. Nil on SQLite, where the broker is the whole feed.
	Live *pgfeed.Feed
}

// Wire builds the Omise client, the domain service, the live broker, the
// router and the background jobs from p, the one way both the binary and
// the tests put the application together.
func Wire(p Parts) (*Wired, error) {
	if p.Now == nil {
		p.Now = time.Now
	}
	cfg := p.Config
	client, err := omisehttp.New(omisehttp.Config{BaseURL: cfg.APIURL, PublicKey: cfg.PublicKey, SecretKey: cfg.SecretKey,
		Version: cfg.APIVersion, Timeout: p.OmiseTimeout, Observe: p.Metrics.ObserveOmise})
	if err != nil {
		return nil, fmt.Errorf("OMISE_API_URL: %w", err)
	}
	work := p.Work
	if work == nil {
		work = context.Background()
	}
	p.Metrics.CountTxRetries(db.TxRetries)
	p.Metrics.ObserveWriter(func() (time.Duration, time.Duration, int64, int64) {
		w := p.DB.WriterStats()
		return w.Busy, w.Commit, w.Batches, w.Callers
	})
	broker := NewBroker(p.Metrics)
	var notify payments.Notifier = broker
	var live *pgfeed.Feed
	if p.DB.Postgres() {
		// Other instances share the database: changes cross over NOTIFY.
		if live, err = pgfeed.New(work, p.DB, cfg.DBPath, broker, p.Log); err != nil {
			return nil, fmt.Errorf("live feed: %w", err)
		}
		notify = live
	}
	svc := &payments.Service{DB: p.DB, Omise: client, Notify: notify, Metrics: p.Metrics, Log: p.Log, Now: p.Now,
		TillTimeout: cfg.TillTimeout, BarcodeKey: p.BarcodeKey}
	if cfg.WebhookSecret == "" {
		// Anyone can post events: each one costs Omise look-ups on the
		// merchant's key, so unsigned deliveries share a budget.
		svc.UnsignedLookups = payments.NewUnsignedBudget()
	}
	deps := Deps{Config: cfg, DB: p.DB, Metrics: p.Metrics, Log: p.Log, Now: p.Now, Sim: p.Sim,
		Payments: svc, Broker: broker, Work: work}
	if p.Adjust != nil {
		p.Adjust(&deps)
	}
	if deps.Reconciler == nil {
		deps.Reconciler = payments.NewReconciler(deps.Work, deps.Payments)
	}
	app, err := New(deps)
	if err != nil {
		return nil, err
	}
	svc = deps.Payments
	if live != nil {
		go live.Run(work)
	}
	return &Wired{
		Live:       live,
		App:        app,
		Payments:   svc,
		Broker:     deps.Broker,
		Reconciler: deps.Reconciler,
		Syncer: &payments.Syncer{Svc: svc, Interval: cfg.SyncInterval, MaxInFlight: 4,
			Extra: []func(context.Context) error{svc.ResolveUnknownAttempts, svc.ExpireStaleTillCharges}},
		Housekeeping: &payments.Housekeeping{Svc: svc, EventBodies: cfg.EventRetention,
			Extra: []func(context.Context, time.Time) error{app.Logins().Sweep}},
	}, nil
}
