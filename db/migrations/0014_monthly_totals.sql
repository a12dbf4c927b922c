-- A month-level rollup beside the daily one, so the charge list's totals
-- for a view without a terminal or with whole months sum a few rows per
-- month and store (tens for a year of a few stores) instead of every day ×
-- terminal × method row. It is kept from daily_totals by triggers, so every
-- path that writes the daily rollup (a charge, a refund, the seed, a
-- rebuild) keeps the months in the same transaction, with no Go code of
-- its own to forget. Terminals are not a dimension: a terminal's totals
-- come from the daily rows.
CREATE TABLE monthly_totals (
    bkk_month         TEXT NOT NULL, -- YYYY-MM of the Bangkok business day
    store_id          TEXT NOT NULL,
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
    PRIMARY KEY (bkk_month, store_id, source_type)
) WITHOUT ROWID;

-- The one-time backfill, here rather than at start-up: a server on a
-- migrated database starts without heavy work.
INSERT INTO monthly_totals (bkk_month, store_id, source_type, pending_count, successful_count, failed_count, expired_count, gross, fee, fee_vat, net, refund_count, refunds, charges_refunded, fee_unknown_count, fee_unknown_gross)
SELECT substr(bkk_day, 1, 7), store_id, source_type, SUM(pending_count), SUM(successful_count), SUM(failed_count), SUM(expired_count), SUM(gross), SUM(fee), SUM(fee_vat), SUM(net), SUM(refund_count), SUM(refunds), SUM(charges_refunded), SUM(fee_unknown_count), SUM(fee_unknown_gross)
FROM daily_totals
GROUP BY substr(bkk_day, 1, 7), store_id, source_type;

CREATE TRIGGER daily_totals_month_insert AFTER INSERT ON daily_totals BEGIN
  INSERT INTO monthly_totals (bkk_month, store_id, source_type, pending_count, successful_count, failed_count, expired_count, gross, fee, fee_vat, net, refund_count, refunds, charges_refunded, fee_unknown_count, fee_unknown_gross)
  VALUES (substr(NEW.bkk_day, 1, 7), NEW.store_id, NEW.source_type, NEW.pending_count, NEW.successful_count, NEW.failed_count, NEW.expired_count, NEW.gross, NEW.fee, NEW.fee_vat, NEW.net, NEW.refund_count, NEW.refunds, NEW.charges_refunded, NEW.fee_unknown_count, NEW.fee_unknown_gross)
  ON CONFLICT (bkk_month, store_id, source_type) DO UPDATE SET
    pending_count = pending_count + excluded.pending_count,
    successful_count = successful_count + excluded.successful_count,
    failed_count = failed_count + excluded.failed_count,
    expired_count = expired_count + excluded.expired_count,
    gross = gross + excluded.gross,
    fee = fee + excluded.fee,
    fee_vat = fee_vat + excluded.fee_vat,
    net = net + excluded.net,
    refund_count = refund_count + excluded.refund_count,
    refunds = refunds + excluded.refunds,
    charges_refunded = charges_refunded + excluded.charges_refunded,
    fee_unknown_count = fee_unknown_count + excluded.fee_unknown_count,
    fee_unknown_gross = fee_unknown_gross + excluded.fee_unknown_gross;
END;

CREATE TRIGGER daily_totals_month_update AFTER UPDATE ON daily_totals BEGIN
  INSERT INTO monthly_totals (bkk_month, store_id, source_type, pending_count, successful_count, failed_count, expired_count, gross, fee, fee_vat, net, refund_count, refunds, charges_refunded, fee_unknown_count, fee_unknown_gross)
  VALUES (substr(OLD.bkk_day, 1, 7), OLD.store_id, OLD.source_type, -OLD.pending_count, -OLD.successful_count, -OLD.failed_count, -OLD.expired_count, -OLD.gross, -OLD.fee, -OLD.fee_vat, -OLD.net, -OLD.refund_count, -OLD.refunds, -OLD.charges_refunded, -OLD.fee_unknown_count, -OLD.fee_unknown_gross)
  ON CONFLICT (bkk_month, store_id, source_type) DO UPDATE SET
    pending_count = pending_count + excluded.pending_count,
    successful_count = successful_count + excluded.successful_count,
    failed_count = failed_count + excluded.failed_count,
    expired_count = expired_count + excluded.expired_count,
    gross = gross + excluded.gross,
    fee = fee + excluded.fee,
    fee_vat = fee_vat + excluded.fee_vat,
    net = net + excluded.net,
    refund_count = refund_count + excluded.refund_count,
    refunds = refunds + excluded.refunds,
    charges_refunded = charges_refunded + excluded.charges_refunded,
    fee_unknown_count = fee_unknown_count + excluded.fee_unknown_count,
    fee_unknown_gross = fee_unknown_gross + excluded.fee_unknown_gross;
  INSERT INTO monthly_totals (bkk_month, store_id, source_type, pending_count, successful_count, failed_count, expired_count, gross, fee, fee_vat, net, refund_count, refunds, charges_refunded, fee_unknown_count, fee_unknown_gross)
  VALUES (substr(NEW.bkk_day, 1, 7), NEW.store_id, NEW.source_type, NEW.pending_count, NEW.successful_count, NEW.failed_count, NEW.expired_count, NEW.gross, NEW.fee, NEW.fee_vat, NEW.net, NEW.refund_count, NEW.refunds, NEW.charges_refunded, NEW.fee_unknown_count, NEW.fee_unknown_gross)
  ON CONFLICT (bkk_month, store_id, source_type) DO UPDATE SET
    pending_count = pending_count + excluded.pending_count,
    successful_count = successful_count + excluded.successful_count,
    failed_count = failed_count + excluded.failed_count,
    expired_count = expired_count + excluded.expired_count,
    gross = gross + excluded.gross,
    fee = fee + excluded.fee,
    fee_vat = fee_vat + excluded.fee_vat,
    net = net + excluded.net,
    refund_count = refund_count + excluded.refund_count,
    refunds = refunds + excluded.refunds,
    charges_refunded = charges_refunded + excluded.charges_refunded,
    fee_unknown_count = fee_unknown_count + excluded.fee_unknown_count,
    fee_unknown_gross = fee_unknown_gross + excluded.fee_unknown_gross;
END;

CREATE TRIGGER daily_totals_month_delete AFTER DELETE ON daily_totals BEGIN
  INSERT INTO monthly_totals (bkk_month, store_id, source_type, pending_count, successful_count, failed_count, expired_count, gross, fee, fee_vat, net, refund_count, refunds, charges_refunded, fee_unknown_count, fee_unknown_gross)
  VALUES (substr(OLD.bkk_day, 1, 7), OLD.store_id, OLD.source_type, -OLD.pending_count, -OLD.successful_count, -OLD.failed_count, -OLD.expired_count, -OLD.gross, -OLD.fee, -OLD.fee_vat, -OLD.net, -OLD.refund_count, -OLD.refunds, -OLD.charges_refunded, -OLD.fee_unknown_count, -OLD.fee_unknown_gross)
  ON CONFLICT (bkk_month, store_id, source_type) DO UPDATE SET
    pending_count = pending_count + excluded.pending_count,
    successful_count = successful_count + excluded.successful_count,
    failed_count = failed_count + excluded.failed_count,
    expired_count = expired_count + excluded.expired_count,
    gross = gross + excluded.gross,
    fee = fee + excluded.fee,
    fee_vat = fee_vat + excluded.fee_vat,
    net = net + excluded.net,
    refund_count = refund_count + excluded.refund_count,
    refunds = refunds + excluded.refunds,
    charges_refunded = charges_refunded + excluded.charges_refunded,
    fee_unknown_count = fee_unknown_count + excluded.fee_unknown_count,
    fee_unknown_gross = fee_unknown_gross + excluded.fee_unknown_gross;
END;
