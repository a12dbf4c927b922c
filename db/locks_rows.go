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

// pgXactLockSQL takes a transaction-level advisory lock on a name: the
// server releases it at commit or rollback, so nothing can leave it held.
// Names are hashed with the schema, as LockKey's are (locks_pg.go), and
// in a namespace of their own, so a transaction's lock never meets a
// LockKey of the same words.
const pgXactLockSQL = `SELECT pg_advisory_xact_lock(hashtextextended('instore.tx ' || current_schema() || ' ' || ? || ' ' || ?, 0))`

// lockNameTx makes tx the only transaction holding kind/name until it
// ends; on SQLite, whose write transaction is the only one, it does
// nothing.
func (d *DB) lockNameTx(ctx context.Context, tx *sql.Tx, kind, name string) error {
	if !d.pg {
		return nil
	}
	_, err := tx.ExecContext(ctx, pgXactLockSQL, kind, name)
	return err
}

// LockChargeTx makes tx the only transaction deciding about the charge
// until it ends. Every write of a charge reads the stored row, merges into
// it (a final status never changes, refunded_amount only grows) and writes
// the result, and moves the rollups by the difference; the refund rules
// add up the charge's refunds against its amount. Two transactions doing
// so on one snapshot would lose one's change or count one twice, so each
// takes this first and reads after it (READ COMMITTED reads what the
// holder before committed). It is an advisory lock on the charge's id
// rather than its row because the first write of a charge (a webhook and
// the syncer importing it at once) has no row yet to lock. Callers take it
// before any other row lock, so charges' transactions wait in one order.
func (d *DB) LockChargeTx(ctx context.Context, tx *sql.Tx, chargeID string) error {
	return d.lockNameTx(ctx, tx, "charge", chargeID)
}

// LockBarcodeTx makes tx the only transaction deciding about a payment
// code (by its keyed hash) until it ends: the till refuses a code used in
// the last while on any terminal, and two terminals' claims (each holding
// only its own terminal's row) must not both find it unused. Taken after
// LockTerminalTx.
func (d *DB) LockBarcodeTx(ctx context.Context, tx *sql.Tx, hash string) error {
	if hash == "" {
		return nil
	}
	return d.lockNameTx(ctx, tx, "barcode", hash)
}

// lockRowsTx locks, on PostgreSQL, the rows query selects (SELECT … FOR
// UPDATE) until tx ends, so that what tx reads of them next, and decides
// on, is not changed by another transaction before tx commits; a second
// transaction locking them waits, then reads what the first committed. A
// row that does not exist locks nothing: the read after it reports that.
// SQLite has no FOR UPDATE and needs none: its write transaction is the
// only one.
func (d *DB) lockRowsTx(ctx context.Context, tx *sql.Tx, query string, args ...any) error {
	if !d.pg {
		return nil
	}
	rows, err := tx.QueryContext(ctx, query+` FOR UPDATE`, args...)
	if err != nil {
		return err
	}
	return rows.Close()
}
