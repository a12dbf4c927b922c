-- A store takes a set of payment methods instead of one source type under a
-- CHECK: which methods exist is the application's registry (payments), not
-- the schema's, so adding one needs no migration. position orders them as
-- the till offers them; the first is the store's default.
CREATE TABLE store_methods (
    store_id TEXT NOT NULL REFERENCES stores (store_id) ON DELETE CASCADE,
    method   TEXT NOT NULL CHECK (method <> ''),
    position INTEGER NOT NULL CHECK (position >= 0),
    PRIMARY KEY (store_id, method),
    UNIQUE (store_id, position)
);

-- Every existing store keeps the one method it had.
INSERT INTO store_methods (store_id, method, position) SELECT store_id, source_type, 0 FROM stores;

-- The column goes with its CHECK. SQLite drops a column whose only CHECK is
-- its own without the 12-step table rebuild; no index, view, trigger or
-- foreign key names it, so terminals and users, which reference stores,
-- stay untouched (a rebuild would have to DROP stores, which their ON
-- DELETE RESTRICT keys refuse while foreign keys are on, and migrations
-- run inside a transaction where foreign_keys cannot be switched off).
ALTER TABLE stores DROP COLUMN source_type;

-- checkout_attempts.barcode_hash and barcode_masked stay NOT NULL: an
-- attempt whose method scans nothing (a QR shown to the customer) stores
-- '' in both, and the reuse check never matches ''.
