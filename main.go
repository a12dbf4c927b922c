// Command instore is a back-office and browser till for Thai merchants
// taking Alipay In-Store payments through Omise. Run without arguments it
// serves the web application; with arguments it is the admin CLI.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	_ "modernc.org/sqlite" // the driver db opens the database file with

	"instore/config"
	"instore/db"
	"instore/metrics"
	"instore/payments"
	"instore/reqctx"
	"instore/web"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "instore:", err)
		os.Exit(1)
	}
}

// shutdownTimeout bounds how long in-flight requests may take to finish.
const shutdownTimeout = 10 * time.Second

// run is the whole program: a CLI command when args are given, else the
// server until ctx is cancelled. It returns errors instead of exiting.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	if len(args) > 0 {
		return runCLI(ctx, args, getenv, stdin, stdout)
	}
	cfg, err := config.Parse(getenv)
	if err != nil {
		return err
	}
	applyMemoryLimit(getenv)
	log := slog.New(reqctx.NewLogHandler(slog.NewTextHandler(os.Stderr, nil)))
	d, err := openDatabase(ctx, cfg.DBPath)
	if err != nil {
		return err
	}
	defer d.Close()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("INSTORE_ADDR %s: %w", cfg.Addr, err)
	}
	// Both listeners are bound before bootstrap: the demo passwords are
	// drawn and printed only once, so nothing that can still fail may
	// come between drawing them and printing them.
	var mln net.Listener
	if cfg.MetricsAddr != "" {
		if mln, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			ln.Close()
			return fmt.Errorf("INSTORE_METRICS_ADDR %s: %w", cfg.MetricsAddr, err)
		}
	}
	closeListeners := func() {
		ln.Close()
		if mln != nil {
			mln.Close()
		}
	}
	base := baseURL(ln.Addr())
	m := metrics.New()

	// Demo mode: the simulator answers on this listener under /sim/omise
	// and delivers its webhooks back to us.
	var simHandler http.Handler
	if cfg.Demo {
		cfg.APIURL = base + "/sim/omise"
		var hooks []string
		if cfg.SimWebhooks {
			hooks = []string{base + "/webhooks/omise"}
		}
		s := newSim(simSetup{PublicKey: cfg.PublicKey, SecretKey: cfg.SecretKey,
			Webhooks: hooks, WebhookSecret: cfg.WebhookSecret, AutoOutcome: true, Log: log})
		defer s.Close()
		simHandler = s
	}
	notes, err := bootstrap(ctx, cfg, d)
	if err != nil {
		closeListeners()
		return err
	}
	barcodeKey, err := secretSetting(ctx, d, "till.barcode_key")
	if err != nil {
		closeListeners()
		return err
	}
	if cfg.WebhookSecret == "" {
		log.Warn("OMISE_WEBHOOK_SECRET is not set: webhook signatures are not checked, and unsigned deliveries are limited to a budget of Omise look-ups (over it they get 429); set the secret from the Omise dashboard",
			"burst", payments.UnsignedLookupBurst, "per_second", payments.UnsignedLookupsPerSecond)
	}
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	w, err := web.Wire(web.Parts{Config: cfg, DB: d, Metrics: m, Log: log, Sim: simHandler,
		BarcodeKey: barcodeKey, Work: workCtx})
	if err != nil {
		stopWork()
		closeListeners()
		return err
	}
	// The syncer makes missed webhooks harmless; housekeeping keeps what
	// anonymous callers can make us store bounded; the reconciler marks
	// failed the runs of instances that stopped. Of several instances on
	// one database each job runs on the one leading it. They stop after
	// the HTTP servers have drained, giving up their leads.
	var workers sync.WaitGroup
	workers.Add(3)
	go func() { defer workers.Done(); w.Syncer.Run(workCtx) }()
	go func() { defer workers.Done(); w.Housekeeping.Run(workCtx) }()
	go func() { defer workers.Done(); w.Reconciler.Run(workCtx) }()
	defer func() { stopWork(); workers.Wait(); w.Reconciler.Wait() }()
	app := w.App
	srv := &http.Server{
		Handler:           app,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if w.Broker != nil {
		srv.RegisterOnShutdown(w.Broker.Close)
	}
	servers := []*http.Server{srv}
	errc := make(chan error, 2)
	metricsURL := ""
	if mln != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Handler())
		msrv := &http.Server{Addr: cfg.MetricsAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, msrv)
		metricsURL = "http://" + mln.Addr().String() + "/metrics"
		go func() { errc <- msrv.Serve(mln) }()
	}
	go func() { errc <- srv.Serve(ln) }()

	mode := ""
	if cfg.Demo {
		mode = " (demo mode: embedded Omise simulator at " + cfg.APIURL + ", no real money)"
	}
	fmt.Fprintf(stdout, "instore listening on %s%s\nURL %s\n", base, mode, base)
	if metricsURL != "" {
		fmt.Fprintf(stdout, "metrics on %s\n", metricsURL)
	}
	for _, n := range notes {
		fmt.Fprintln(stdout, n)
	}

	return serveUntilDone(ctx, errc, log, servers...)
}

// serveUntilDone waits for ctx to end or a server to fail, then shuts the
// servers down, giving open requests shutdownTimeout to finish. A server
// that stopped because it was shut down is not an error.
func serveUntilDone(ctx context.Context, errc <-chan error, log *slog.Logger, servers ...*http.Server) error {
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	for _, s := range servers {
		if err := s.Shutdown(sctx); err != nil {
			log.Warn("shutdown: closing remaining connections", "err", err)
			s.Close()
		}
	}
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	return serveErr
}

// baseURL is the URL a browser on this machine opens for addr: an
// unspecified host (0.0.0.0, ::) becomes 127.0.0.1.
func baseURL(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return "http://" + addr.String()
	}
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, fmt.Sprint(tcp.Port))
}

// secretSetting returns a random 32-byte key stored under name, creating it
// on first use, so it survives restarts without being configured.
func secretSetting(ctx context.Context, d *db.DB, name string) ([]byte, error) {
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return nil, err
	}
	v, err := d.InitSetting(ctx, name, hex.EncodeToString(buf))
	if err != nil {
		return nil, fmt.Errorf("setting %s: %w", name, err)
	}
	return hex.DecodeString(v)
}
