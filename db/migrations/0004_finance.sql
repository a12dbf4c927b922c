-- Finance (issue 7): reconciliation runs against Omise and the differences
-- each run found. Reports need no new table: daily_totals (0001) is the
-- rollup they read.

-- One comparison of our charges with Omise's over a Bangkok date range.
-- Progress columns are updated while the run works so a page can poll them.
CREATE TABLE reconcile_runs (
    id           INTEGER PRIMARY KEY,
    from_day     TEXT NOT NULL,
    to_day       TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    user_id      INTEGER REFERENCES users (id),
    username     TEXT NOT NULL DEFAULT '',
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    days_total   INTEGER NOT NULL DEFAULT 0,
    days_done    INTEGER NOT NULL DEFAULT 0,
    omise_seen   INTEGER NOT NULL DEFAULT 0,
    local_seen   INTEGER NOT NULL DEFAULT 0,
    differences  INTEGER NOT NULL DEFAULT 0,
    error        TEXT NOT NULL DEFAULT '',
    resynced_at  TEXT,
    resynced_by  TEXT NOT NULL DEFAULT '',
    CHECK (from_day <= to_day)
);
CREATE INDEX reconcile_runs_started ON reconcile_runs (started_at DESC, id DESC);
-- At most one run at a time per range: a second start finds this one instead.
CREATE UNIQUE INDEX reconcile_runs_one_running ON reconcile_runs (from_day, to_day) WHERE status = 'running';

-- One difference: a charge (and for refunds, the refund id in detail) where
-- our record and Omise's disagree. ours/theirs hold the two values as text.
CREATE TABLE reconcile_items (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER NOT NULL REFERENCES reconcile_runs (id),
    charge_id     TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('missing_here', 'missing_at_omise', 'status', 'amount', 'fee',
                      'fee_vat', 'net', 'refunded', 'refund_missing_here', 'refund_missing_at_omise')),
    ours          TEXT NOT NULL DEFAULT '',
    theirs        TEXT NOT NULL DEFAULT '',
    detail        TEXT NOT NULL DEFAULT '',
    store_id      TEXT NOT NULL DEFAULT '',
    terminal_id   TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    resync_result TEXT NOT NULL DEFAULT '',
    resynced_at   TEXT
);
CREATE INDEX reconcile_items_run ON reconcile_items (run_id, id);
CREATE INDEX reconcile_items_charge ON reconcile_items (charge_id);
