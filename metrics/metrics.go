// Package metrics holds the application's Prometheus collectors. They live in
// their own registry, served on the internal metrics listener only.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// M is every collector the application updates.
type M struct {
	Registry     *prometheus.Registry
	HTTPRequests *prometheus.CounterVec   // route, method, status
	HTTPDuration *prometheus.HistogramVec // route, method
	// BeyondOmise is a request's time minus its Omise calls' (routes
	// that call Omise on the request path: the till's POSTs): what the
	// server itself adds.
	BeyondOmise     *prometheus.HistogramVec // route, method
	OmiseCalls      *prometheus.CounterVec   // endpoint, result
	OmiseDuration   *prometheus.HistogramVec // endpoint
	Webhooks        *prometheus.CounterVec   // result
	SyncLag         prometheus.Gauge         // seconds since the syncer last completed a pass
	SyncRuns        *prometheus.CounterVec   // result
	LiveSubscribers prometheus.Gauge
	LiveDropped     prometheus.Counter
}

// New builds the collectors in a fresh registry (so tests can make many).
func New() *M {
	r := prometheus.NewRegistry()
	m := &M{
		Registry: r,
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "instore_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		HTTPDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "instore_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
		BeyondOmise: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "instore_http_beyond_omise_seconds", Help: "Request latency minus the request's Omise calls, by route.",
			Buckets: []float64{.0005, .001, .0015, .002, .003, .004, .005, .0075, .01, .015, .02, .03, .05, .1, .25, .5, 1},
		}, []string{"route", "method"}),
		OmiseCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "instore_omise_calls_total", Help: "Calls to the Omise API by endpoint and result.",
		}, []string{"endpoint", "result"}),
		OmiseDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "instore_omise_call_duration_seconds", Help: "Omise API call latency by endpoint.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 20},
		}, []string{"endpoint"}),
		Webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "instore_webhooks_total", Help: "Omise webhook deliveries by result.",
		}, []string{"result"}),
		SyncLag: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "instore_sync_lag_seconds", Help: "Seconds since the syncer last finished a pass.",
		}),
		SyncRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "instore_sync_runs_total", Help: "Syncer passes by result.",
		}, []string{"result"}),
		LiveSubscribers: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "instore_live_subscribers", Help: "Open /live (SSE) connections.",
		}),
		LiveDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "instore_live_dropped_total", Help: "Live subscribers dropped for falling behind.",
		}),
	}
	r.MustRegister(m.HTTPRequests, m.HTTPDuration, m.BeyondOmise, m.OmiseCalls, m.OmiseDuration, m.Webhooks,
		m.SyncLag, m.SyncRuns, m.LiveSubscribers, m.LiveDropped,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// CountTxRetries exposes retries, the database's count of transactions
// the server aborted (deadlock, serialization failure) and that were run
// again, as instore_db_tx_retries_total: a count that keeps growing means
// two paths take their locks in opposite orders. A nil M records nothing.
func (m *M) CountTxRetries(retries func() int64) {
	if m == nil {
		return
	}
	m.Registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "instore_db_tx_retries_total",
		Help: "Database transactions aborted by the server (deadlock, serialization failure) and run again.",
	}, func() float64 { return float64(retries()) }))
}

// ObserveWriter exposes the single database writer's work (SQLite's group
// commit) as counters: instore_db_writer_busy_seconds_total (time running
// batches, commits included), instore_db_writer_commit_seconds_total
// (writing and syncing the log), instore_db_writer_batches_total and
// instore_db_writer_callers_total (transactions the batches held). Busy
// growing as fast as the clock means writes wait for the writer: the most
// a store can take has been reached. A nil M records nothing.
func (m *M) ObserveWriter(stats func() (busy, commit time.Duration, batches, callers int64)) {
	if m == nil {
		return
	}
	for _, c := range []struct {
		name, help string
		value      func() float64
	}{
		{"instore_db_writer_busy_seconds_total", "Time the single database writer spent running batches of transactions, commits included.",
			func() float64 { b, _, _, _ := stats(); return b.Seconds() }},
		{"instore_db_writer_commit_seconds_total", "Time the single database writer spent committing (writing and syncing the log).",
			func() float64 { _, c, _, _ := stats(); return c.Seconds() }},
		{"instore_db_writer_batches_total", "Batches the single database writer committed.",
			func() float64 { _, _, n, _ := stats(); return float64(n) }},
		{"instore_db_writer_callers_total", "Transactions the single database writer's batches held.",
			func() float64 { _, _, _, n := stats(); return float64(n) }},
	} {
		m.Registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: c.name, Help: c.help}, c.value))
	}
}

// ObserveOmise records one Omise call; it matches omisehttp.Config.Observe.
func (m *M) ObserveOmise(endpoint, result string, d time.Duration) {
	m.OmiseCalls.WithLabelValues(endpoint, result).Inc()
	m.OmiseDuration.WithLabelValues(endpoint).Observe(d.Seconds())
}

// SyncPassed counts one syncer pass by result ("ok" or "error"); a nil M
// records nothing.
func (m *M) SyncPassed(result string) {
	if m != nil {
		m.SyncRuns.WithLabelValues(result).Inc()
	}
}

// SyncBehind sets how long ago the syncer last finished a pass.
func (m *M) SyncBehind(d time.Duration) {
	if m != nil {
		m.SyncLag.Set(d.Seconds())
	}
}

// Handler serves the registry in the Prometheus text format.
func (m *M) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}
