package payments

import (
	"errors"
	"time"

	"golang.org/x/time/rate"

	"instore/omise"
)

// Without a webhook secret anyone can post an event, and each one costs
// look-ups on the merchant's Omise key, whose rate limit the tills share.
// Unsigned deliveries therefore draw on one token bucket per server: at
// most UnsignedLookupBurst look-ups at once, refilled at
// UnsignedLookupsPerSecond. Each delivery takes two tokens (the event,
// then its charge).
const (
	UnsignedLookupBurst      = 60
	UnsignedLookupsPerSecond = 2
	lookupsPerDelivery       = 2
)

// MaxStoredEventBody is the largest delivered body kept with its event.
// Omise's charge events are a few kilobytes; anything much larger is not
// Omise's and only its size is kept.
const MaxStoredEventBody = 64 << 10

// ErrWebhookBudget means an unsigned delivery arrived while the budget of
// Omise look-ups was spent: nothing was stored or asked, and the answer
// is 429 so Omise delivers again later.
var ErrWebhookBudget = errors.New("payments: unsigned webhook budget spent")

// NewUnsignedBudget returns the token bucket for unsigned deliveries.
func NewUnsignedBudget() *rate.Limiter {
	return rate.NewLimiter(UnsignedLookupsPerSecond, UnsignedLookupBurst)
}

// UnsignedRetryAfter is what a deferred delivery is told to wait.
func UnsignedRetryAfter() time.Duration {
	return time.Duration(lookupsPerDelivery) * time.Second / UnsignedLookupsPerSecond
}

// plausibleEvent reports whether a delivered event's id and key have
// Omise's shape, so that nothing unbounded from an anonymous body is
// stored or sent to Omise.
func plausibleEvent(ev *omise.Event) bool {
	return plausibleID(ev.ID) && (ev.Key == "" || plausibleKey(ev.Key))
}

// plausibleChargeID is the body's charge id when it has an id's shape,
// else "" (Omise's answer fills it in later).
func plausibleChargeID(id string) string {
	if plausibleID(id) {
		return id
	}
	return ""
}

// plausibleID reports whether s has an Omise id's shape: 1 to 64 ASCII
// letters, digits and underscores (^[A-Za-z0-9_]{1,64}$, checked by a loop:
// a delivery checks two ids).
func plausibleID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// plausibleKey reports whether s has an event key's shape:
// ^[a-z_.]{1,64}$.
func plausibleKey(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// spendUnsigned takes a delivery's look-ups from the budget; false when
// they are not there. A nil budget is unlimited.
func (s *Service) spendUnsigned() bool {
	if s.UnsignedLookups == nil {
		return true
	}
	return s.UnsignedLookups.AllowN(s.now(), lookupsPerDelivery)
}
