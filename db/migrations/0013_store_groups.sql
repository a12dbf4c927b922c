-- Store groups, and users whose scope is one store, one group or every
-- store. A chain's head office reconciles every store and an area manager
-- watches a region's stores without being an admin (who also changes
-- users and terminals).

-- A named set of stores ("Bangkok North"). A store may be in several groups.
CREATE TABLE store_groups (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (name <> ''),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE store_group_members (
    group_id INTEGER NOT NULL REFERENCES store_groups (id) ON DELETE CASCADE,
    store_id TEXT NOT NULL REFERENCES stores (store_id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, store_id)
) WITHOUT ROWID;
CREATE INDEX store_group_members_store ON store_group_members (store_id);

-- A user's scope: store_id (one store), group_id (the group's stores as
-- they are at each request) or all_stores. A group still naming users
-- cannot be deleted (RESTRICT): those users would be left with no scope.
ALTER TABLE users ADD COLUMN group_id INTEGER REFERENCES store_groups (id) ON DELETE RESTRICT;
ALTER TABLE users ADD COLUMN all_stores INTEGER NOT NULL DEFAULT 0 CHECK (all_stores IN (0, 1));

-- The old CHECK (only admins without a store) becomes: an admin has no
-- scope of its own (every store); anyone else exactly one of store, group
-- or every store; a cashier a store (a till is one store's).
--
-- SQLite cannot change a CHECK in place, and the usual table rebuild is
-- not possible here: it must DROP users, which user_sessions (ON DELETE
-- CASCADE), checkout_attempts and reconcile_runs reference, and
-- migrations run in a transaction where foreign_keys cannot be switched
-- off. So the CHECK is rewritten in the stored schema, the procedure
-- SQLite documents for removing or loosening a CHECK ("Making Other Kinds
-- Of Table Schema Changes", lang_altertable.html): it is a loosening, so
-- every existing row still satisfies it. The replace names the old text
-- exactly; db tests check that the new rule is the one enforced.
-- writable_schema=RESET reloads this connection's schema; the CREATE
-- INDEX after it bumps the schema version so other connections do too.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, 'CHECK ((role = ''admin'') OR (store_id IS NOT NULL))',
    'CHECK ((role = ''admin'' AND store_id IS NULL AND group_id IS NULL AND all_stores = 0) OR (role <> ''admin'' AND (store_id IS NOT NULL) + (group_id IS NOT NULL) + (all_stores = 1) = 1 AND (role <> ''cashier'' OR store_id IS NOT NULL)))')
WHERE type = 'table' AND name = 'users';
PRAGMA writable_schema = RESET;
CREATE INDEX users_group ON users (group_id) WHERE group_id IS NOT NULL;

-- A reconciliation run of a group covers the stores the group had when it
-- started (comma-separated store ids, which never hold a comma); '' with
-- store_id '' is a run of every store, with a store_id a run of that store.
ALTER TABLE reconcile_runs ADD COLUMN stores TEXT NOT NULL DEFAULT '';
DROP INDEX reconcile_runs_one_running;
CREATE UNIQUE INDEX reconcile_runs_one_running ON reconcile_runs (from_day, to_day, store_id, stores) WHERE status = 'running';
