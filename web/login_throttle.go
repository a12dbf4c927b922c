package web

import (
	"context"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"instore/db"
)

// Login throttling. Failures are counted per username and client address,
// so one person's typos never lock a colleague at the same till; and per
// address, with a ceiling high enough for a shop's staff behind one IP
// but low enough to stop one address trying many usernames.
const (
	loginUserLimit  = 5  // failures of one username from one address per window
	loginAddrLimit  = 20 // failures from one address, whatever the username, per window
	loginFailWindow = 15 * time.Minute
	// loginMaxCounters caps the stored counters; beyond it the ones
	// closest to expiry go first.
	loginMaxCounters = 10000
	// loginMaxSummaries caps the refusal tallies kept for summary lines.
	loginMaxSummaries = 10000
)

// LoginThrottle refuses logins and password changes after too many
// failures. Its counters live in the database (they survive a restart and
// hold across servers sharing the database), keyed by digests so their
// size does not depend on what was typed. A refused try writes nothing:
// the first refusal of a window writes one audit line, later ones are
// tallied in memory, and one log line per window sums them up.
type LoginThrottle struct {
	DB  *db.DB
	Log *slog.Logger

	mu       sync.Mutex
	tally    map[string]*refusals // by counter key
	overflow int                  // refusals not tallied because the map was full
}

// refusals is one window's tally of refused tries on one counter.
type refusals struct {
	username, ip string // as audited: capped
	until        time.Time
	n            int
}

// NewLoginThrottle returns the throttle over d's counters.
func NewLoginThrottle(d *db.DB, log *slog.Logger) *LoginThrottle {
	return &LoginThrottle{DB: d, Log: log, tally: map[string]*refusals{}}
}

// clientAddress is what counters are kept per: the address itself, or for
// IPv6 its /64, since one subscriber usually holds a whole /64 and could
// otherwise try from a new address every time.
func clientAddress(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is6() || a.Is4In6() {
		return ip
	}
	p, err := a.Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}

// Check reports whether a try of username from ip must be refused at now,
// and until when. A refusal is counted as described on LoginThrottle;
// action names the audit action ("login", "password.change").
func (t *LoginThrottle) Check(ctx context.Context, action, username, ip string, now time.Time) (time.Time, bool, error) {
	ip = clientAddress(ip)
	counters, err := t.DB.GetLoginThrottles(ctx, db.LoginUserKey(username, ip), db.LoginAddressKey(ip))
	if err != nil {
		return time.Time{}, false, err
	}
	var block *db.LoginThrottle
	for _, c := range counters {
		limit := loginUserLimit
		if c.PerAddress() {
			limit = loginAddrLimit
		}
		if c.Failures >= limit && c.ExpiresAt.After(now) && (block == nil || c.ExpiresAt.After(block.ExpiresAt)) {
			block = c
		}
	}
	if block == nil {
		return time.Time{}, false, nil
	}
	t.count(block.Key, username, ip, block.ExpiresAt)
	if !block.Noted {
		detail := "per-username limit"
		if block.PerAddress() {
			detail = "per-address limit"
		}
		e := db.AuditEntry{At: now, Username: username, Action: action, Target: username, IP: ip, Result: "throttled",
			Detail: detail + " until " + db.FormatTime(block.ExpiresAt) + "; further refusals are counted, not logged"}
		if _, err := t.DB.NoteLoginThrottled(ctx, block.Key, e); err != nil {
			return time.Time{}, false, err
		}
	}
	return block.ExpiresAt, true, nil
}

func (t *LoginThrottle) count(key, username, ip string, until time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.tally[key]
	if r == nil || !r.until.Equal(until) {
		if r == nil && len(t.tally) >= loginMaxSummaries {
			t.overflow++
			return
		}
		r = &refusals{username: db.CapText(username, db.MaxAuditName), ip: db.CapText(ip, db.MaxAuditName), until: until}
		t.tally[key] = r
	}
	r.n++
}

// Failed counts a failed try of username from ip.
func (t *LoginThrottle) Failed(ctx context.Context, username, ip string, now time.Time) error {
	ip = clientAddress(ip)
	capped := db.CapText(ip, db.MaxAuditName)
	return t.DB.RecordLoginFailure(ctx, []db.LoginThrottle{
		{Key: db.LoginUserKey(username, ip), UserHash: db.LoginUserHash(username), IP: capped},
		{Key: db.LoginAddressKey(ip), IP: capped},
	}, now, loginFailWindow, loginMaxCounters)
}

// Succeeded forgets the failures of username from ip (not the address's:
// one account logging in must not reset guessing on the others).
func (t *LoginThrottle) Succeeded(ctx context.Context, username, ip string) error {
	ip = clientAddress(ip)
	return t.DB.ClearLoginThrottle(ctx, db.LoginUserKey(username, ip))
}

// Locks returns the counters refusing logins at now (the admin's users page).
func (t *LoginThrottle) Locks(ctx context.Context, now time.Time) ([]*db.LoginThrottle, error) {
	return t.DB.ListLoginLocks(ctx, now, loginUserLimit, loginAddrLimit)
}

// Sweep deletes counters whose window has ended and logs one summary line
// for each window that refused tries.
func (t *LoginThrottle) Sweep(ctx context.Context, now time.Time) error {
	t.mu.Lock()
	var done []*refusals
	for k, r := range t.tally {
		if !r.until.After(now) {
			done = append(done, r)
			delete(t.tally, k)
		}
	}
	overflow := t.overflow
	t.overflow = 0
	t.mu.Unlock()
	for _, r := range done {
		t.log().InfoContext(ctx, "login throttle window ended", "username", r.username, "ip", r.ip, "until", r.until, "refused", r.n)
	}
	if overflow > 0 {
		t.log().WarnContext(ctx, "login throttle: refusals not tallied (too many throttled keys)", "refused", overflow)
	}
	_, err := t.DB.SweepLoginThrottle(ctx, now)
	return err
}

func (t *LoginThrottle) log() *slog.Logger {
	if t.Log != nil {
		return t.Log
	}
	return slog.Default()
}
