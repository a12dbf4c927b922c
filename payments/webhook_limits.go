package payments

import (
	"errors"
	"regexp"
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

var (
	eventIDRE  = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
	eventKeyRE = regexp.MustCompile(`^[a-z_.]{1,64}$`)
)

// plausibleEvent reports whether a delivered event's id and key have
// Omise's shape, so that nothing unbounded from an anonymous body is
// stored or sent to Omise.
func plausibleEvent(ev *omise.Event) bool {
	return eventIDRE.MatchString(ev.ID) && (ev.Key == "" || eventKeyRE.MatchString(ev.Key))
}

// plausibleChargeID is the body's charge id when it has an id's shape,
// else "" (Omise's answer fills it in later).
func plausibleChargeID(id string) string {
	if eventIDRE.MatchString(id) {
		return id
	}
	return ""
}

// spendUnsigned takes a delivery's look-ups from the budget; false when
// they are not there. A nil budget is unlimited.
func (s *Service) spendUnsigned() bool {
	if s.UnsignedLookups == nil {
		return true
	}
	return s.UnsignedLookups.AllowN(s.now(), lookupsPerDelivery)
}
