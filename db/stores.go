package db

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"instore/freetext"
	"instore/money"
)

// Source types a store can charge with: barcode_alipay is what the product
// spec names; alipayplus_upm is Omise's current successor (barcode only).
const (
	SourceBarcodeAlipay = "barcode_alipay"
	SourceAlipayPlusUPM = "alipayplus_upm"
)

// ValidSourceType reports whether s is a source type a store may use.
func ValidSourceType(s string) bool { return s == SourceBarcodeAlipay || s == SourceAlipayPlusUPM }

// DefaultConfirmAbove is a new store's large-amount threshold: ฿5,000.
const DefaultConfirmAbove int64 = 500000

// Store is a shop; its id and name go to Omise with every charge.
type Store struct {
	StoreID    string
	StoreName  string
	SourceType string
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
	return map[string]any{"store_name": s.StoreName, "source_type": s.SourceType, "confirm_above": s.ConfirmAbove}
}

const storeColumns = `store_id, store_name, source_type, confirm_above, created_at, updated_at`

func scanStore(r rowScanner) (*Store, error) {
	var s Store
	var created, updated string
	err := r.Scan(&s.StoreID, &s.StoreName, &s.SourceType, &s.ConfirmAbove, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	s.CreatedAt, s.UpdatedAt = ParseTime(created), ParseTime(updated)
	return &s, nil
}

// ListStores returns every store ordered by id.
func (d *DB) ListStores(ctx context.Context) ([]*Store, error) {
	rows, err := d.R.QueryContext(ctx, `SELECT `+storeColumns+` FROM stores ORDER BY store_id`)
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
	return scanStore(d.R.QueryRowContext(ctx, `SELECT `+storeColumns+` FROM stores WHERE store_id = ?`, id))
}

const insertStoreSQL = `INSERT INTO stores (store_id, store_name, source_type, confirm_above, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?) RETURNING ` + storeColumns

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
	now := FormatTime(time.Now())
	out, err := scanStore(tx.QueryRowContext(ctx, insertStoreSQL, s.StoreID, s.StoreName, s.SourceType, s.ConfirmAbove, now, now))
	if uniqueViolation(err) {
		return nil, ErrExists
	}
	if err != nil {
		return nil, err
	}
	return out, InsertAudit(ctx, tx, by.audit("store.create", out.StoreID, nil, out.snapshot()))
}

// UpdateStore changes the name, source type and large-amount threshold of
// store s.StoreID
// (ErrNotFound when there is none), with its audit row.
func (d *DB) UpdateStore(ctx context.Context, by Actor, s Store) (*Store, error) {
	var out *Store
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = updateStore(ctx, tx, by, s)
		return err
	})
	return out, err
}

func updateStore(ctx context.Context, tx *sql.Tx, by Actor, s Store) (*Store, error) {
	before, err := scanStore(tx.QueryRowContext(ctx, `SELECT `+storeColumns+` FROM stores WHERE store_id = ?`, s.StoreID))
	if err != nil {
		return nil, err
	}
	if before.StoreName == s.StoreName && before.SourceType == s.SourceType && before.ConfirmAbove == s.ConfirmAbove {
		return before, nil
	}
	out, err := scanStore(tx.QueryRowContext(ctx, `UPDATE stores SET store_name = ?, source_type = ?, confirm_above = ?, updated_at = ?
		WHERE store_id = ? RETURNING `+storeColumns, s.StoreName, s.SourceType, s.ConfirmAbove, FormatTime(time.Now()), s.StoreID))
	if err != nil {
		return nil, err
	}
	return out, InsertAudit(ctx, tx, by.audit("store.update", out.StoreID, before.snapshot(), out.snapshot()))
}

// UpsertStore creates store s or brings an existing one's name, source
// type and threshold in line with s; used by the CLI.
func (d *DB) UpsertStore(ctx context.Context, by Actor, s Store) (*Store, error) {
	var out *Store
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = updateStore(ctx, tx, by, s)
		if errors.Is(err, ErrNotFound) {
			out, err = createStore(ctx, tx, by, s)
		}
		return err
	})
	return out, err
}
