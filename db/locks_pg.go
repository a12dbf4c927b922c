package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sync"
	"time"
)

// Key locks on PostgreSQL are session-level advisory locks. A session
// advisory lock belongs to one server session and lasts until unlocked or
// until the session ends, which is what makes it safe against an instance
// dying: its sessions end (at once when the process dies, within the TCP
// keepalive below when the machine vanishes) and its keys are free again.
//
// Each instance keeps pgLockSessions sessions of its own for them, in a
// pool apart from the writers, and every key this instance holds is held
// on one of those sessions (chosen by the key's hash). Neither holders nor
// waiters keep a connection to themselves: a holder does its work (Omise
// calls, Tx on the writer pool) with nothing checked out for the lock,
// and a waiter asks pg_try_advisory_lock again after a short, growing
// pause instead of blocking in pg_advisory_lock. So any number of held
// or awaited keys costs those few connections, and the writer pool can
// never be emptied by lock holders waiting for a writer, or by waiters
// waiting for a holder that needs a writer to finish.
//
// A session is not exclusive on its own: it can take a key it already
// holds. LockKey's in-process lock in front of it is what makes two callers
// of one instance wait for each other; the advisory lock adds the other
// instances.
//
// Keys are hashed with the schema's name (current_schema()), because
// advisory locks are per database: two shops in two schemas of one
// database, or parallel tests, must not share keys.

const (
	// pgLockSessions is how many sessions an instance keeps for key
	// locks. Lock and unlock are one short statement each; two sessions
	// let one wait for the network while the other is asked.
	pgLockSessions = 2
	// pgLockPollMin and pgLockPollMax bound the pause between two tries of
	// a waiter; it doubles from the first to the second, with jitter so
	// instances waiting for one key do not ask in step.
	pgLockPollMin = 5 * time.Millisecond
	pgLockPollMax = 200 * time.Millisecond
	// pgLockStatementTimeout bounds one lock or unlock statement. The
	// statements do not run under the caller's ctx: a statement cancelled
	// halfway leaves the connection unusable, which would end the session
	// and with it the keys other callers hold on it.
	pgLockStatementTimeout = 10 * time.Second
)

const (
	pgKeyIDSQL   = `hashtextextended('instore.key ' || current_schema() || ' ' || ?, 0)`
	pgTryLockSQL = `SELECT pg_try_advisory_lock(` + pgKeyIDSQL + `)`
	pgUnlockSQL  = `SELECT pg_advisory_unlock(` + pgKeyIDSQL + `)`
)

// advisoryLocks is a PostgreSQL database's key lock sessions.
type advisoryLocks struct {
	pool     *sql.DB
	sessions [pgLockSessions]lockSession

	mu     sync.Mutex
	closed bool
}

// lockSession is one dedicated session, opened when first needed and
// opened again after it broke.
type lockSession struct {
	mu   sync.Mutex
	conn *sql.Conn
	// gen counts the connections this session has had, so that an unlock
	// for a key taken on a connection since dropped (whose key the server
	// freed with it) is not sent to its successor.
	gen uint64
}

// openAdvisoryLocks prepares the lock sessions for the database at dbURL;
// it connects nothing until a key is first locked.
func openAdvisoryLocks(dbURL string) (*advisoryLocks, error) {
	pool, err := openLockSessions(dbURL)
	if err != nil {
		return nil, err
	}
	pool.SetMaxOpenConns(pgLockSessions)
	pool.SetMaxIdleConns(pgLockSessions)
	pool.SetConnMaxLifetime(0)
	pool.SetConnMaxIdleTime(0)
	return &advisoryLocks{pool: pool}, nil
}

// lock takes key on one of the sessions, trying again after a pause for
// as long as another instance holds it and ctx allows.
func (a *advisoryLocks) lock(ctx context.Context, key string) (func(), error) {
	h := fnv.New32a()
	h.Write([]byte(key))
	s := &a.sessions[h.Sum32()%pgLockSessions]
	pause := pgLockPollMin
	for {
		gen, ok, err := a.try(s, key)
		if err != nil {
			return nil, err
		}
		if ok {
			var once sync.Once
			return func() { once.Do(func() { a.unlock(s, gen, key) }) }, nil
		}
		wait := pause/2 + rand.N(pause/2+1)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
		pause = min(2*pause, pgLockPollMax)
	}
}

// try asks once for key on s, opening s's connection if needed. A
// connection that fails is dropped, and the question asked once more on a
// new one: a session that was idle may have been cut meanwhile.
func (a *advisoryLocks) try(s *lockSession, key string) (gen uint64, ok bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for attempt := 0; ; attempt++ {
		fresh := s.conn == nil
		if fresh {
			if err := a.connect(s); err != nil {
				return 0, false, err
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), pgLockStatementTimeout)
		err := s.conn.QueryRowContext(ctx, pgTryLockSQL, key).Scan(&ok)
		cancel()
		if err == nil {
			return s.gen, ok, nil
		}
		s.drop()
		if fresh || attempt > 0 {
			return 0, false, fmt.Errorf("lock %s: %w", key, err)
		}
	}
}

// unlock frees key on s, unless the connection it was taken on is gone
// (the server freed it then).
func (a *advisoryLocks) unlock(s *lockSession, gen uint64, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil || s.gen != gen {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), pgLockStatementTimeout)
	defer cancel()
	var was bool
	if err := s.conn.QueryRowContext(ctx, pgUnlockSQL, key).Scan(&was); err != nil {
		// The key must not outlive its holder: ending the session is the
		// one sure way to free it (and frees this session's other keys
		// early, which their holders' own database checks can bear better
		// than a key held for ever).
		s.drop()
	}
}

// connect gives s a connection of its own from the lock pool. Called with
// s.mu held.
func (a *advisoryLocks) connect(s *lockSession) error {
	a.mu.Lock()
	closed := a.closed
	a.mu.Unlock()
	if closed {
		return errLockClosed
	}
	ctx, cancel := context.WithTimeout(context.Background(), pgLockStatementTimeout)
	defer cancel()
	c, err := a.pool.Conn(ctx)
	if err != nil {
		return fmt.Errorf("lock session: %w", err)
	}
	s.conn = c
	s.gen++
	return nil
}

// drop ends s's session: the connection is closed rather than returned to
// the pool, so that the server frees every key it held. Called with s.mu
// held.
func (s *lockSession) drop() {
	if s.conn == nil {
		return
	}
	_ = s.conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = s.conn.Close()
	s.conn = nil
}

// close ends every lock session; keys still held are freed by the server.
func (a *advisoryLocks) close() error {
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
	for i := range a.sessions {
		s := &a.sessions[i]
		s.mu.Lock()
		s.drop()
		s.mu.Unlock()
	}
	return a.pool.Close()
}
