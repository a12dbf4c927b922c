-- Core schema. Money is INTEGER satang with a currency beside it; times are
-- UTC text in db.TimeLayout; bkk_day is the Asia/Bangkok business day
-- (YYYY-MM-DD) computed by the application when a row is written.

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE stores (
    store_id    TEXT PRIMARY KEY,
    store_name  TEXT NOT NULL,
    source_type TEXT NOT NULL CHECK (source_type IN ('barcode_alipay', 'alipayplus_upm')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE terminals (
    store_id    TEXT NOT NULL REFERENCES stores (store_id) ON DELETE RESTRICT,
    terminal_id TEXT NOT NULL,
    label       TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (store_id, terminal_id)
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('cashier', 'manager', 'finance', 'admin')),
    store_id      TEXT REFERENCES stores (store_id) ON DELETE RESTRICT,
    disabled      INTEGER NOT NULL DEFAULT 0,
    -- bumped on password change: sessions carry the epoch they were made in,
    -- so every older session of the user stops working at once.
    session_epoch INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    CHECK ((role = 'admin') OR (store_id IS NOT NULL))
);

-- A till sale as the cashier started it, recorded before Omise is called.
CREATE TABLE checkout_attempts (
    attempt_id      TEXT PRIMARY KEY,
    store_id        TEXT NOT NULL,
    terminal_id     TEXT NOT NULL,
    user_id         INTEGER REFERENCES users (id),
    cashier         TEXT NOT NULL DEFAULT '',
    amount          INTEGER NOT NULL CHECK (amount > 0),
    currency        TEXT NOT NULL,
    source_type     TEXT NOT NULL,
    barcode_masked  TEXT NOT NULL,
    -- keyed hash of the payment code: lets us refuse a reused code without
    -- keeping the code itself.
    barcode_hash    TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('creating', 'pending', 'successful', 'failed', 'expired', 'unknown', 'rejected')),
    charge_id       TEXT,
    error_code      TEXT NOT NULL DEFAULT '',
    error_message   TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    resolved_at     TEXT
);
CREATE INDEX checkout_attempts_terminal_open ON checkout_attempts (store_id, terminal_id, status);
CREATE INDEX checkout_attempts_barcode ON checkout_attempts (barcode_hash, created_at);
CREATE INDEX checkout_attempts_unresolved ON checkout_attempts (status) WHERE status IN ('creating', 'unknown', 'pending');
CREATE INDEX checkout_attempts_charge ON checkout_attempts (charge_id);

-- Our copy of each Omise charge, as Omise last said it was.
CREATE TABLE charges (
    id              TEXT PRIMARY KEY,
    livemode        INTEGER NOT NULL DEFAULT 0,
    amount          INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'successful', 'failed', 'expired', 'reversed')),
    failure_code    TEXT NOT NULL DEFAULT '',
    failure_message TEXT NOT NULL DEFAULT '',
    fee             INTEGER NOT NULL DEFAULT 0,
    fee_vat         INTEGER NOT NULL DEFAULT 0,
    net             INTEGER NOT NULL DEFAULT 0,
    refunded_amount INTEGER NOT NULL DEFAULT 0,
    source_id       TEXT NOT NULL DEFAULT '',
    source_type     TEXT NOT NULL DEFAULT '',
    barcode_masked  TEXT NOT NULL DEFAULT '',
    store_id        TEXT NOT NULL DEFAULT '',
    terminal_id     TEXT NOT NULL DEFAULT '',
    attempt_id      TEXT NOT NULL DEFAULT '',
    cashier         TEXT NOT NULL DEFAULT '',
    metadata        TEXT NOT NULL DEFAULT '{}',
    transaction_id  TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    bkk_day         TEXT NOT NULL,
    paid_at         TEXT,
    expires_at      TEXT,
    expired_at      TEXT,
    updated_at      TEXT NOT NULL,
    synced_at       TEXT NOT NULL,
    CHECK (refunded_amount >= 0 AND refunded_amount <= amount)
);
CREATE INDEX charges_created ON charges (created_at DESC, id DESC);
CREATE INDEX charges_store_terminal_created ON charges (store_id, terminal_id, created_at DESC, id DESC);
CREATE INDEX charges_pending ON charges (created_at) WHERE status = 'pending';
CREATE INDEX charges_attempt ON charges (attempt_id) WHERE attempt_id <> '';
CREATE INDEX charges_day ON charges (bkk_day, store_id, terminal_id);

CREATE TABLE refunds (
    id              TEXT PRIMARY KEY,
    charge_id       TEXT NOT NULL REFERENCES charges (id),
    amount          INTEGER NOT NULL CHECK (amount > 0),
    currency        TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'closed',
    voided          INTEGER NOT NULL DEFAULT 0,
    transaction_id  TEXT NOT NULL DEFAULT '',
    reason          TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    created_by      TEXT NOT NULL DEFAULT '',
    metadata        TEXT NOT NULL DEFAULT '{}',
    created_at      TEXT NOT NULL,
    bkk_day         TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX refunds_charge ON refunds (charge_id, created_at);
CREATE INDEX refunds_day ON refunds (bkk_day);

-- Daily rollup per Bangkok business day, store and terminal, kept in step
-- with charges and refunds inside the same transaction that changes them.
CREATE TABLE daily_totals (
    bkk_day          TEXT NOT NULL,
    store_id         TEXT NOT NULL,
    terminal_id      TEXT NOT NULL,
    pending_count    INTEGER NOT NULL DEFAULT 0,
    successful_count INTEGER NOT NULL DEFAULT 0,
    failed_count     INTEGER NOT NULL DEFAULT 0,
    expired_count    INTEGER NOT NULL DEFAULT 0,
    gross            INTEGER NOT NULL DEFAULT 0,
    fee              INTEGER NOT NULL DEFAULT 0,
    fee_vat          INTEGER NOT NULL DEFAULT 0,
    net              INTEGER NOT NULL DEFAULT 0,
    refund_count     INTEGER NOT NULL DEFAULT 0,
    refunds          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bkk_day, store_id, terminal_id)
) WITHOUT ROWID;

-- Every webhook delivery we accepted, raw, unique on the Omise event id.
CREATE TABLE omise_events (
    id            TEXT PRIMARY KEY,
    event_key     TEXT NOT NULL DEFAULT '',
    charge_id     TEXT NOT NULL DEFAULT '',
    signature     TEXT NOT NULL DEFAULT '' CHECK (signature IN ('', 'valid', 'unsigned', 'not_checked')),
    result        TEXT NOT NULL DEFAULT 'received' CHECK (result IN ('received', 'applied', 'unchanged', 'rejected', 'error')),
    detail        TEXT NOT NULL DEFAULT '',
    raw           BLOB NOT NULL,
    received_at   TEXT NOT NULL,
    processed_at  TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX omise_events_received ON omise_events (received_at DESC);
CREATE INDEX omise_events_charge ON omise_events (charge_id, received_at);

-- Append-only: nothing updates or deletes these rows.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    user_id    INTEGER,
    username   TEXT NOT NULL DEFAULT '',
    role       TEXT NOT NULL DEFAULT '',
    action     TEXT NOT NULL,
    target     TEXT NOT NULL DEFAULT '',
    ip         TEXT NOT NULL DEFAULT '',
    result     TEXT NOT NULL DEFAULT '',
    before     TEXT NOT NULL DEFAULT '',
    after      TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at DESC);
CREATE INDEX audit_log_target ON audit_log (target, at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
