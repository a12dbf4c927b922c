-- The refunded amounts of each day's charges (by the charge's day, unlike
-- `refunds`, which counts refunds on the day they were made), so that the
-- charge list's totals come from the rollup instead of a scan.
ALTER TABLE daily_totals ADD COLUMN charges_refunded INTEGER NOT NULL DEFAULT 0;

UPDATE daily_totals SET charges_refunded = (
    SELECT COALESCE(SUM(c.refunded_amount), 0) FROM charges c
    WHERE c.bkk_day = daily_totals.bkk_day AND c.store_id = daily_totals.store_id
      AND c.terminal_id = daily_totals.terminal_id);
