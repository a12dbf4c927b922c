package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"instore/config"
	"instore/db"
	"instore/handlers"
	"instore/payments"
	"instore/reqctx"
)

// Session settings.
const (
	sessionCookie = "instore_session"
	// IdleTimeout ends a session nobody used for this long.
	IdleTimeout = 8 * time.Hour
	// touchEvery limits how often activity is written: at most once a
	// minute per session, not on every request.
	touchEvery = time.Minute
	// sessionKeysSetting is where generated cookie keys are kept.
	sessionKeysSetting = "session_keys"
)

// Sessions keeps login state in a signed and encrypted cookie (gorilla
// CookieStore) holding a random session id, the user id, the user's session
// epoch and the CSRF token. The server keeps a row per session id, so that
// logout, a password change or disabling a user ends sessions at once, and
// records last activity there for the idle timeout.
type Sessions struct {
	store *sessions.CookieStore
	db    *db.DB
	now   func() time.Time
	log   *slog.Logger
	// touching maps the session ids whose activity is being written to
	// the time written.
	touching sync.Map
}

// state is the request's session, saved before the response is written
// when something changed.
type state struct {
	sess  *sessions.Session
	dirty bool
}

const stateKey = "instore.session"

func newSessions(keys [][]byte, secure bool, d *db.DB, now func() time.Time, log *slog.Logger) *Sessions {
	st := sessions.NewCookieStore(keys...)
	st.Options = &sessions.Options{Path: "/", HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
	st.MaxAge(int(IdleTimeout / time.Second))
	for _, c := range st.Codecs {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.SetSerializer(sessionValues{})
		}
	}
	return &Sessions{store: st, db: d, now: now, log: log}
}

// sessionKeys returns the configured keys, or the ones generated on the
// first start and kept in the settings table (so restarts keep sessions).
func sessionKeys(ctx context.Context, cfg config.Config, d *db.DB) ([][]byte, error) {
	if len(cfg.SessionKeys) > 0 {
		return cfg.SessionKeys, nil
	}
	fresh := [][]byte{randomBytes(64), randomBytes(32)}
	stored, err := d.InitSetting(ctx, sessionKeysSetting, config.EncodeSessionKeys(fresh))
	if err != nil {
		return nil, fmt.Errorf("session keys: %w", err)
	}
	keys, err := config.ParseSessionKeys(stored)
	if err != nil {
		return nil, fmt.Errorf("session keys stored in the database: %w", err)
	}
	return keys, nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return b
}

func newToken() string { return base64.RawURLEncoding.EncodeToString(randomBytes(32)) }

// middleware loads the session of every request (except stateless routes),
// makes sure it has a CSRF token, and resumes the logged-in user.
func (s *Sessions) middleware(a *App) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if rule, ok := a.ruleFor(c); ok && rule.Stateless {
				return next(c)
			}
			// A cookie that fails to decode (tampered, expired, old keys)
			// simply gives a fresh anonymous session.
			sess, _ := s.store.New(c.Request(), sessionCookie)
			st := &state{sess: sess}
			c.Set(stateKey, st)
			c.Response().Before(func() {
				if st.dirty {
					if err := s.store.Save(c.Request(), c.Response().Writer, st.sess); err != nil {
						s.log.ErrorContext(c.Request().Context(), "session save", "err", err)
					}
				}
			})
			if token, _ := sess.Values["csrf"].(string); token == "" {
				sess.Values["csrf"] = newToken()
				st.dirty = true
			}
			if err := s.resume(c, st); err != nil {
				return err
			}
			setCSRFContext(c, st)
			return next(c)
		}
	}
}

// resume sets the current user when the session is logged in and still
// valid: its row exists, the user is enabled, the epoch matches and the
// session was used within IdleTimeout.
func (s *Sessions) resume(c echo.Context, st *state) error {
	sid, _ := st.sess.Values["sid"].(string)
	if sid == "" {
		return nil
	}
	// The commit counter read for the session is the request's: a list
	// page's totals and store picker reuse it (db.WithCommitMemo).
	ctx := db.WithCommitMemo(c.Request().Context())
	c.SetRequest(c.Request().WithContext(ctx))
	row, err := s.db.GetSession(ctx, sid)
	if errors.Is(err, db.ErrNotFound) {
		s.forget(st)
		return nil
	}
	if err != nil {
		return fmt.Errorf("load session: %w", err)
	}
	uid, _ := st.sess.Values["uid"].(int64)
	epoch, _ := st.sess.Values["epoch"].(int64)
	now := s.now()
	if pending, ok := s.touching.Load(sid); ok && pending.(time.Time).After(row.SeenAt) {
		row.SeenAt = pending.(time.Time) // activity recorded, its write still under way
	}
	if row.User.Disabled || row.User.ID != uid || row.User.SessionEpoch != epoch || now.Sub(row.SeenAt) > IdleTimeout {
		if err := s.db.DeleteSession(ctx, sid); err != nil {
			return fmt.Errorf("end session: %w", err)
		}
		s.forget(st)
		return nil
	}
	if now.Sub(row.SeenAt) >= touchEvery {
		s.touchLater(sid, now)
		st.dirty = true // re-sending the cookie also renews its browser expiry
	}
	handlers.SetCurrentUser(c, row.User)
	return nil
}

// touchLater records activity on sid off the request path: the idle
// timeout is hours long, so a touch that lands a moment later changes
// nothing, and no request waits for the writer because of it. One touch
// per session is under way at a time.
func (s *Sessions) touchLater(sid string, now time.Time) {
	if _, busy := s.touching.LoadOrStore(sid, now); busy {
		return
	}
	go func() {
		defer s.touching.Delete(sid)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.db.TouchSession(ctx, sid, now); err != nil {
			s.log.Warn("touch session", "err", err)
		}
	}()
}

// forget drops the login from the session, keeping its CSRF token.
func (s *Sessions) forget(st *state) {
	for _, k := range []string{"sid", "uid", "epoch"} {
		delete(st.sess.Values, k)
	}
	st.dirty = true
}

func stateOf(c echo.Context) *state {
	st, _ := c.Get(stateKey).(*state)
	return st
}

func csrfToken(c echo.Context) string {
	if st := stateOf(c); st != nil {
		t, _ := st.sess.Values["csrf"].(string)
		return t
	}
	return ""
}

func setCSRFContext(c echo.Context, st *state) {
	token, _ := st.sess.Values["csrf"].(string)
	r := c.Request()
	c.SetRequest(r.WithContext(reqctx.WithCSRF(r.Context(), token)))
}

// fresh replaces the request's session by a new one: new values, new CSRF
// token. The old cookie's session id, if any, is ended server-side.
func (s *Sessions) fresh(c echo.Context) (*state, error) {
	st := stateOf(c)
	if st == nil {
		return nil, errors.New("web: no session on this route")
	}
	if old, _ := st.sess.Values["sid"].(string); old != "" {
		if err := s.db.DeleteSession(c.Request().Context(), old); err != nil {
			return nil, fmt.Errorf("end old session: %w", err)
		}
	}
	sess := sessions.NewSession(s.store, sessionCookie)
	opts := *s.store.Options
	sess.Options = &opts
	sess.IsNew = true
	sess.Values["csrf"] = newToken()
	st.sess, st.dirty = sess, true
	setCSRFContext(c, st)
	return st, nil
}

// Login starts a new session for u (handlers.Sessions).
func (s *Sessions) Login(c echo.Context, u *db.User) error {
	st, err := s.fresh(c)
	if err != nil {
		return err
	}
	sid, now := newToken(), s.now()
	r := c.Request()
	if err := s.db.CreateSession(r.Context(), sid, u.ID, c.RealIP(), r.UserAgent(), now, now.Add(-IdleTimeout)); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	st.sess.Values["sid"], st.sess.Values["uid"], st.sess.Values["epoch"] = sid, u.ID, u.SessionEpoch
	handlers.SetCurrentUser(c, u)
	return nil
}

// viewer returns the check a live stream keeps making of the login that
// opened it (handlers.LiveFilter.Still): it holds while the session row
// exists, the user is enabled, their epoch is unchanged and their store
// scope is the one the stream was opened with. The idle timeout is left
// out: an open board makes no requests, and ends with the session at its
// next reconnect or page load.
func (s *Sessions) viewer(c echo.Context) func(context.Context) bool {
	st := stateOf(c)
	u, ok := handlers.CurrentUser(c)
	if st == nil || !ok {
		return func(context.Context) bool { return false }
	}
	sid, _ := st.sess.Values["sid"].(string)
	uid, epoch, scope := u.ID, u.SessionEpoch, payments.ScopeOf(u)
	return func(context.Context) bool {
		// Not the caller's context, which may be the request's: that one
		// memoises the commit counter read when the request began, and
		// would answer every check with the session row as it was then.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		row, err := s.db.GetSession(ctx, sid)
		if errors.Is(err, db.ErrNotFound) {
			return false
		}
		if err != nil {
			// A database that does not answer for a moment must not cut
			// every stream at once; the next check decides.
			s.log.WarnContext(ctx, "live: session check", "err", err)
			return true
		}
		return !row.User.Disabled && row.User.ID == uid && row.User.SessionEpoch == epoch &&
			sameScope(payments.ScopeOf(row.User), scope)
	}
}

// sameScope reports whether two scopes cover the same stores.
func sameScope(a, b payments.ChargeScope) bool {
	if a.AllStores || b.AllStores {
		return a.AllStores == b.AllStores
	}
	x, y := slices.Clone(a.Stores), slices.Clone(b.Stores)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// Logout ends the session and leaves a fresh anonymous one (handlers.Sessions).
func (s *Sessions) Logout(c echo.Context) error {
	_, err := s.fresh(c)
	return err
}
