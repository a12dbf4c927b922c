-- Server-side record of each logged-in session. The cookie carries a random
-- session id; only its SHA-256 is stored. Deleting a row ends that session
-- at once (logout, password change, disabling a user), which a cookie alone
-- cannot do.
CREATE TABLE user_sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    seen_at    TEXT NOT NULL,
    ip         TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX user_sessions_user ON user_sessions (user_id);
CREATE INDEX user_sessions_seen ON user_sessions (seen_at);
