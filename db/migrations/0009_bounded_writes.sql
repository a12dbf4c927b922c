-- Bounded writes from anonymous input.
--
-- Login throttling moves from process memory to the database, so it
-- survives a restart and holds when several servers share one database.
-- One row per (username, client address) and one per client address;
-- keys are SHA-256 hex digests, so a 450 KB username costs 64 bytes.
-- Rows expire at the end of their window and are swept; their number is
-- capped by the application.
CREATE TABLE login_throttle (
    key          TEXT PRIMARY KEY,
    user_hash    TEXT NOT NULL DEFAULT '',  -- digest of the username; '' on per-address rows
    ip           TEXT NOT NULL DEFAULT '',  -- client address (at most 64 characters), shown to admins
    failures     INTEGER NOT NULL,
    window_start TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    noted        INTEGER NOT NULL DEFAULT 0 -- the audit log already says this window refused tries
) WITHOUT ROWID;
CREATE INDEX login_throttle_user ON login_throttle (user_hash) WHERE user_hash <> '';
CREATE INDEX login_throttle_expires ON login_throttle (expires_at);

-- Webhook bodies: their size is kept when the body is not (a rejected
-- event, an oversized body, or one older than INSTORE_EVENT_RETENTION).
ALTER TABLE omise_events ADD COLUMN raw_size INTEGER NOT NULL DEFAULT 0;
UPDATE omise_events SET raw_size = length(raw);
-- Only rows still holding a body, so the retention sweep never rescans
-- bodies it already emptied.
CREATE INDEX omise_events_with_body ON omise_events (received_at) WHERE length(raw) > 0;
