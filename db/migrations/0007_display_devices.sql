-- Customer displays: a screen or tablet facing the customer, paired to one
-- terminal. It never holds a cashier's session: it holds a long random
-- credential of its own (cookie); only its SHA-256 is stored here, so a
-- copy of the file does not let anyone read a display. A display with
-- revoked_at set stops working at its next request.
CREATE TABLE display_devices (
    id           INTEGER PRIMARY KEY,
    store_id     TEXT NOT NULL,
    terminal_id  TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_by   TEXT NOT NULL,          -- username who showed the pairing code
    user_agent   TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    revoked_at   TEXT,
    FOREIGN KEY (store_id, terminal_id) REFERENCES terminals (store_id, terminal_id) ON DELETE CASCADE
);
CREATE INDEX display_devices_terminal ON display_devices (store_id, terminal_id);

-- Short pairing codes a cashier or admin shows and the display types in.
-- Stored as a keyed hash; single use (used_at); short-lived (expires_at);
-- failures counts wrong guesses made while the code was live, and a code
-- stops working after a few, which bounds guessing from many addresses.
CREATE TABLE display_pairing_codes (
    id          INTEGER PRIMARY KEY,
    code_hash   TEXT NOT NULL,
    store_id    TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    failures    INTEGER NOT NULL DEFAULT 0,
    used_at     TEXT,
    device_id   INTEGER REFERENCES display_devices (id) ON DELETE SET NULL,
    FOREIGN KEY (store_id, terminal_id) REFERENCES terminals (store_id, terminal_id) ON DELETE CASCADE
);
CREATE INDEX display_pairing_codes_hash ON display_pairing_codes (code_hash);
CREATE INDEX display_pairing_codes_live ON display_pairing_codes (expires_at) WHERE used_at IS NULL;
