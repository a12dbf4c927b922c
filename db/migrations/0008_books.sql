-- Books finance can trust: fees Omise did not report are unknown (not 0)
-- and left out of fee and net totals; reconciliation compares money per
-- Bangkok day and store, and runs belong to a store.

-- 0 when Omise's answer carried no fee (the recorded 2017-11-02 shape):
-- fee, fee_vat and net then say nothing and no total may count them.
ALTER TABLE charges ADD COLUMN fee_known INTEGER NOT NULL DEFAULT 1;
-- Rows stored before this column with fee and net both 0 came from such an
-- answer: a charge is at least 20 baht, so Omise's net is never 0.
UPDATE charges SET fee_known = 0 WHERE fee = 0 AND net = 0;

-- Successful charges whose fee is unknown, per rollup row: their amounts
-- are in gross, but nothing of them is in fee, fee_vat or net.
ALTER TABLE daily_totals ADD COLUMN fee_unknown_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE daily_totals ADD COLUMN fee_unknown_gross INTEGER NOT NULL DEFAULT 0;
UPDATE daily_totals SET (fee_unknown_count, fee_unknown_gross) = (
    SELECT COUNT(*), COALESCE(SUM(c.amount), 0) FROM charges c
    WHERE c.bkk_day = daily_totals.bkk_day AND c.store_id = daily_totals.store_id
      AND c.terminal_id = daily_totals.terminal_id AND c.status = 'successful' AND c.fee_known = 0);

-- A run covers one store ('' = every store, admins only); its results and
-- its place in the history are that store's.
ALTER TABLE reconcile_runs ADD COLUMN store_id TEXT NOT NULL DEFAULT '';
DROP INDEX reconcile_runs_one_running;
CREATE UNIQUE INDEX reconcile_runs_one_running ON reconcile_runs (from_day, to_day, store_id) WHERE status = 'running';
CREATE INDEX reconcile_runs_store_started ON reconcile_runs (store_id, started_at DESC, id DESC);

-- The Bangkok day of the charge a difference is about, so a day's totals
-- can list the charges behind them.
ALTER TABLE reconcile_items ADD COLUMN bkk_day TEXT NOT NULL DEFAULT '';
CREATE INDEX reconcile_items_run_day ON reconcile_items (run_id, bkk_day, store_id);

-- Per run, Bangkok day and store: our counts and sums beside Omise's.
-- Money counts successful charges; fee, fee_vat and net only those whose
-- fee is known (fee_unknown counts the others); refunded is the refunded
-- amount of the day's charges.
CREATE TABLE reconcile_days (
    run_id             INTEGER NOT NULL REFERENCES reconcile_runs (id),
    bkk_day            TEXT NOT NULL,
    store_id           TEXT NOT NULL,
    ours_count         INTEGER NOT NULL DEFAULT 0,
    theirs_count       INTEGER NOT NULL DEFAULT 0,
    ours_successful    INTEGER NOT NULL DEFAULT 0,
    theirs_successful  INTEGER NOT NULL DEFAULT 0,
    ours_gross         INTEGER NOT NULL DEFAULT 0,
    theirs_gross       INTEGER NOT NULL DEFAULT 0,
    ours_fee           INTEGER NOT NULL DEFAULT 0,
    theirs_fee         INTEGER NOT NULL DEFAULT 0,
    ours_fee_vat       INTEGER NOT NULL DEFAULT 0,
    theirs_fee_vat     INTEGER NOT NULL DEFAULT 0,
    ours_net           INTEGER NOT NULL DEFAULT 0,
    theirs_net         INTEGER NOT NULL DEFAULT 0,
    ours_refunded      INTEGER NOT NULL DEFAULT 0,
    theirs_refunded    INTEGER NOT NULL DEFAULT 0,
    ours_fee_unknown   INTEGER NOT NULL DEFAULT 0,
    theirs_fee_unknown INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, bkk_day, store_id)
) WITHOUT ROWID;
