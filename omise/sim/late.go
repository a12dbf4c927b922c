package sim

import "time"

// ListLate makes a charge absent from GET /charges until d after its
// creation, while GET /charges/:id already finds it: Omise's list can lag
// behind, or a charge can carry a created time already minutes past when
// it first shows, and an importer that reads only from its last bookmark
// would never see it.
func (s *Sim) ListLate(id string, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.charges[id]
	if c == nil {
		return errNotFound("charge", id)
	}
	c.listedAt = c.created.Add(d)
	s.lateListed = true
	return nil
}

// listedLocked is items without the charges not yet listed at now; the
// creation order is kept.
func listedLocked(items []*charge, now time.Time) []*charge {
	out := make([]*charge, 0, len(items))
	for _, c := range items {
		if c.listedAt.IsZero() || !c.listedAt.After(now) {
			out = append(out, c)
		}
	}
	return out
}
