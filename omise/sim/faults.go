package sim

import (
	"net/http"
	"time"
)

// Faults inject failures so the product's unhappy paths can be tested.
// Request faults never apply to the mark_as_* controls.
type Faults struct {
	Latency                time.Duration            // added before handling each request
	FailNext5xx            int                      // next N requests answer 500 internal_server_error
	FailNext429            int                      // next N requests answer 429 too_many_requests
	TimeoutAfterCommitNext int                      // next N successful POST /charges commit, then never answer
	Match                  func(*http.Request) bool // faults apply only where true (nil = all requests)

	// Per-delivery probabilities (0..1) for webhooks.
	DropWebhooks      float64 // the delivery is not sent (recorded with Dropped)
	DuplicateWebhooks float64 // the delivery is sent twice
	ReorderWebhooks   float64 // the delivery is held back so later events overtake it
}

func (f *Faults) requestFaults() bool {
	return f.Latency > 0 || f.FailNext5xx > 0 || f.FailNext429 > 0 || f.TimeoutAfterCommitNext > 0
}

// SetFaults replaces the fault settings (counters included).
func (s *Sim) SetFaults(f Faults) {
	s.faultMu.Lock()
	s.faults = f
	s.anyFaults.Store(f.requestFaults())
	s.faultMu.Unlock()
}

// Faults returns the current fault settings, with the counters' remaining
// values.
func (s *Sim) Faults() Faults {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	return s.faults
}

// applyFaults applies latency and the 5xx/429 counters to r. It reports
// whether r may take a TimeoutAfterCommit fault once it has committed.
func (s *Sim) applyFaults(r *http.Request, rt route) (*Error, bool) {
	s.faultMu.Lock()
	match, latency := s.faults.Match, s.faults.Latency
	s.faultMu.Unlock()
	if match != nil && !match(r) {
		return nil, false
	}
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
		case <-s.ctx.Done():
		}
		t.Stop()
	}
	var e *Error
	s.faultMu.Lock()
	switch {
	case s.faults.FailNext5xx > 0:
		s.faults.FailNext5xx--
		e = errInternal
	case s.faults.FailNext429 > 0:
		s.faults.FailNext429--
		e = errTooManyRequests
	}
	hang := rt == rChargeCreate && s.faults.TimeoutAfterCommitNext > 0
	s.anyFaults.Store(s.faults.requestFaults())
	s.faultMu.Unlock()
	if e != nil {
		s.stats.faults.Add(1)
	}
	return e, hang
}

// takeTimeoutFault consumes one TimeoutAfterCommitNext.
func (s *Sim) takeTimeoutFault() bool {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	if s.faults.TimeoutAfterCommitNext <= 0 {
		return false
	}
	s.faults.TimeoutAfterCommitNext--
	s.anyFaults.Store(s.faults.requestFaults())
	s.stats.faults.Add(1)
	return true
}

// RefuseSourceType makes the account refuse the given source types, as
// Omise does for a payment method the account may not use (not enabled,
// or retired): POST /sources, and POST /charges with an inline source,
// answer 400 bad_request "type is currently not supported", and GET
// /capability leaves them out. Each call replaces the list; no types
// allows every type again.
func (s *Sim) RefuseSourceType(types ...string) {
	refused := make(map[string]bool, len(types))
	for _, t := range types {
		refused[t] = true
	}
	s.faultMu.Lock()
	s.refusedTypes = refused
	s.faultMu.Unlock()
}

// sourceTypeRefused reports whether RefuseSourceType refused typ.
func (s *Sim) sourceTypeRefused(typ string) bool {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	return s.refusedTypes[typ]
}
