package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// sseEvent is one Server-Sent Event as a subscriber received it.
type sseEvent struct {
	Name string
	Data []byte
	At   time.Time // when its terminating blank line was read
}

// subscribe opens an SSE stream and calls onEvent for each event until ctx
// ends or the stream closes. ready is called once the response headers
// arrived (the subscription exists on the server). The event's Data is
// reused for the next event: onEvent must not keep it. Parsing stays cheap
// because with thousands of subscribers the load generator, on the same
// cores, must not become what is measured.
func subscribe(ctx context.Context, c *http.Client, url string, header http.Header, ready func(), onEvent func(sseEvent)) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	ready()
	r := bufio.NewReaderSize(resp.Body, 16*1024)
	var ev sseEvent
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case len(line) == 0:
			if len(ev.Data) > 0 || ev.Name != "" {
				ev.At = time.Now()
				onEvent(ev)
			}
			ev = sseEvent{Data: ev.Data[:0]}
		case line[0] == ':':
		case bytes.HasPrefix(line, []byte("event:")):
			ev.Name = string(bytes.TrimSpace(line[6:]))
		case bytes.HasPrefix(line, []byte("data:")):
			d := bytes.TrimPrefix(line[5:], []byte(" "))
			if len(ev.Data) > 0 {
				ev.Data = append(ev.Data, '\n')
			}
			ev.Data = append(ev.Data, d...)
		}
	}
}

// fleet is n subscribers to one stream.
type fleet struct {
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	ready   atomic.Int64
	failed  atomic.Int64
	errMu   sync.Mutex
	firstEr error
}

// openFleet connects n subscribers, at most 64 connecting at a time, and
// waits up to timeout until all are subscribed. onEvent is called from
// each subscriber's goroutine with its index.
func openFleet(n int, url string, header http.Header, timeout time.Duration, onEvent func(i int, ev sseEvent)) (*fleet, error) {
	ctx, cancel := context.WithCancel(context.Background())
	f := &fleet{cancel: cancel}
	tr := newTransport(n)
	tr.MaxIdleConnsPerHost = n
	c := &http.Client{Transport: tr}
	gate := make(chan struct{}, 64)
	for i := 0; i < n; i++ {
		f.wg.Add(1)
		go func(i int) {
			defer f.wg.Done()
			gate <- struct{}{}
			released := false
			release := func() {
				if !released {
					released = true
					<-gate
				}
			}
			err := subscribe(ctx, c, url, header, func() { f.ready.Add(1); release() }, func(ev sseEvent) { onEvent(i, ev) })
			release()
			if err != nil && ctx.Err() == nil {
				f.failed.Add(1)
				f.errMu.Lock()
				if f.firstEr == nil {
					f.firstEr = err
				}
				f.errMu.Unlock()
			}
		}(i)
	}
	deadline := time.Now().Add(timeout)
	for f.ready.Load() < int64(n) {
		if f.failed.Load() > 0 {
			f.Close()
			return nil, fmt.Errorf("%d of %d subscribers failed: %v", f.failed.Load(), n, f.firstEr)
		}
		if time.Now().After(deadline) {
			got := f.ready.Load()
			f.Close()
			return nil, fmt.Errorf("only %d of %d subscribers connected within %s", got, n, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return f, nil
}

// Dropped is how many subscribers lost their stream while open.
func (f *fleet) Dropped() int64 { return f.failed.Load() }

// Close disconnects every subscriber and waits for them.
func (f *fleet) Close() {
	f.cancel()
	f.wg.Wait()
}
