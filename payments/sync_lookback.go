package payments

import (
	"context"
	"time"

	"instore/omise"
)

// The forward walk reads from just before its watermark. A charge (or
// refund) that Omise lists only minutes after its created time, its list
// lagging or its clock stamping a time already past, lands behind a
// watermark that newer ones moved on, and with its webhook lost nothing
// else would ever import it. A look-back sweep re-reads the window behind
// the watermark every lookBackEvery, a few pages per pass, so its cost
// stays bounded however busy the account is.
const (
	// lookBackWindow is how far behind the watermark a sweep reaches: a
	// whole business day, which the daily books count.
	lookBackWindow = 24 * time.Hour
	// lookBackEvery is how often a sweep starts (when the last one ended).
	lookBackEvery = 5 * time.Minute
	// lookBackPages bounds the pages one pass reads of a sweep.
	lookBackPages = 2
)

// listCursor is a place in one of Omise's chronological lists. Offsets
// stay valid as the list grows (new objects go at its end) and an object
// listed late only pushes later ones on, so reading on from a cursor may
// see one twice but never skips one.
type listCursor struct {
	from, to time.Time // to zero: up to Omise's now
	offset   int
}

// lookBack is one list's sweep behind its watermark.
type lookBack struct {
	at     listCursor
	active bool
	next   time.Time // when the next sweep may start, on our clock
}

// readPages reads up to n pages of list from at, calling each for every
// page, and moves at past them and newest to the newest creation time
// applied. done reports that the list's end was reached.
func readPages[T any](ctx context.Context,
	list func(context.Context, omise.ListParams) (*omise.List[T], error),
	created func(*T) time.Time, each func([]T) error,
	at *listCursor, n int, newest *time.Time) (done bool, err error) {
	for range n {
		page, err := list(ctx, omise.ListParams{From: at.from, To: at.to, Offset: at.offset, Limit: 100, Order: omise.OrderChronological})
		if err != nil {
			return false, err
		}
		if err := each(page.Data); err != nil {
			return false, err
		}
		for i := range page.Data {
			if t := created(&page.Data[i]); t.After(*newest) {
				*newest = t
			}
		}
		at.offset += len(page.Data)
		if len(page.Data) == 0 || at.offset >= page.Total {
			return true, nil
		}
	}
	return false, nil
}

// lookBackSince reads the next pages of key's sweep, starting a new sweep
// over the lookBackWindow behind the watermark when one is due. The first
// pass only schedules one: its import has just read further back.
func lookBackSince[T any](ctx context.Context, y *Syncer, key string,
	list func(context.Context, omise.ListParams) (*omise.List[T], error),
	created func(*T) time.Time, each func([]T) error) error {
	now := y.Svc.now()
	lb := y.lookBackOf(key)
	if !lb.active {
		if lb.next.IsZero() || now.Before(lb.next) {
			if lb.next.IsZero() {
				y.setLookBack(key, lookBack{next: now.Add(lookBackEvery)})
			}
			return nil
		}
		mark, err := y.Svc.DB.Watermark(ctx, key)
		if err != nil || mark.IsZero() {
			return err
		}
		lb = lookBack{active: true, next: now.Add(lookBackEvery),
			at: listCursor{from: mark.Add(-lookBackWindow), to: mark}}
	}
	var newest time.Time
	done, err := readPages(ctx, list, created, each, &lb.at, lookBackPages, &newest)
	if done {
		lb.active = false
	}
	y.setLookBack(key, lb)
	return err
}

func (y *Syncer) takeResume(key string) (listCursor, bool) {
	y.mu.Lock()
	defer y.mu.Unlock()
	at, ok := y.resume[key]
	delete(y.resume, key)
	return at, ok
}

func (y *Syncer) setResume(key string, at listCursor) {
	y.mu.Lock()
	defer y.mu.Unlock()
	if y.resume == nil {
		y.resume = map[string]listCursor{}
	}
	y.resume[key] = at
}

func (y *Syncer) lookBackOf(key string) lookBack {
	y.mu.Lock()
	defer y.mu.Unlock()
	return y.back[key]
}

func (y *Syncer) setLookBack(key string, lb lookBack) {
	y.mu.Lock()
	defer y.mu.Unlock()
	if y.back == nil {
		y.back = map[string]lookBack{}
	}
	y.back[key] = lb
}
