package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"instore/omise/sim"
)

// simSetup is how a demo simulator behaves. Demo mode embeds one and
// `instore sim` serves one on its own; both are built by newSim, so the
// two never drift apart.
type simSetup struct {
	PublicKey, SecretKey string
	Webhooks             []string // endpoints every event is POSTed to; none = no delivery
	WebhookSecret        string   // base64; "" = unsigned
	AutoOutcome          bool     // barcodes resolve by themselves (sim.AutoOutcomeRules)
	AutoDelay            time.Duration
	ChargeTTL            time.Duration // pending charges expire this long after creation
	Log                  *slog.Logger
}

func newSim(o simSetup) *sim.Sim {
	return sim.New(sim.Options{
		PublicKey: o.PublicKey, SecretKey: o.SecretKey,
		WebhookURLs: o.Webhooks, WebhookSecret: o.WebhookSecret,
		AutoOutcome: o.AutoOutcome, AutoOutcomeDelay: o.AutoDelay, ChargeTTL: o.ChargeTTL,
		Logger: o.Log,
	})
}

// Defaults of `instore sim`: a fixed port, so the environment printed for
// the instances stays right across restarts, and webhooks to where an
// instance listens by default.
const (
	simDefaultAddr    = "127.0.0.1:8090"
	simDefaultWebhook = "http://127.0.0.1:8080/webhooks/omise"
)

// runSim serves the Omise simulator alone until ctx ends, so that several
// instances (each with its own database, or later one shared database)
// talk to one Omise world instead of an embedded one each.
func runSim(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("sim")
	addr := fs.String("addr", simDefaultAddr, "")
	var hooks []string
	fs.Func("webhook", "", func(v string) error {
		for _, u := range strings.Split(v, ",") {
			if u = strings.TrimSpace(u); u != "" {
				hooks = append(hooks, u)
			}
		}
		return nil
	})
	secret := fs.String("webhook-secret", "", "")
	pkey := fs.String("public-key", sim.DefaultPublicKey, "")
	skey := fs.String("secret-key", sim.DefaultSecretKey, "")
	auto := fs.String("auto", "on", "")
	delay := fs.Duration("auto-delay", sim.DefaultAutoOutcomeDelay, "")
	ttl := fs.Duration("charge-ttl", sim.DefaultChargeTTL, "")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stdout, usage)
		return nil
	} else if err != nil {
		return usageError(stdout, "sim: %v", err)
	}
	if fs.NArg() > 0 {
		return usageError(stdout, "sim takes no arguments, only flags")
	}
	if len(hooks) == 0 {
		hooks = []string{simDefaultWebhook}
	}
	if len(hooks) == 1 && hooks[0] == "off" {
		hooks = nil
	}
	var errs []error
	for _, h := range hooks {
		if u, err := url.Parse(h); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("--webhook must be absolute http(s) URLs (or off), not %q", h))
		}
	}
	if !strings.HasPrefix(*pkey, "pkey_") || !strings.HasPrefix(*skey, "skey_") {
		errs = append(errs, errors.New("--public-key must start with pkey_ and --secret-key with skey_, as the instances check"))
	}
	if *auto != "on" && *auto != "off" {
		errs = append(errs, fmt.Errorf("--auto must be on or off, not %q", *auto))
	}
	if *delay <= 0 || *ttl <= 0 {
		errs = append(errs, errors.New("--auto-delay and --charge-ttl must be positive durations such as 3s or 168h"))
	}
	if *secret == "" {
		// Signed like Omise signs, so an instance checks webhooks as it
		// would in production; random, as a dashboard's secret is.
		buf := make([]byte, 32)
		if _, err := rand.Read(buf); err != nil {
			return err
		}
		*secret = base64.StdEncoding.EncodeToString(buf)
	} else if _, err := base64.StdEncoding.DecodeString(*secret); err != nil {
		errs = append(errs, errors.New("--webhook-secret must be base64, as OMISE_WEBHOOK_SECRET is"))
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %w", *addr, err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	s := newSim(simSetup{PublicKey: *pkey, SecretKey: *skey, Webhooks: hooks, WebhookSecret: *secret,
		AutoOutcome: *auto == "on", AutoDelay: *delay, ChargeTTL: *ttl, Log: log})
	defer s.Close()
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	base := baseURL(ln.Addr())
	fmt.Fprintf(stdout, "Omise simulator listening on %s (test keys, no real money)\nURL %s\n", base, base)
	if len(hooks) == 0 {
		fmt.Fprintln(stdout, "webhooks: off (instances learn outcomes by asking, on their sync interval)")
	} else {
		fmt.Fprintf(stdout, "webhooks: every event to %s, signed\n", strings.Join(hooks, ", "))
	}
	fmt.Fprintln(stdout, "Start each instance with:")
	env := fmt.Sprintf("OMISE_API_URL=%s OMISE_PUBLIC_KEY=%s OMISE_SECRET_KEY=%s", base, *pkey, *skey)
	if len(hooks) > 0 {
		env += " OMISE_WEBHOOK_SECRET=" + *secret
	}
	fmt.Fprintln(stdout, "  "+env)

	return serveUntilDone(ctx, errc, log, srv)
}
