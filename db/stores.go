package db

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"instore/freetext"
	"instore/money"
)

// ErrNoMethods is returned when a store would be written without any
// payment method.
var ErrNoMethods = errors.New("db: a store takes at least one payment method")

// DefaultConfirmAbove is a new store's large-amount threshold: ฿5,000.
const DefaultConfirmAbove int64 = 500000

// Store is a shop; its id and name go to Omise with every charge.
type Store struct {
	StoreID   string
	StoreName string
	// Methods are the ids of the payment methods the store takes, in the
	// order the till offers them; the first is its default. Which ids exist
	// is the payments registry's business: they are stored as given.
	Methods []string
	// ConfirmAbove is the amount in satang above which the till asks the
	// cashier to confirm the amount once more; 0 = never ask. It is
	// written as given: new stores normally get DefaultConfirmAbove.
	ConfirmAbove int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

var idRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// ValidStoreID: 1–32 of letters, digits, '_' and '-' (what Omise accepts
// and what fits a URL without escaping).
func ValidStoreID(s string) bool { return idRE.MatchString(s) }

// ValidTerminalID follows the same rule as store ids.
func ValidTerminalID(s string) bool { return idRE.MatchString(s) }

// ValidStoreName: 1–64 printable characters (Thai included), no leading or
// trailing space.
func ValidStoreName(s string) bool { return validText(s, 1, 64) }

// ValidLabel: 0–64 printable characters.
func ValidLabel(s string) bool { return s == "" || validText(s, 1, 64) }

func validText(s string, min, max int) bool {
	n := utf8.RuneCountInString(s)
	if !utf8.ValidString(s) || n < min || n > max || strings.TrimSpace(s) != s {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || freetext.Invisible(r) {
			return false
		}
	}
	return true
}

// ValidConfirmAbove: 0 (never ask) up to the largest chargeable amount, in
// satang.
func ValidConfirmAbove(satang int64) bool { return satang >= 0 && satang <= money.MaxCharge }

func (s *Store) snapshot() map[string]any {
	return map[string]any{"store_name": s.StoreName, "methods": s.Methods, "confirm_above": s.ConfirmAbove}
}

// storeMethodsSQL is a store's method ids in order, comma-separated (ids
// never hold a comma), for a query over stores aliased s.
const storeMethodsSQL = `(SELECT COALESCE(group_concat(m.method, ',' ORDER BY m.position), '')
  FROM store_methods m WHERE m.store_id = s.store_id)`

const storeColumns = `s.store_id, s.store_name, ` + storeMethodsSQL + `, s.confirm_above, s.created_at, s.updated_at`

func scanStore(r rowScanner) (*Store, error) {
	var s Store
	var methods, created, updated string
	err := r.Scan(&s.StoreID, &s.StoreName, &methods, &s.ConfirmAbove, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	s.Methods = splitMethods(methods)
	s.CreatedAt, s.UpdatedAt = ParseTime(created), ParseTime(updated)
	return &s, nil
}

func splitMethods(list string) []string {
	if list == "" {
		return nil
	}
	return strings.Split(list, ",")
}

// putStoreMethods replaces the store's methods with methods, in order.
func putStoreMethods(ctx context.Context, tx *sql.Tx, storeID string, methods []string) error {
	if len(methods) == 0 {
		return ErrNoMethods
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM store_methods WHERE store_id = ?`, storeID); err != nil {
		return err
	}
	for i, m := range methods {
		if _, err := tx.ExecContext(ctx, `INSERT INTO store_methods (store_id, method, position) VALUES (?, ?, ?)`,
			storeID, m, i); err != nil {
			return err
		}
	}
	return nil
}

const getStoreSQL = `SELECT ` + storeColumns + ` FROM stores s WHERE s.store_id = ?`

// ListStores returns every store ordered by id.
func (d *DB) ListStores(ctx context.Context) ([]*Store, error) {
	rows, err := d.R.QueryContext(ctx, `SELECT `+storeColumns+` FROM stores s ORDER BY s.store_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Store
	for rows.Next() {
		s, err := scanStore(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// GetStore returns the store with id.
func (d *DB) GetStore(ctx context.Context, id string) (*Store, error) {
	return scanStore(d.R.QueryRowContext(ctx, getStoreSQL, id))
}

const insertStoreSQL = `INSERT INTO stores (store_id, store_name, confirm_above, created_at, updated_at)
VALUES (?, ?, ?, ?, ?)`

// CreateStore adds a store (ErrExists when the id is taken) with its audit row.
func (d *DB) CreateStore(ctx context.Context, by Actor, s Store) (*Store, error) {
	var out *Store
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = createStore(ctx, tx, by, s)
		return err
	})
	return out, err
}

func createStore(ctx context.Context, tx *sql.Tx, by Actor, s Store) (*Store, error) {
	// A store id differing from another only in capitals would be a
	// second store with the first one's name in people's eyes (and in
	// Omise's metadata): ids are unique whatever their capitals.
	if err := idMustBeFree(ctx, tx, `SELECT COUNT(*) FROM stores WHERE lower(store_id) = lower(?)`, s.StoreID); err != nil {
		return nil, err
	}
	now := FormatTime(time.Now())
	_, err := tx.ExecContext(ctx, insertStoreSQL, s.StoreID, s.StoreName, s.ConfirmAbove, now, now)
	if uniqueViolation(err) {
		return nil, ErrExists
	}
	if err != nil {
		return nil, err
	}
	if err := putStoreMethods(ctx, tx, s.StoreID, s.Methods); err != nil {
		return nil, err
	}
	out, err := scanStore(tx.QueryRowContext(ctx, getStoreSQL, s.StoreID))
	if err != nil {
		return nil, err
	}
	return out, InsertAudit(ctx, tx, by.audit("store.create", out.StoreID, nil, out.snapshot()))
}

// UpdateStore changes the name, payment methods and large-amount threshold
// of store s.StoreID (ErrNotFound when there is none), with its audit row.
func (d *DB) UpdateStore(ctx context.Context, by Actor, s Store) (*Store, error) {
	var out *Store
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = d.updateStore(ctx, tx, by, s)
		return err
	})
	return out, err
}

func (d *DB) updateStore(ctx context.Context, tx *sql.Tx, by Actor, s Store) (*Store, error) {
	// The store's row locked before it is read: the no-change test and
	// the audit's "before" are then about the store this change replaces,
	// and two edits of one store (its methods are rewritten whole) take
	// turns.
	if err := d.lockRowsTx(ctx, tx, `SELECT 1 FROM stores WHERE store_id = ?`, s.StoreID); err != nil {
		return nil, err
	}
	before, err := scanStore(tx.QueryRowContext(ctx, getStoreSQL, s.StoreID))
	if err != nil {
		return nil, err
	}
	if before.StoreName == s.StoreName && slices.Equal(before.Methods, s.Methods) && before.ConfirmAbove == s.ConfirmAbove {
		return before, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE stores SET store_name = ?, confirm_above = ?, updated_at = ? WHERE store_id = ?`,
		s.StoreName, s.ConfirmAbove, FormatTime(time.Now()), s.StoreID); err != nil {
		return nil, err
	}
	if err := putStoreMethods(ctx, tx, s.StoreID, s.Methods); err != nil {
		return nil, err
	}
	out, err := scanStore(tx.QueryRowContext(ctx, getStoreSQL, s.StoreID))
	if err != nil {
		return nil, err
	}
	return out, InsertAudit(ctx, tx, by.audit("store.update", out.StoreID, before.snapshot(), out.snapshot()))
}

// UpsertStore creates store s or brings an existing one's name, methods
// and threshold in line with s; used by the CLI.
func (d *DB) UpsertStore(ctx context.Context, by Actor, s Store) (*Store, error) {
	var out *Store
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = d.updateStore(ctx, tx, by, s)
		if errors.Is(err, ErrNotFound) {
			out, err = createStore(ctx, tx, by, s)
		}
		return err
	})
	return out, err
}

// idMustBeFree returns ErrExists when the count query finds a row: ids
// are compared without regard to capitals (they are ASCII, so lower() is
// the same on SQLite and PostgreSQL).
func idMustBeFree(ctx context.Context, tx *sql.Tx, countSQL string, args ...any) error {
	var n int
	if err := tx.QueryRowContext(ctx, countSQL, args...).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return ErrExists
	}
	return nil
}
