package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// deployment is one way of running the product that a measurement is made
// on: the engine, how many server processes share the database, and where
// Omise is.
type deployment struct {
	pg        bool // PostgreSQL (the -db URL) instead of a SQLite file
	instances int
	// externalSim runs `instore sim` as its own process and gives every
	// instance its URL and keys. Demo mode's embedded simulator is one
	// instance's own world and refuses a PostgreSQL database, so the
	// engine comparison runs every engine this way, SQLite too.
	externalSim bool
}

// label names the deployment in the tables; "" is today's single demo
// server, whose rows keep their names.
func (d deployment) label() string {
	if !d.externalSim {
		return ""
	}
	engine := "SQLite"
	if d.pg {
		engine = "PostgreSQL"
	}
	if d.instances == 1 {
		return engine + ", 1 instance"
	}
	return fmt.Sprintf("%s, %d instances", engine, d.instances)
}

// tag is the deployment in log file names.
func (d deployment) tag() string {
	switch {
	case !d.externalSim:
		return ""
	case d.pg:
		return fmt.Sprintf("-pg%d", d.instances)
	default:
		return "-sqlite"
	}
}

// suffix is what a table row's name gets for the deployment.
func (d deployment) suffix() string {
	if l := d.label(); l != "" {
		return " — " + l
	}
	return ""
}

// deployments are what each of webhooks, checkout and /charges is measured
// on: today's demo server, or with -db the comparison of SQLite (one
// instance), PostgreSQL (one) and PostgreSQL (-instances).
func (t *tool) deployments() []deployment {
	if t.pgURL == "" {
		return []deployment{{instances: 1}}
	}
	out := []deployment{{instances: 1, externalSim: true}, {pg: true, instances: 1, externalSim: true}}
	if t.instances > 1 {
		out = append(out, deployment{pg: true, instances: t.instances, externalSim: true})
	}
	return out
}

// cluster is a running deployment: its server processes, the simulator
// they share and, for the simulator's webhooks, a round-robin forwarder.
// The load generator itself spreads its requests over the instances
// (request i to instance i mod N), so no proxy of ours sits in the
// measured path; only the simulator's own deliveries go through one.
type cluster struct {
	dep     deployment
	servers []*server
	simBase string // the Omise simulator's API root
	simProc *proc  // `instore sim`; nil for the embedded one
	hooks   *http.Server
	metrics []string // each instance's /metrics URL, when asked for
	cleanup []func()
}

// url is where worker or request i sends its request.
func (c *cluster) url(i int) string { return c.servers[i%len(c.servers)].URL }

// first is the instance whose users and secret every instance shares.
func (c *cluster) first() *server { return c.servers[0] }

// Stop ends every process of the cluster and drops its scratch database.
func (c *cluster) Stop() {
	var wg sync.WaitGroup
	for _, s := range c.servers {
		wg.Add(1)
		go func() { defer wg.Done(); s.Stop() }()
	}
	wg.Wait()
	if c.simProc != nil {
		c.simProc.Stop()
	}
	if c.hooks != nil {
		c.hooks.Close()
	}
	for i := len(c.cleanup) - 1; i >= 0; i-- {
		c.cleanup[i]()
	}
}

// clusterOpts says what a measurement needs of its cluster.
type clusterOpts struct {
	simWebhooks bool // the simulator delivers its events to the instances
	metrics     bool // every instance serves /metrics
	// source is the database to use as it is (the big one); "" makes a
	// scratch database with the bench stores, removed on Stop.
	source string
}

// startCluster starts the deployment for a measurement called name.
func (t *tool) startCluster(name string, dep deployment, o clusterOpts) (*cluster, error) {
	c := &cluster{dep: dep}
	name += dep.tag()
	ok := false
	defer func() {
		if !ok {
			c.Stop()
		}
	}()
	src := o.source
	if src == "" {
		var err error
		if src, err = t.scratchSource(name, dep); err != nil {
			return nil, err
		}
		if dep.pg {
			c.cleanup = append(c.cleanup, func() { t.dropSchema(src) })
		}
		if err := newScratchDB(t.ctx(), src); err != nil {
			return nil, err
		}
	}
	if !dep.externalSim {
		var extra []string
		if !o.simWebhooks {
			extra = append(extra, "OMISE_SIM_WEBHOOKS=off")
		}
		if o.metrics {
			maddr, err := freeAddr()
			if err != nil {
				return nil, err
			}
			extra = append(extra, "INSTORE_METRICS_ADDR="+maddr)
			c.metrics = append(c.metrics, "http://"+maddr+"/metrics")
		}
		srv, err := t.startServer(name, src, extra...)
		if err != nil {
			return nil, err
		}
		c.servers = []*server{srv}
		c.simBase = srv.URL + "/sim/omise"
		ok = true
		return c, nil
	}
	if err := t.buildServer(); err != nil {
		return nil, err
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	webhookSecret := base64.StdEncoding.EncodeToString(secret)
	hookArg := "off"
	var backends atomic.Pointer[[]*url.URL]
	if o.simWebhooks {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		c.hooks = &http.Server{Handler: roundRobin(&backends), ReadHeaderTimeout: 10 * time.Second}
		go c.hooks.Serve(ln)
		hookArg = "http://" + ln.Addr().String() + "/webhooks/omise"
	}
	sp, err := startProc(t.serverBin, []string{"sim", "--addr", "127.0.0.1:0", "--webhook", hookArg,
		"--webhook-secret", webhookSecret, "--public-key", simPublicKey, "--secret-key", simSecretKey},
		nil, filepath.Join(t.work, name+"-sim.log"), 30*time.Second)
	if err != nil {
		return nil, fmt.Errorf("%w: instore sim: %v", errNotBuilt, err)
	}
	c.simProc, c.simBase = sp, sp.URL
	env := []string{
		"OMISE_API_URL=" + sp.URL, "OMISE_PUBLIC_KEY=" + simPublicKey, "OMISE_SECRET_KEY=" + simSecretKey,
		"OMISE_WEBHOOK_SECRET=" + webhookSecret,
	}
	var urls []*url.URL
	for i := 0; i < dep.instances; i++ {
		extra := append([]string(nil), env...)
		if o.metrics {
			maddr, err := freeAddr()
			if err != nil {
				return nil, err
			}
			extra = append(extra, "INSTORE_METRICS_ADDR="+maddr)
			c.metrics = append(c.metrics, "http://"+maddr+"/metrics")
		}
		srv, err := t.startInstance(fmt.Sprintf("%s-%d", name, i+1), src, webhookSecret, i == 0, extra)
		if err != nil {
			return nil, err
		}
		c.servers = append(c.servers, srv)
		u, _ := url.Parse(srv.URL)
		urls = append(urls, u)
	}
	backends.Store(&urls)
	ok = true
	return c, nil
}

// roundRobin forwards each request to the next backend in turn.
func roundRobin(backends *atomic.Pointer[[]*url.URL]) http.Handler {
	var next atomic.Uint64
	return &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			bs := backends.Load()
			if bs == nil || len(*bs) == 0 {
				return // no target: the transport fails and the sender retries
			}
			r.SetURL((*bs)[int(next.Add(1)-1)%len(*bs)])
			r.Out.Host = r.In.Host
		},
		Transport: newTransport(16),
	}
}

// scratchSource is a new, empty database for one measurement: a file in
// the work directory, or a new schema in the -db database.
func (t *tool) scratchSource(name string, dep deployment) (string, error) {
	if !dep.pg {
		return filepath.Join(t.work, name+".db"), nil
	}
	return t.newSchema()
}

// newSchema creates an empty schema in the -db database and returns the
// URL whose search_path is that schema. Every schema the tool makes is
// named loadtest_… and dropped when its measurement ends.
func (t *tool) newSchema() (string, error) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "loadtest_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(t.ctx(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, t.pgURL)
	if err != nil {
		return "", fmt.Errorf("-db: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		return "", fmt.Errorf("-db: create schema: %w", err)
	}
	return withSearchPath(t.pgURL, schema), nil
}

// dropSchema drops the schema a URL from newSchema names.
func (t *tool) dropSchema(u string) {
	_, schema, ok := strings.Cut(u, "search_path=")
	if !ok || !strings.HasPrefix(schema, "loadtest_") {
		return
	}
	ctx, cancel := context.WithTimeout(t.ctx(), 2*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, t.pgURL)
	if err != nil {
		t.logf("drop schema %s: %v", schema, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
		t.logf("drop schema %s: %v", schema, err)
	}
}

// withSearchPath adds search_path to a PostgreSQL URL (pgx sends query
// parameters it does not know as run-time parameters).
func withSearchPath(u, schema string) string {
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + "search_path=" + schema
}

// startInstance starts one server of an external-simulator deployment on
// src; the first of them also adds the bench users, which the others find
// in the shared database.
func (t *tool) startInstance(name, src, webhookSecret string, first bool, extra []string) (*server, error) {
	s := &server{DB: src, WebhookSecret: webhookSecret, AdminUser: "bench-admin", AdminPass: benchPass}
	env := []string{
		"INSTORE_ADDR=127.0.0.1:0",
		"INSTORE_DB=" + src,
		"INSTORE_SYNC_INTERVAL=1h",
		"INSTORE_METRICS_ADDR=",
	}
	env = append(env, extra...)
	if first {
		if err := t.cliUser(src, env, "bench-admin", "admin", ""); err != nil {
			return nil, fmt.Errorf("%w: instore user add: %v", errNotBuilt, err)
		}
		if err := t.cliUser(src, env, "bench-cashier", "cashier", "S01"); err != nil {
			return nil, fmt.Errorf("%w: instore user add: %v", errNotBuilt, err)
		}
	}
	p, err := startProc(t.serverBin, nil, env, filepath.Join(t.work, name+".log"), 60*time.Second)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNotBuilt, err)
	}
	s.proc = p
	return s, nil
}
