package db

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// GetSetting returns the value stored under key, or ErrNotFound.
func (d *DB) GetSetting(ctx context.Context, key string) (string, error) {
	var v string
	err := d.R.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return v, err
}

// SetSetting stores value under key, replacing any previous value.
func (d *DB) SetSetting(ctx context.Context, key, value string) error {
	_, err := d.exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		key, value, FormatTime(time.Now()))
	return err
}

// InitSetting stores value under key only if key has no value yet, and
// returns whatever is stored afterwards. Two processes generating a secret
// at once therefore agree on the first one written.
func (d *DB) InitSetting(ctx context.Context, key, value string) (string, error) {
	var stored string
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO NOTHING`, key, value, FormatTime(time.Now())); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&stored)
	})
	return stored, err
}
