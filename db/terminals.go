package db

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Terminal is one till (a browser at a counter) of a store.
type Terminal struct {
	StoreID    string
	TerminalID string
	Label      string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

const terminalColumns = `store_id, terminal_id, label, created_at, updated_at`

func scanTerminal(r rowScanner) (*Terminal, error) {
	var t Terminal
	var created, updated string
	err := r.Scan(&t.StoreID, &t.TerminalID, &t.Label, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	t.CreatedAt, t.UpdatedAt = ParseTime(created), ParseTime(updated)
	return &t, nil
}

// ListTerminals returns the terminals of storeID ("" = every store),
// ordered by store then terminal id.
func (d *DB) ListTerminals(ctx context.Context, storeID string) ([]*Terminal, error) {
	rows, err := d.R.QueryContext(ctx, `SELECT `+terminalColumns+` FROM terminals
		WHERE (? = '' OR store_id = ?) ORDER BY store_id, terminal_id`, storeID, storeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Terminal
	for rows.Next() {
		t, err := scanTerminal(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	sortByTerminal(out, func(t *Terminal) (string, string) { return t.StoreID, t.TerminalID })
	return out, rows.Err()
}

// GetTerminal returns one terminal of a store.
func (d *DB) GetTerminal(ctx context.Context, storeID, terminalID string) (*Terminal, error) {
	return scanTerminal(d.R.QueryRowContext(ctx, `SELECT `+terminalColumns+` FROM terminals
		WHERE store_id = ? AND terminal_id = ?`, storeID, terminalID))
}

const insertTerminalSQL = `INSERT INTO terminals (store_id, terminal_id, label, created_at, updated_at)
VALUES (?, ?, ?, ?, ?) RETURNING ` + terminalColumns

// CreateTerminal adds a terminal to an existing store: ErrNotFound when the
// store does not exist, ErrExists when the terminal does.
func (d *DB) CreateTerminal(ctx context.Context, by Actor, t Terminal) (*Terminal, error) {
	var out *Terminal
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		if err := storeMustExist(ctx, tx, t.StoreID); err != nil {
			return err
		}
		// "pos-01" beside "POS-01" would be a second till that people
		// read as the same one, splitting its sales on the board and in
		// the reports: ids are unique in a store whatever their capitals.
		if err := idMustBeFree(ctx, tx, `SELECT COUNT(*) FROM terminals WHERE store_id = ? AND lower(terminal_id) = lower(?)`,
			t.StoreID, t.TerminalID); err != nil {
			return err
		}
		now := FormatTime(time.Now())
		var err error
		out, err = scanTerminal(tx.QueryRowContext(ctx, insertTerminalSQL, t.StoreID, t.TerminalID, t.Label, now, now))
		if uniqueViolation(err) {
			return ErrExists
		}
		if err != nil {
			return err
		}
		return InsertAudit(ctx, tx, by.audit("terminal.create", out.StoreID+"/"+out.TerminalID, nil, map[string]any{"label": out.Label}))
	})
	if err == nil {
		terminalsChanged.Add(1) // listings of terminal ids are read again
	}
	return out, err
}

// UpdateTerminal changes a terminal's label (ErrNotFound when it does not exist).
func (d *DB) UpdateTerminal(ctx context.Context, by Actor, t Terminal) (*Terminal, error) {
	var out *Terminal
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		// The terminal's row locked first (LockTerminalTx), so the audited
		// label before is the one this change replaced.
		if err := d.LockTerminalTx(ctx, tx, t.StoreID, t.TerminalID); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		before, err := scanTerminal(tx.QueryRowContext(ctx, `SELECT `+terminalColumns+` FROM terminals
			WHERE store_id = ? AND terminal_id = ?`, t.StoreID, t.TerminalID))
		if err != nil {
			return err
		}
		out, err = scanTerminal(tx.QueryRowContext(ctx, `UPDATE terminals SET label = ?, updated_at = ?
			WHERE store_id = ? AND terminal_id = ? RETURNING `+terminalColumns, t.Label, FormatTime(time.Now()), t.StoreID, t.TerminalID))
		if err != nil {
			return err
		}
		return InsertAudit(ctx, tx, by.audit("terminal.update", out.StoreID+"/"+out.TerminalID,
			map[string]any{"label": before.Label}, map[string]any{"label": out.Label}))
	})
	return out, err
}
