package db

import (
	"context"
	"database/sql"
	"errors"
)

// BoardTile is what the back office board shows for one terminal.
type BoardTile struct {
	StoreID    string
	StoreName  string
	TerminalID string
	Label      string
	// Pending is the terminal's newest pending charge, nil when none.
	Pending *Charge
	// Open is the terminal's open till attempt (creating, pending or
	// unknown), which exists before Omise has made a charge; nil when none.
	Open *Attempt
	// Last is the terminal's newest charge of any status, nil when none.
	Last *Charge
	// LastAttempt is the terminal's newest till attempt of any status, nil
	// when none: a sale Omise refused before any charge existed shows only
	// here.
	LastAttempt *Attempt
	// Today's figures from daily_totals for the Bangkok day asked for.
	TodaySales   int64 // successful charges
	TodayGross   int64
	TodayRefunds int64 // refunded amount
}

const boardTerminalsSQL = `SELECT t.store_id, s.store_name, t.terminal_id, t.label,
  COALESCE(d.successful_count, 0), COALESCE(d.gross, 0), COALESCE(d.refunds, 0)
FROM terminals t
JOIN stores s ON s.store_id = t.store_id
LEFT JOIN (
  SELECT store_id, terminal_id, SUM(successful_count) AS successful_count, SUM(gross) AS gross, SUM(refunds) AS refunds
  FROM daily_totals WHERE bkk_day = ? GROUP BY store_id, terminal_id
) d ON d.store_id = t.store_id AND d.terminal_id = t.terminal_id`

const (
	boardLastSQL    = `SELECT ` + chargeColumns + ` FROM charges WHERE store_id = ? AND terminal_id = ? ORDER BY created_at DESC, id DESC LIMIT 1`
	boardPendingSQL = `SELECT ` + chargeColumns + ` FROM charges WHERE store_id = ? AND terminal_id = ? AND status = 'pending' ORDER BY created_at DESC LIMIT 1`
	boardAttemptSQL = `SELECT ` + attemptColumns + ` FROM checkout_attempts WHERE store_id = ? AND terminal_id = ? ORDER BY created_at DESC LIMIT 1`
)

// Board returns a tile per configured terminal of storeID ("" = every
// store), ordered by store then terminal, with today's totals for day
// (a Bangkok YYYY-MM-DD).
func (d *DB) Board(ctx context.Context, storeID, day string) ([]*BoardTile, error) {
	return d.BoardIn(ctx, storeID, nil, day)
}

// BoardIn is Board limited to a scope's stores (nil: every store).
func (d *DB) BoardIn(ctx context.Context, storeID string, stores []string, day string) ([]*BoardTile, error) {
	q, args := boardTerminalsSQL+` ORDER BY t.store_id, t.terminal_id`, []any{day}
	if storeID != "" {
		q, args = boardTerminalsSQL+` WHERE t.store_id = ? ORDER BY t.terminal_id`, []any{day, storeID}
	} else if c, a := storesIn("t.store_id", stores); c != "" {
		q, args = boardTerminalsSQL+` WHERE `+c+` ORDER BY t.store_id, t.terminal_id`, append([]any{day}, a...)
	}
	rows, err := d.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var tiles []*BoardTile
	for rows.Next() {
		var t BoardTile
		if err := rows.Scan(&t.StoreID, &t.StoreName, &t.TerminalID, &t.Label, &t.TodaySales, &t.TodayGross, &t.TodayRefunds); err != nil {
			rows.Close()
			return nil, err
		}
		tiles = append(tiles, &t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sortByTerminal(tiles, func(t *BoardTile) (string, string) { return t.StoreID, t.TerminalID })
	for _, t := range tiles {
		if err := d.fillTile(ctx, t); err != nil {
			return nil, err
		}
	}
	return tiles, nil
}

// BoardTileFor returns one terminal's tile, or ErrNotFound when the store
// has no such terminal.
func (d *DB) BoardTileFor(ctx context.Context, storeID, terminalID, day string) (*BoardTile, error) {
	var t BoardTile
	err := d.R.QueryRowContext(ctx, boardTerminalsSQL+` WHERE t.store_id = ? AND t.terminal_id = ?`, day, storeID, terminalID).
		Scan(&t.StoreID, &t.StoreName, &t.TerminalID, &t.Label, &t.TodaySales, &t.TodayGross, &t.TodayRefunds)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	return &t, d.fillTile(ctx, &t)
}

// fillTile reads the tile's newest, pending, open-attempt and newest-attempt
// rows. Each is one index probe (charges_store_terminal_created,
// charges_terminal_pending, checkout_attempts_terminal_open,
// checkout_attempts_terminal_created), so a board of many terminals stays
// fast however many charges exist.
func (d *DB) fillTile(ctx context.Context, t *BoardTile) error {
	var err error
	if t.Last, err = optional(scanCharge(d.R.QueryRowContext(ctx, boardLastSQL, t.StoreID, t.TerminalID))); err != nil {
		return err
	}
	if t.Pending, err = optional(scanCharge(d.R.QueryRowContext(ctx, boardPendingSQL, t.StoreID, t.TerminalID))); err != nil {
		return err
	}
	if t.LastAttempt, err = optional(scanAttempt(d.R.QueryRowContext(ctx, boardAttemptSQL, t.StoreID, t.TerminalID))); err != nil {
		return err
	}
	t.Open, err = optional(OpenAttemptForTerminalQ(ctx, d.R, t.StoreID, t.TerminalID))
	return err
}

// optional turns ErrNotFound into a nil result.
func optional[T any](v *T, err error) (*T, error) {
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return v, err
}
