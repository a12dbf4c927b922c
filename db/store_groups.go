package db

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"
)

// ErrGroupInUse is returned when a group still scoping users would be deleted.
var ErrGroupInUse = errors.New("db: users are scoped to this group")

// StoreGroup is a named set of stores ("Bangkok North"); a user scoped to
// it sees the stores it holds at each request.
type StoreGroup struct {
	ID        int64
	Name      string
	Stores    []string // store ids, sorted
	Users     int      // how many users are scoped to it
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ValidGroupName: 1–64 printable characters (Thai included), no leading or
// trailing space, no invisible characters (the rule of store names).
func ValidGroupName(s string) bool { return validText(s, 1, 64) }

func (g *StoreGroup) snapshot() map[string]any {
	return map[string]any{"name": g.Name, "stores": g.Stores}
}

const groupColumns = `g.id, g.name, g.created_at, g.updated_at,
  COALESCE((SELECT group_concat(m.store_id) FROM store_group_members m WHERE m.group_id = g.id), ''),
  (SELECT COUNT(*) FROM users u WHERE u.group_id = g.id)`

func scanGroup(r rowScanner) (*StoreGroup, error) {
	var g StoreGroup
	var created, updated, stores string
	err := r.Scan(&g.ID, &g.Name, &created, &updated, &stores, &g.Users)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	g.CreatedAt, g.UpdatedAt, g.Stores = ParseTime(created), ParseTime(updated), splitStores(stores)
	return &g, nil
}

// splitStores turns a comma-separated list of store ids into a sorted set
// ("" is none). Store ids never hold a comma (ValidStoreID).
func splitStores(s string) []string {
	if s == "" {
		return nil
	}
	out := strings.Split(s, ",")
	slices.Sort(out)
	return slices.Compact(out)
}

// JoinStores is the stored form of a set of store ids: sorted,
// comma-separated, "" when empty.
func JoinStores(stores []string) string {
	s := slices.DeleteFunc(slices.Clone(stores), func(id string) bool { return id == "" })
	slices.Sort(s)
	return strings.Join(slices.Compact(s), ",")
}

// ListStoreGroups returns every group ordered by name.
func (d *DB) ListStoreGroups(ctx context.Context) ([]*StoreGroup, error) {
	rows, err := d.R.QueryContext(ctx, `SELECT `+groupColumns+` FROM store_groups g ORDER BY g.name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*StoreGroup
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// GetStoreGroup returns group id.
func (d *DB) GetStoreGroup(ctx context.Context, id int64) (*StoreGroup, error) {
	return scanGroup(d.R.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM store_groups g WHERE g.id = ?`, id))
}

// GetStoreGroupByName returns the group named name (case-insensitive).
func (d *DB) GetStoreGroupByName(ctx context.Context, name string) (*StoreGroup, error) {
	return scanGroup(d.R.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM store_groups g WHERE g.name = ?`, name))
}

// CreateStoreGroup adds a group with its stores and an audit row in one
// transaction: ErrExists for a taken name, ErrNotFound for an unknown store.
func (d *DB) CreateStoreGroup(ctx context.Context, by Actor, name string, stores []string) (*StoreGroup, error) {
	var g *StoreGroup
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		now := FormatTime(time.Now())
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO store_groups (name, created_at, updated_at) VALUES (?, ?, ?) RETURNING id`,
			name, now, now).Scan(&id)
		if uniqueViolation(err) {
			return ErrExists
		}
		if err != nil {
			return err
		}
		if err := putGroupStores(ctx, tx, id, stores); err != nil {
			return err
		}
		if g, err = scanGroup(tx.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM store_groups g WHERE g.id = ?`, id)); err != nil {
			return err
		}
		return InsertAudit(ctx, tx, by.audit("group.create", g.Name, nil, g.snapshot()))
	})
	return g, err
}

// UpdateStoreGroup renames group id and replaces its stores, audited with
// the group before and after. Users scoped to it see the new set on their
// next request. ErrExists for a taken name, ErrNotFound for an unknown
// group or store.
func (d *DB) UpdateStoreGroup(ctx context.Context, by Actor, id int64, name string, stores []string) (*StoreGroup, error) {
	var after *StoreGroup
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		const one = `SELECT ` + groupColumns + ` FROM store_groups g WHERE g.id = ?`
		// Locked before read: the audit's "before" is the group this change
		// replaces, and two edits (each rewriting the members whole) take
		// turns instead of both inserting into one member list.
		if err := d.lockRowsTx(ctx, tx, `SELECT 1 FROM store_groups WHERE id = ?`, id); err != nil {
			return err
		}
		before, err := scanGroup(tx.QueryRowContext(ctx, one, id))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE store_groups SET name = ?, updated_at = ? WHERE id = ?`, name, FormatTime(time.Now()), id)
		if uniqueViolation(err) {
			return ErrExists
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM store_group_members WHERE group_id = ?`, id); err != nil {
			return err
		}
		if err := putGroupStores(ctx, tx, id, stores); err != nil {
			return err
		}
		if after, err = scanGroup(tx.QueryRowContext(ctx, one, id)); err != nil {
			return err
		}
		return InsertAudit(ctx, tx, by.audit("group.update", after.Name, before.snapshot(), after.snapshot()))
	})
	return after, err
}

// DeleteStoreGroup removes group id (ErrGroupInUse while users are scoped
// to it, ErrNotFound when there is none), audited.
func (d *DB) DeleteStoreGroup(ctx context.Context, by Actor, id int64) error {
	return d.Tx(ctx, func(tx *sql.Tx) error {
		// Locked before its users are counted; a user being moved into the
		// group meanwhile is refused by the users' foreign key besides.
		if err := d.lockRowsTx(ctx, tx, `SELECT 1 FROM store_groups WHERE id = ?`, id); err != nil {
			return err
		}
		g, err := scanGroup(tx.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM store_groups g WHERE g.id = ?`, id))
		if err != nil {
			return err
		}
		if g.Users > 0 {
			return ErrGroupInUse
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM store_groups WHERE id = ?`, id); err != nil {
			return err
		}
		return InsertAudit(ctx, tx, by.audit("group.delete", g.Name, g.snapshot(), nil))
	})
}

func putGroupStores(ctx context.Context, tx *sql.Tx, id int64, stores []string) error {
	for _, s := range splitStores(JoinStores(stores)) {
		if err := storeMustExist(ctx, tx, s); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO store_group_members (group_id, store_id) VALUES (?, ?)`, id, s); err != nil {
			return err
		}
	}
	return nil
}
