package main

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// lats is a set of latency samples.
type lats []time.Duration

// pct returns the p-th percentile (0..100) by nearest rank; 0 when empty.
func (l lats) pct(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := append(lats(nil), l...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	i = max(0, min(i, len(s)-1))
	return s[i]
}

// ms renders a duration in milliseconds with two decimals.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// figures is one run's measured values, by name. Units are in the names'
// conventions: *_ms milliseconds, *_rps per second, *_mb megabytes, *_s seconds.
type figures map[string]float64

// medianOf returns, for every name, the median over runs. A name missing
// from some run is the median of the runs that have it. The median of an
// even count is the lower middle value, so every figure was really measured.
func medianOf(runs []figures) figures {
	out := figures{}
	names := map[string]bool{}
	for _, r := range runs {
		for k := range r {
			names[k] = true
		}
	}
	for k := range names {
		var vs []float64
		for _, r := range runs {
			if v, ok := r[k]; ok {
				vs = append(vs, v)
			}
		}
		sort.Float64s(vs)
		out[k] = vs[(len(vs)-1)/2]
	}
	return out
}

// repeat runs fn n times and returns the median of each figure. It stops at
// the first error.
func repeat(n int, fn func(run int) (figures, error)) (figures, error) {
	var runs []figures
	for i := 0; i < n; i++ {
		f, err := fn(i)
		if err != nil {
			return nil, fmt.Errorf("run %d: %w", i+1, err)
		}
		runs = append(runs, f)
	}
	return medianOf(runs), nil
}
