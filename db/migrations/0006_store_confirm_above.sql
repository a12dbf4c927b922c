-- The amount (satang) above which the till asks the cashier to confirm the
-- amount once more before sending the sale; 0 = never ask. ฿5,000 by
-- default: large enough that a normal sale takes no extra step, small
-- enough that a code scanned into the amount field (which makes the amount
-- huge) is caught by a person as well.
ALTER TABLE stores ADD COLUMN confirm_above INTEGER NOT NULL DEFAULT 500000 CHECK (confirm_above >= 0);

-- The board reads each terminal's newest till attempt (a sale Omise refused
-- before any charge existed, such as a payment method it does not accept,
-- shows only there): one index probe per terminal.
CREATE INDEX checkout_attempts_terminal_created ON checkout_attempts (store_id, terminal_id, created_at);
