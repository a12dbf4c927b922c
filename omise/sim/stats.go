package sim

import "sync/atomic"

// Stats are counters of what the simulator did, e.g. to assert that the
// product did not call Omise.
type Stats struct {
	Requests        map[string]int64 // by "METHOD /path/{pattern}", e.g. "POST /charges"; unknown paths under "other"
	SourcesCreated  int64            // including inline sources
	ChargesCreated  int64
	RefundsCreated  int64
	EventsCreated   int64
	WebhookAttempts int64 // HTTP deliveries attempted (duplicates included)
	WebhookFailures int64 // attempts that got an error or a non-2xx status
	FaultsInjected  int64 // 5xx, 429 and timeout-after-commit faults served
}

type statCounters struct {
	req                               [nRoutes]atomic.Int64
	sources, charges, refunds, events atomic.Int64
	whAttempts, whFailures, faults    atomic.Int64
}

// Stats returns a copy of the counters. Routes never called are absent.
func (s *Sim) Stats() Stats {
	st := Stats{
		Requests:        map[string]int64{},
		SourcesCreated:  s.stats.sources.Load(),
		ChargesCreated:  s.stats.charges.Load(),
		RefundsCreated:  s.stats.refunds.Load(),
		EventsCreated:   s.stats.events.Load(),
		WebhookAttempts: s.stats.whAttempts.Load(),
		WebhookFailures: s.stats.whFailures.Load(),
		FaultsInjected:  s.stats.faults.Load(),
	}
	for i := range s.stats.req {
		if n := s.stats.req[i].Load(); n > 0 {
			st.Requests[routeNames[i]] = n
		}
	}
	return st
}
