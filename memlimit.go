package main

import "runtime/debug"

// defaultMemoryLimit is the Go runtime's soft memory limit when GOMEMLIMIT
// is not set. Without one the heap may grow to twice the live data before
// a collection, and with thousands of open live streams that headroom,
// not the streams, is most of the process's memory. The server's live
// heap is a few tens of MB (the largest page, a month's daily report, is
// 2.5 MB; exports stream), so 192 MiB leaves room for spikes while
// keeping the resident size of a busy server near 250 MB. Set GOMEMLIMIT
// (e.g. GOMEMLIMIT=512MiB, or off) to choose otherwise.
const defaultMemoryLimit = 192 << 20

// applyMemoryLimit sets defaultMemoryLimit unless the environment chose.
func applyMemoryLimit(getenv func(string) string) {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}
