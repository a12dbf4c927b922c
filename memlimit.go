package main

import "runtime/debug"

// defaultMemoryLimit is the Go runtime's soft memory limit when GOMEMLIMIT
// is not set: a ceiling, so a server on a small machine collects harder
// instead of growing past it. It sits well above the server's working
// heap (tens of MB: the largest page, a month's daily report, is 2.5 MB,
// exports stream, a live stream holds only its connection), because a
// limit near the live heap makes the collector run without pause (the
// demo's simulator, which keeps every charge and event in memory, reached
// 200 MB in the load tool and spent half the CPU collecting under a
// 192 MiB limit). Set GOMEMLIMIT (e.g. GOMEMLIMIT=256MiB, or off) to
// choose otherwise.
const defaultMemoryLimit = 512 << 20

// applyMemoryLimit sets defaultMemoryLimit unless the environment chose.
func applyMemoryLimit(getenv func(string) string) {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}
