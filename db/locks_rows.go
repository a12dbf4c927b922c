package db

import (
	"context"
	"database/sql"
	"errors"
)

// LockTerminalTx makes tx the only transaction deciding about the
// terminal's sales until it ends: the till's claim of a terminal (is a sale
// open on it, is this payment code in use) reads and then inserts, and two
// transactions deciding on the same snapshot would both insert. On
// PostgreSQL it locks the terminal's row (SELECT … FOR UPDATE), so two
// instances' claims for one terminal queue while claims for other
// terminals go on; the waiting one then reads what the first committed
// (READ COMMITTED takes a new snapshot per statement). On SQLite there is
// nothing to do: a write transaction there is the only one. ErrNotFound
// when the terminal does not exist.
func (d *DB) LockTerminalTx(ctx context.Context, tx *sql.Tx, storeID, terminalID string) error {
	if !d.pg {
		return nil
	}
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM terminals WHERE store_id = ? AND terminal_id = ? FOR UPDATE`,
		storeID, terminalID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
