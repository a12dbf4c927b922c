-- The daily rollup gains the payment method as a dimension, so reports,
-- Z-reports and reconciliation can split a day by method without scanning
-- charges. The method is kept as the charge's Omise source type: a charge
-- remembers its source type, not our method id (payments maps one to the
-- other). The key changes, which SQLite cannot do in place, so the table is
-- rebuilt; nothing references daily_totals, so dropping it is safe.
CREATE TABLE daily_totals_by_method (
    bkk_day           TEXT NOT NULL,
    store_id          TEXT NOT NULL,
    terminal_id       TEXT NOT NULL,
    source_type       TEXT NOT NULL DEFAULT '',
    pending_count     INTEGER NOT NULL DEFAULT 0,
    successful_count  INTEGER NOT NULL DEFAULT 0,
    failed_count      INTEGER NOT NULL DEFAULT 0,
    expired_count     INTEGER NOT NULL DEFAULT 0,
    gross             INTEGER NOT NULL DEFAULT 0,
    fee               INTEGER NOT NULL DEFAULT 0,
    fee_vat           INTEGER NOT NULL DEFAULT 0,
    net               INTEGER NOT NULL DEFAULT 0,
    refund_count      INTEGER NOT NULL DEFAULT 0,
    refunds           INTEGER NOT NULL DEFAULT 0,
    charges_refunded  INTEGER NOT NULL DEFAULT 0,
    fee_unknown_count INTEGER NOT NULL DEFAULT 0,
    fee_unknown_gross INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bkk_day, store_id, terminal_id, source_type)
) WITHOUT ROWID;

-- Backfilled from the charges and refunds themselves, counted the way
-- db.addChargeToDaily and db.addRefundToDaily count them (a refund on the
-- day it was made, under the method of the charge it refunds), so the rows
-- of a day × store × terminal add up to what the old row held.
INSERT INTO daily_totals_by_method (bkk_day, store_id, terminal_id, source_type, pending_count, successful_count,
  failed_count, expired_count, gross, fee, fee_vat, net, refund_count, refunds, charges_refunded, fee_unknown_count,
  fee_unknown_gross)
SELECT bkk_day, store_id, terminal_id, source_type, SUM(p), SUM(ok), SUM(f), SUM(e), SUM(g), SUM(fe), SUM(v), SUM(n),
  SUM(rc), SUM(r), SUM(cr), SUM(u), SUM(ug)
FROM (
  SELECT bkk_day, store_id, terminal_id, source_type,
    status = 'pending' AS p, status = 'successful' AS ok, status = 'failed' AS f, status = 'expired' AS e,
    CASE WHEN status = 'successful' THEN amount ELSE 0 END AS g,
    CASE WHEN status = 'successful' AND fee_known THEN fee ELSE 0 END AS fe,
    CASE WHEN status = 'successful' AND fee_known THEN fee_vat ELSE 0 END AS v,
    CASE WHEN status = 'successful' AND fee_known THEN net ELSE 0 END AS n,
    0 AS rc, 0 AS r, refunded_amount AS cr,
    status = 'successful' AND NOT fee_known AS u,
    CASE WHEN status = 'successful' AND NOT fee_known THEN amount ELSE 0 END AS ug
  FROM charges
  UNION ALL
  SELECT r.bkk_day, c.store_id, c.terminal_id, c.source_type, 0, 0, 0, 0, 0, 0, 0, 0, 1, r.amount, 0, 0, 0
  FROM refunds r JOIN charges c ON c.id = r.charge_id
)
GROUP BY bkk_day, store_id, terminal_id, source_type;

DROP TABLE daily_totals;
ALTER TABLE daily_totals_by_method RENAME TO daily_totals;
