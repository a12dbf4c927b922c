-- Back office (issue 6): indexes for the /charges list and the board, and
-- the refund requests that make a resubmitted refund form harmless.

-- Keyset pagination walks (created_at DESC, id DESC) after an equality
-- prefix; one index per prefix the filter form produces, so a deep page
-- costs what the first page costs.
CREATE INDEX charges_store_created ON charges (store_id, created_at DESC, id DESC);
CREATE INDEX charges_status_created ON charges (status, created_at DESC, id DESC);
CREATE INDEX charges_store_status_created ON charges (store_id, status, created_at DESC, id DESC);
-- Search by the last four digits of the payment code (all we keep of it).
CREATE INDEX charges_last4 ON charges (substr(barcode_masked, -4), created_at DESC, id DESC);
-- Refunded amounts for the list's totals: only refunded charges (a few
-- percent), covering every column the totals filter on, so the sum never
-- touches the table.
CREATE INDEX charges_refunded ON charges (created_at, store_id, terminal_id, status, refunded_amount) WHERE refunded_amount > 0;
-- The board's "open sale" per terminal: only pending rows, so it stays tiny.
CREATE INDEX charges_terminal_pending ON charges (store_id, terminal_id, created_at DESC) WHERE status = 'pending';

-- One row per refund form submission, written before Omise is called. A
-- second submission with the same key finds this row and gets the first
-- result instead of a second refund. in_flight rows left by a crash or an
-- unanswered call are reconciled against Omise's refund list (the key is in
-- the refund's metadata) before the charge is refunded again.
CREATE TABLE refund_requests (
    idempotency_key TEXT PRIMARY KEY,
    charge_id       TEXT NOT NULL REFERENCES charges (id),
    amount          INTEGER NOT NULL CHECK (amount > 0),
    reason          TEXT NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    user_id         INTEGER,
    username        TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('in_flight', 'done', 'failed')),
    refund_id       TEXT NOT NULL DEFAULT '',
    error_code      TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX refund_requests_charge ON refund_requests (charge_id, status);
