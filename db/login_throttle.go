package db

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// LoginThrottle is one login-throttle counter: failures of one username
// from one client address (UserHash set), or of one address whatever the
// username (UserHash empty), within a window that ends at ExpiresAt.
type LoginThrottle struct {
	Key         string
	UserHash    string
	IP          string
	Failures    int
	WindowStart time.Time
	ExpiresAt   time.Time
	Noted       bool // the audit log already has this window's throttled line
}

// PerAddress reports whether the counter is the address-wide one.
func (t *LoginThrottle) PerAddress() bool { return t.UserHash == "" }

// digest keeps keys at 64 characters whatever the input's size.
func digest(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:])
}

// LoginUserHash is the digest that ties a username's counters together
// (admins unlock a user through it).
func LoginUserHash(username string) string { return digest("user", username) }

// LoginUserKey is the key of the counter of username from ip.
func LoginUserKey(username, ip string) string { return digest("user+ip", username, ip) }

// LoginAddressKey is the key of the address-wide counter of ip.
func LoginAddressKey(ip string) string { return digest("ip", ip) }

const loginThrottleColumns = `key, user_hash, ip, failures, window_start, expires_at, noted`

func scanLoginThrottle(r rowScanner) (*LoginThrottle, error) {
	var t LoginThrottle
	var start, expires string
	if err := r.Scan(&t.Key, &t.UserHash, &t.IP, &t.Failures, &start, &expires, &t.Noted); err != nil {
		return nil, err
	}
	t.WindowStart, t.ExpiresAt = ParseTime(start), ParseTime(expires)
	return &t, nil
}

func queryLoginThrottles(ctx context.Context, q Querier, query string, args ...any) ([]*LoginThrottle, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*LoginThrottle
	for rows.Next() {
		t, err := scanLoginThrottle(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// GetLoginThrottles returns the counters stored under keys (missing ones
// are absent), read from the writer so a failure just recorded is seen.
func (d *DB) GetLoginThrottles(ctx context.Context, keys ...string) ([]*LoginThrottle, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	marks := strings.TrimSuffix(strings.Repeat("?,", len(keys)), ",")
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	return queryLoginThrottles(ctx, d.W, `SELECT `+loginThrottleColumns+` FROM login_throttle WHERE key IN (`+marks+`)`, args...)
}

// An expired window restarts at this failure; otherwise the count grows.
// The existing row's columns are named with the table: PostgreSQL calls
// a bare name in DO UPDATE ambiguous beside excluded's.
const upsertLoginFailureSQL = `INSERT INTO login_throttle (key, user_hash, ip, failures, window_start, expires_at, noted)
VALUES (?, ?, ?, 1, ?, ?, 0)
ON CONFLICT (key) DO UPDATE SET
    failures     = CASE WHEN login_throttle.expires_at <= excluded.window_start THEN 1 ELSE login_throttle.failures + 1 END,
    noted        = CASE WHEN login_throttle.expires_at <= excluded.window_start THEN 0 ELSE login_throttle.noted END,
    window_start = CASE WHEN login_throttle.expires_at <= excluded.window_start THEN excluded.window_start ELSE login_throttle.window_start END,
    expires_at   = CASE WHEN login_throttle.expires_at <= excluded.window_start THEN excluded.expires_at ELSE login_throttle.expires_at END`

// evictLoginThrottleSQL drops the counters closest to expiry (expired
// ones first) beyond the cap.
const evictLoginThrottleSQL = `DELETE FROM login_throttle WHERE key IN (
    SELECT key FROM login_throttle ORDER BY expires_at LIMIT max(0, (SELECT COUNT(*) FROM login_throttle) - ?))`

// RecordLoginFailure counts one failure on each counter (Key, UserHash
// and IP taken from the templates), opening a window of length window at
// now where none is running, then keeps at most maxRows counters.
func (d *DB) RecordLoginFailure(ctx context.Context, counters []LoginThrottle, now time.Time, window time.Duration, maxRows int) error {
	return d.Tx(ctx, func(tx *sql.Tx) error {
		for _, c := range counters {
			if _, err := tx.ExecContext(ctx, upsertLoginFailureSQL, c.Key, c.UserHash, c.IP, FormatTime(now), FormatTime(now.Add(window))); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, evictLoginThrottleSQL, maxRows)
		return err
	})
}

// NoteLoginThrottled writes e to the audit log unless the window of the
// counter key already has its line; it reports whether it wrote. Several
// servers racing on one window write one line between them.
func (d *DB) NoteLoginThrottled(ctx context.Context, key string, e AuditEntry) (bool, error) {
	wrote := false
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE login_throttle SET noted = 1 WHERE key = ? AND noted = 0`, key)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		wrote = true
		return InsertAudit(ctx, tx, e)
	})
	return wrote && err == nil, err
}

// ClearLoginThrottle forgets one counter (a successful login forgets the
// username's counter for that address, never the address-wide one).
func (d *DB) ClearLoginThrottle(ctx context.Context, key string) error {
	return d.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM login_throttle WHERE key = ?`, key)
		return err
	})
}

// ListLoginLocks returns the counters that refuse logins at now: a
// per-user counter at userLimit failures, an address-wide one at
// addrLimit, newest lock first.
func (d *DB) ListLoginLocks(ctx context.Context, now time.Time, userLimit, addrLimit int) ([]*LoginThrottle, error) {
	// The limits are cast so PostgreSQL types them as numbers (a bare
	// parameter in CASE would be text).
	return queryLoginThrottles(ctx, d.R, `SELECT `+loginThrottleColumns+` FROM login_throttle
		WHERE expires_at > ? AND failures >= CASE WHEN user_hash = '' THEN CAST(? AS INTEGER) ELSE CAST(? AS INTEGER) END
		ORDER BY expires_at DESC LIMIT 500`, FormatTime(now), addrLimit, userLimit)
}

// UnlockUserLogins removes every counter of username (from any address)
// and audits the unlock; it returns how many counters went.
func (d *DB) UnlockUserLogins(ctx context.Context, by Actor, username string) (int64, error) {
	var n int64
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM login_throttle WHERE user_hash = ?`, LoginUserHash(username))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		e := by.audit("user.unlock", username, nil, nil)
		e.Detail = strconv.FormatInt(n, 10) + " counters cleared"
		return InsertAudit(ctx, tx, e)
	})
	return n, err
}

// UnlockLoginAddress removes the address-wide counter key and audits it
// with the address; ErrNotFound when no such counter exists.
func (d *DB) UnlockLoginAddress(ctx context.Context, by Actor, key string) (ip string, err error) {
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `DELETE FROM login_throttle WHERE key = ? AND user_hash = '' RETURNING ip`, key).Scan(&ip); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		return InsertAudit(ctx, tx, by.audit("login.unlock_address", ip, nil, nil))
	})
	return ip, err
}

// SweepLoginThrottle deletes the counters whose window ended by now and
// returns how many went.
func (d *DB) SweepLoginThrottle(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM login_throttle WHERE expires_at <= ?`, FormatTime(now))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}
