package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Job leadership: several instances share a PostgreSQL database, and each
// periodic job (the syncer's pass with the till's expiry, housekeeping,
// the recovery of reconcile runs) must run on one of them at a time. A job
// is led by the instance holding a session-level advisory lock named after
// it. The lock lives as long as the server session that took it, so when
// the leader's process dies the server frees it at once (the socket
// closes), and when its machine vanishes within the TCP keepalive below;
// another instance then takes it at its next check, within one interval.
//
// Each JobLock keeps a session of its own, in a pool apart from the writer
// and reader pools: a lock never waits for a writer, and busy writers never
// cost a job its lock. A session is kept between checks also while another
// instance leads, so asking again costs one statement, not a connection.
//
// Keys are hashed with the schema's name (current_schema()): advisory
// locks are per database, and two shops in two schemas of one database,
// or parallel tests, must not lead each other's jobs.

// jobLockTimeout bounds one check, take or release of a job lock: a session
// that does not answer a trivial statement in this time is treated as lost.
const jobLockTimeout = 5 * time.Second

const (
	pgJobKeySQL     = `hashtextextended('instore.job ' || current_schema() || ' ' || ?, 0)`
	pgJobTryLockSQL = `SELECT pg_try_advisory_lock(` + pgJobKeySQL + `)`
	pgJobUnlockSQL  = `SELECT pg_advisory_unlock(` + pgJobKeySQL + `)`
)

var errJobLocksClosed = errors.New("db: closed")

// jobLocks is a PostgreSQL database's pool of job lock sessions and the
// locks using it, so that Close ends them all.
type jobLocks struct {
	pool *sql.DB

	mu     sync.Mutex
	locks  map[*JobLock]struct{}
	closed bool
}

// newJobLocks prepares the job lock sessions of the database at dbURL; it
// connects nothing until a lock is first asked for.
func newJobLocks(dbURL string) (*jobLocks, error) {
	pool, err := openLockSessions(dbURL)
	if err != nil {
		return nil, err
	}
	// Every session is checked out by its JobLock for as long as the lock
	// lives; one handed back is closed, never reused with a lock on it.
	pool.SetMaxIdleConns(0)
	pool.SetConnMaxLifetime(0)
	return &jobLocks{pool: pool, locks: map[*JobLock]struct{}{}}, nil
}

// close ends every job lock session; the server frees their locks.
func (j *jobLocks) close() error {
	j.mu.Lock()
	j.closed = true
	locks := make([]*JobLock, 0, len(j.locks))
	for l := range j.locks {
		locks = append(locks, l)
	}
	j.mu.Unlock()
	for _, l := range locks {
		l.mu.Lock()
		l.release()
		l.mu.Unlock()
	}
	return j.pool.Close()
}

// JobLock is the leadership of one periodic job. On SQLite, which one
// process serves, it is always held. Its methods are safe for concurrent
// use.
type JobLock struct {
	d    *DB
	name string

	mu   sync.Mutex
	conn *sql.Conn // PostgreSQL: this lock's session, or nil
	held bool      // conn holds the lock
}

// Leader returns the leadership of the job called name (a plain word, e.g.
// "syncer"). Nothing is asked until Held; call Release when done with it.
func (d *DB) Leader(name string) *JobLock {
	return &JobLock{d: d, name: name}
}

// Held reports whether this instance leads the job, taking the lead when
// no instance holds it. Call it before each pass: it also checks that the
// session holding the lock still answers, and when it does not, drops it
// and asks again on a new one. An error (the database cannot be reached)
// counts as not leading.
func (l *JobLock) Held(ctx context.Context) bool {
	ok, _ := l.Hold(ctx)
	return ok
}

// Hold is Held with the reason when the database could not be asked.
func (l *JobLock) Hold(ctx context.Context) (bool, error) {
	if l.d.jobs == nil {
		return true, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for attempt := 0; ; attempt++ {
		fresh := l.conn == nil
		if fresh {
			if err := l.connect(ctx); err != nil {
				return false, err
			}
		}
		err := l.ask(ctx)
		if err == nil {
			return l.held, nil
		}
		// The session was cut (a restarted server, a killed backend, a
		// network that dropped it while idle): its lock went with it.
		l.drop()
		if fresh || attempt > 0 || ctx.Err() != nil {
			return false, fmt.Errorf("job lock %s: %w", l.name, err)
		}
	}
}

// Kept reports whether this instance still holds the lock it took, without
// ever taking it: for work that must stop once it has lost the lock, since
// another instance may then have found it free.
func (l *JobLock) Kept(ctx context.Context) bool {
	if l.d.jobs == nil {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.held {
		return false
	}
	if err := l.ask(ctx); err != nil {
		l.drop()
		return false
	}
	return l.held
}

// Watch returns a context for work done as the lock's holder: it ends
// with ctx, or when a check every period finds the lock lost (its session
// cut), since another instance may then have taken the lock and started
// the same work. stop ends the watch; call it when the work is done.
func (l *JobLock) Watch(ctx context.Context, period time.Duration) (watched context.Context, stop func()) {
	wctx, cancel := context.WithCancel(ctx)
	if l.d.jobs == nil {
		return wctx, cancel
	}
	done := make(chan struct{})
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-wctx.Done():
				return
			case <-t.C:
			}
			if !l.Kept(wctx) {
				cancel()
				return
			}
		}
	}()
	var once sync.Once
	return wctx, func() {
		once.Do(func() {
			close(done)
			<-ended
			cancel()
		})
	}
}

// Release gives the lead up (at shutdown, or when the work is done) and
// ends the lock's session, so another instance can take it at its next
// check. Held may take it again afterwards.
func (l *JobLock) Release() {
	if l.d.jobs == nil {
		return
	}
	l.mu.Lock()
	l.release()
	l.mu.Unlock()
	l.d.jobs.mu.Lock()
	delete(l.d.jobs.locks, l)
	l.d.jobs.mu.Unlock()
}

// release frees the lock if held and ends the session. Called with l.mu
// held.
func (l *JobLock) release() {
	if l.held {
		// Freed before the session ends, so that the next instance to ask
		// finds it free at once: the server frees a closed session's locks
		// only when its backend has exited.
		ctx, cancel := context.WithTimeout(context.Background(), jobLockTimeout)
		var was bool
		_ = l.conn.QueryRowContext(ctx, pgJobUnlockSQL, l.name).Scan(&was)
		cancel()
	}
	l.drop()
}

// connect gives l a session of its own. Called with l.mu held.
func (l *JobLock) connect(ctx context.Context) error {
	j := l.d.jobs
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return errJobLocksClosed
	}
	j.locks[l] = struct{}{}
	j.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, jobLockTimeout)
	defer cancel()
	c, err := j.pool.Conn(ctx)
	if err != nil {
		return fmt.Errorf("job lock %s: %w", l.name, err)
	}
	l.conn = c
	return nil
}

// ask checks the session: holding the lock, that it still answers; not
// holding it, whether the lock is free now (and takes it). Called with
// l.mu held and l.conn set.
func (l *JobLock) ask(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, jobLockTimeout)
	defer cancel()
	if l.held {
		var one int
		return l.conn.QueryRowContext(ctx, `SELECT 1`).Scan(&one)
	}
	return l.conn.QueryRowContext(ctx, pgJobTryLockSQL, l.name).Scan(&l.held)
}

// drop ends l's session: closed, never handed back to the pool, so the
// server frees the lock if it still holds it. Called with l.mu held.
func (l *JobLock) drop() {
	l.held = false
	if l.conn == nil {
		return
	}
	_ = l.conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = l.conn.Close()
	l.conn = nil
}

// SyncLastPass is the settings key under which the syncer's leader records
// when it last finished a pass (a Watermark), so every instance can say how
// far behind the syncing is, whichever instance does it.
const SyncLastPass = "sync.last_pass"
