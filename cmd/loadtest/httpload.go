package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// newTransport is a loopback transport that keeps up to conns connections
// open, so a closed loop of conns workers reuses them instead of dialling.
func newTransport(conns int) *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns + 16,
		MaxIdleConnsPerHost: conns + 16,
		MaxConnsPerHost:     0,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
}

// loadResult is what a closed-loop run saw.
type loadResult struct {
	N        int           // requests that succeeded
	Errs     int           // requests that failed
	Elapsed  time.Duration // wall time of the measured window
	Lats     lats          // latency of each successful request
	FirstErr error
}

// rps is successful requests per second.
func (r loadResult) rps() float64 { return float64(r.N) / r.Elapsed.Seconds() }

// closedLoop runs conns workers, each sending one request after another for
// dur (after warm, whose requests are not counted). do makes and checks one
// request; worker is the worker's index and i its request counter.
func closedLoop(conns int, warm, dur time.Duration, do func(worker, i int) error) loadResult {
	var (
		mu       sync.Mutex
		res      loadResult
		measured atomic.Bool
		wg       sync.WaitGroup
	)
	ctx, cancel := context.WithTimeout(context.Background(), warm+dur)
	defer cancel()
	start := time.Now()
	go func() {
		time.Sleep(warm)
		mu.Lock()
		start = time.Now()
		mu.Unlock()
		measured.Store(true)
	}()
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var local lats
			n, errs := 0, 0
			var firstErr error
			for i := 0; ctx.Err() == nil; i++ {
				t0 := time.Now()
				err := do(w, i)
				d := time.Since(t0)
				if !measured.Load() || ctx.Err() != nil {
					continue
				}
				if err != nil {
					errs++
					if firstErr == nil {
						firstErr = err
					}
					continue
				}
				n++
				local = append(local, d)
			}
			mu.Lock()
			res.N += n
			res.Errs += errs
			res.Lats = append(res.Lats, local...)
			if res.FirstErr == nil {
				res.FirstErr = firstErr
			}
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	mu.Lock()
	res.Elapsed = time.Since(start)
	mu.Unlock()
	return res
}

// getOK fetches url with c and reads the whole body, failing on a status
// other than 200.
func getOK(c *http.Client, url string, header http.Header) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}
