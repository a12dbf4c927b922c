package db

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Watermarks the syncer keeps: how far it has read Omise's lists.
const (
	ChargeWatermark = "sync.watermark"
	RefundWatermark = "sync.refund_watermark"
)

// Watermark is the creation time up to which the syncer has read one of
// Omise's lists (zero before the first pass).
func (d *DB) Watermark(ctx context.Context, key string) (time.Time, error) {
	var v string
	err := d.R.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	return ParseTime(v), err
}

// SetWatermark stores one of the syncer's watermarks.
func (d *DB) SetWatermark(ctx context.Context, key string, t time.Time) error {
	_, err := d.exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		key, FormatTime(t), FormatTime(time.Now()))
	return err
}
