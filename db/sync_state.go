package db

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

const syncWatermarkKey = "sync.watermark"

// SyncWatermark is the creation time up to which the syncer has imported
// Omise's charge list (zero before the first pass).
func (d *DB) SyncWatermark(ctx context.Context) (time.Time, error) {
	var v string
	err := d.R.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, syncWatermarkKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	return ParseTime(v), err
}

// SetSyncWatermark stores the syncer's watermark.
func (d *DB) SetSyncWatermark(ctx context.Context, t time.Time) error {
	_, err := d.W.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		syncWatermarkKey, FormatTime(t), FormatTime(time.Now()))
	return err
}
