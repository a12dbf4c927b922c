package db

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"slices"
	"time"
)

// Session is a logged-in session as the server knows it.
type Session struct {
	User      *User
	CreatedAt time.Time
	SeenAt    time.Time
}

// hashSessionID keeps raw session ids out of the database: a copy of the
// file does not let anyone impersonate a session.
func hashSessionID(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:])
}

// CreateSession records a new session for userID and, in the same
// transaction, forgets sessions idle since before idleBefore.
func (d *DB) CreateSession(ctx context.Context, id string, userID int64, ip, userAgent string, now, idleBefore time.Time) error {
	if len(userAgent) > 256 {
		userAgent = userAgent[:256]
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_sessions WHERE seen_at < ?`, FormatTime(idleBefore)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO user_sessions (id_hash, user_id, created_at, seen_at, ip, user_agent)
			VALUES (?, ?, ?, ?, ?, ?)`, hashSessionID(id), userID, FormatTime(now), FormatTime(now), ip, userAgent)
		return err
	})
}

// GetSession returns the session with id and its user, or ErrNotFound when
// it was never created or has ended.
func (d *DB) GetSession(ctx context.Context, id string) (*Session, error) {
	key := hashSessionID(id)
	// On SQLite the row is reused until the next commit to the file, like
	// the list's totals (charges_list_totals.go): every request reads its
	// session, and a login, logout, role or group change, touch or
	// sign-out everywhere is a commit, so a reused row is what a read
	// would return.
	c := d.totals()
	var v [2]int64
	var versioned bool
	if c != nil {
		v, versioned = c.version(ctx)
		if versioned {
			if s, ok := c.session(key, v); ok {
				return s, nil
			}
		}
	}
	// The user's scope is read here, on every request, so a change to it
	// (or to their group's stores) applies to the next request.
	row := d.R.QueryRowContext(ctx, `SELECT s.created_at, s.seen_at, users.id, users.username, users.role, COALESCE(users.store_id, ''),
		users.disabled, users.session_epoch, users.created_at, users.updated_at, `+userScopeColumns+`, users.display_name
		FROM user_sessions s JOIN users ON users.id = s.user_id WHERE s.id_hash = ?`, key)
	var s Session
	var u User
	var created, seen, uc, uu, groupStores string
	err := row.Scan(&created, &seen, &u.ID, &u.Username, &u.Role, &u.StoreID, &u.Disabled, &u.SessionEpoch, &uc, &uu,
		&u.GroupID, &u.AllStores, &groupStores, &u.DisplayName)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	u.CreatedAt, u.UpdatedAt, u.GroupStores = ParseTime(uc), ParseTime(uu), splitStores(groupStores)
	s.User, s.CreatedAt, s.SeenAt = &u, ParseTime(created), ParseTime(seen)
	if versioned {
		c.putSession(key, v, &s)
		return s.clone(), nil
	}
	return &s, nil
}

// clone copies s and its user, so a caller may change what it was given.
func (s *Session) clone() *Session {
	u := *s.User
	u.GroupStores = slices.Clone(u.GroupStores)
	out := *s
	out.User = &u
	return &out
}

// TouchSession records activity on session id at now. It never moves the
// activity back: several instances touch the same session, each off the
// request path, so a touch may land after a later one.
func (d *DB) TouchSession(ctx context.Context, id string, now time.Time) error {
	_, err := d.exec(ctx, `UPDATE user_sessions SET seen_at = ? WHERE id_hash = ? AND seen_at < ?`,
		FormatTime(now), hashSessionID(id), FormatTime(now))
	return err
}

// DeleteSession ends session id (logout, idle expiry).
func (d *DB) DeleteSession(ctx context.Context, id string) error {
	_, err := d.exec(ctx, `DELETE FROM user_sessions WHERE id_hash = ?`, hashSessionID(id))
	return err
}
