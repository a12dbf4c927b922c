package sim

import (
	"math/rand/v2"
	"sync/atomic"
)

// idClock is shared by every simulator in the process so that ids stay
// unique across simulators too.
var idClock atomic.Uint64

const base36 = "0123456789abcdefghijklmnopqrstuvwxyz"

// newID returns prefix + "_test_" + 19 chars of [0-9a-z]: 13 chars of a
// monotonic nanosecond counter (time-ordered, unique even within one
// nanosecond) and 6 random chars, like Omise's time-prefixed ids.
func (s *Sim) newID(prefix string) string {
	now := uint64(s.now().UnixNano())
	var v uint64
	for {
		last := idClock.Load()
		v = max(now, last+1)
		if idClock.CompareAndSwap(last, v) {
			break
		}
	}
	var b [32]byte
	n := copy(b[:], prefix)
	n += copy(b[n:], "_test_")
	for i := 12; i >= 0; i-- {
		b[n+i] = base36[v%36]
		v /= 36
	}
	n += 13
	r := rand.Uint64()
	for i := 0; i < 6; i++ {
		b[n+i] = base36[r%36]
		r /= 36
	}
	n += 6
	return string(b[:n])
}
