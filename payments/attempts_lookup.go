package payments

import (
	"context"
	"slices"
	"sync"
	"time"

	"instore/db"
	"instore/omise"
)

// A till sale's charge, if Omise made it at all, was made while the sale's
// create request was in flight: just after the attempt was stored, and
// never later than staleCreating (our client gives up long before). So the
// charge is looked for only in a window around the attempt's time, not in
// everything since: on a busy account everything since grows without end
// and the look-up could never finish. A window longer than a pass may read
// goes on next pass from where the last one stopped.
const (
	// attemptLookBefore reaches back for an Omise clock a little behind
	// ours that its answers' second precision does not show.
	attemptLookBefore = time.Minute
	// attemptLookAfter is the latest, after the attempt, its charge can
	// have been made.
	attemptLookAfter = staleCreating
	// clockSlack is the difference between Omise's clock and ours that
	// the windows' margins absorb; a larger one widens them.
	clockSlack = 5 * time.Second
)

// lookupCursor is a place in Omise's chronological charge list: the
// charges created from from on, less the first skip of them, which were
// read (from moves forward page by page, so no offset grows without end).
type lookupCursor struct {
	from time.Time
	skip int
}

// attemptLookups remembers, per attempt, how far its window was read in a
// conclusive pass, so a window longer than a pass goes on where it
// stopped. Only the leading syncer reads it; after a restart a window is
// read again from its start.
type attemptLookups struct {
	mu sync.Mutex
	at map[string]lookupCursor
}

func (l *attemptLookups) get(id string) (lookupCursor, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.at[id]
	return c, ok
}

func (l *attemptLookups) set(ids []string, c lookupCursor) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.at == nil {
		l.at = map[string]lookupCursor{}
	}
	for _, id := range ids {
		l.at[id] = c
	}
}

func (l *attemptLookups) forget(id string) {
	l.mu.Lock()
	delete(l.at, id)
	l.mu.Unlock()
}

// keepOnly drops the places of attempts no longer waiting (resolved by a
// webhook or a sale's own read).
func (l *attemptLookups) keepOnly(wanted map[string]*db.Attempt) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for id := range l.at {
		if _, ok := wanted[id]; !ok {
			delete(l.at, id)
		}
	}
}

// attemptWindow is a span of Omise's charge list (on Omise's clock) that
// holds the charges of its attempts, if Omise made them.
type attemptWindow struct {
	from, to time.Time
	atts     []*db.Attempt
	// conclusive: every attempt is past unknownGrace, so Omise lists its
	// charge by now and reading the whole window without finding it
	// proves it was never made.
	conclusive bool
}

// attemptWindows merges the windows of atts (sorted by creation) that
// overlap. skew is Omise's clock minus ours; it only ever widens a window,
// so a wrong measurement costs pages, never a missed charge.
func attemptWindows(atts []*db.Attempt, skew time.Duration, now time.Time) []attemptWindow {
	var ws []attemptWindow
	for _, a := range atts {
		from := a.CreatedAt.Add(-attemptLookBefore + min(skew, 0))
		to := a.CreatedAt.Add(attemptLookAfter + max(skew, 0))
		past := now.Sub(a.CreatedAt) >= unknownGrace
		if n := len(ws); n > 0 && !from.After(ws[n-1].to) {
			w := &ws[n-1]
			w.to = maxTime(w.to, to)
			w.atts = append(w.atts, a)
			w.conclusive = w.conclusive && past
			continue
		}
		ws = append(ws, attemptWindow{from: from, to: to, atts: []*db.Attempt{a}, conclusive: past})
	}
	return ws
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// start is where reading w begins: where a conclusive pass left it when
// every attempt in it has such a place, else the window's start.
func (s *Service) start(w *attemptWindow) lookupCursor {
	var at lookupCursor
	for i, a := range w.atts {
		c, ok := s.lookups.get(a.AttemptID)
		if !ok || c.from.Before(w.from) {
			return lookupCursor{from: w.from}
		}
		if i == 0 || c.from.Before(at.from) || (c.from.Equal(at.from) && c.skip < at.skip) {
			at = c
		}
	}
	return at
}

// findAttemptCharges reads Omise's charges in each wanted attempt's window,
// oldest attempt first and at most resolvePages pages a pass (one more if
// the clocks differ), and applies each one whose metadata names a wanted
// attempt, removing it from wanted. absent are the attempts whose whole
// window was read, past their grace, without their charge: the only case
// in which a missing charge proves anything.
func (s *Service) findAttemptCharges(ctx context.Context, now time.Time, wanted map[string]*db.Attempt) (absent []*db.Attempt, err error) {
	atts := make([]*db.Attempt, 0, len(wanted))
	for _, a := range wanted {
		atts = append(atts, a)
	}
	slices.SortFunc(atts, func(a, b *db.Attempt) int { return a.CreatedAt.Compare(b.CreatedAt) })
	pages, budget := 0, resolvePages
	skew, clockChecked := time.Duration(0), false
windows:
	ws := attemptWindows(atts, skew, now)
	for wi := range ws {
		w := &ws[wi]
		at := s.start(w)
		for done := false; !done; {
			if len(wanted) == 0 || pages >= budget {
				return absent, nil
			}
			asked := s.now()
			list, err := s.Omise.ListCharges(ctx, omise.ListParams{
				From: at.from, Offset: at.skip, Order: omise.OrderChronological, Limit: resolveBatch,
			})
			if err != nil {
				return absent, err
			}
			pages++
			// Omise filters on its own clock, and its answer says what
			// time it is there (to, as we send none). A clock well behind
			// or ahead of ours would leave the charge outside a window
			// drawn on ours: widen the windows and read again.
			if !clockChecked {
				clockChecked = true
				if d := list.To.Sub(asked); !list.To.IsZero() && (d > clockSlack || d < -clockSlack) {
					skew, budget = d, budget+1
					goto windows
				}
			}
			done = len(list.Data) < resolveBatch
			read := list.Data
			for i := range list.Data {
				if list.Data[i].CreatedAt.After(w.to) {
					read, done = list.Data[:i], true
					break
				}
			}
			for i := range read {
				oc := &read[i]
				id := oc.MetadataString(MetaAttemptID)
				if _, ok := wanted[id]; !ok {
					continue
				}
				if _, err := s.ApplyCharge(ctx, oc); err != nil {
					return absent, err
				}
				s.log().Info("till: unknown attempt resolved from Omise's charge list", "attempt", id, "charge", oc.ID)
				delete(wanted, id)
				s.lookups.forget(id)
			}
			at = at.past(read)
			if w.conclusive && !done {
				ids := make([]string, 0, len(w.atts))
				for _, a := range w.atts {
					if _, ok := wanted[a.AttemptID]; ok {
						ids = append(ids, a.AttemptID)
					}
				}
				s.lookups.set(ids, at)
			}
		}
		if !w.conclusive {
			continue
		}
		for _, a := range w.atts {
			if _, ok := wanted[a.AttemptID]; ok {
				absent = append(absent, a)
				delete(wanted, a.AttemptID)
				s.lookups.forget(a.AttemptID)
			}
		}
	}
	return absent, nil
}

// past is the cursor after reading page, which began at c.
func (c lookupCursor) past(page []omise.Charge) lookupCursor {
	if len(page) == 0 {
		return c
	}
	last := page[len(page)-1].CreatedAt
	same := 0
	for i := len(page) - 1; i >= 0 && page[i].CreatedAt.Equal(last); i-- {
		same++
	}
	if last.Equal(c.from) {
		return lookupCursor{from: c.from, skip: c.skip + same}
	}
	return lookupCursor{from: last, skip: same}
}
