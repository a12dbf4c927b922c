package db

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"
)

// DisplayDevice is a customer display paired to one terminal.
type DisplayDevice struct {
	ID         int64
	StoreID    string
	TerminalID string
	CreatedBy  string // who showed the pairing code
	UserAgent  string
	IP         string
	CreatedAt  time.Time
	LastSeenAt time.Time
	RevokedAt  *time.Time
}

// PairingCode is a new pairing code for a terminal, as its keyed hash.
type PairingCode struct {
	StoreID    string
	TerminalID string
	CodeHash   string
	ExpiresAt  time.Time
}

const displayColumns = `id, store_id, terminal_id, created_by, user_agent, ip, created_at, last_seen_at, revoked_at`

func scanDisplay(r rowScanner) (*DisplayDevice, error) {
	var d DisplayDevice
	var created, seen string
	var revoked sql.NullString
	err := r.Scan(&d.ID, &d.StoreID, &d.TerminalID, &d.CreatedBy, &d.UserAgent, &d.IP, &created, &seen, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	d.CreatedAt, d.LastSeenAt, d.RevokedAt = ParseTime(created), ParseTime(seen), ParseTimeNull(revoked)
	return &d, nil
}

// hashDisplayToken keeps display credentials out of the database, as
// session ids are: the token is 256 random bits, so a plain hash suffices.
func hashDisplayToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// pairingCodeKeep is how long used and expired codes stay (for a look
// after the fact) before CreatePairingCode clears them out.
const pairingCodeKeep = 24 * time.Hour

// CreatePairingCode stores a new pairing code for a terminal. Any unused
// code of the same terminal stops working (one live code per terminal
// keeps guessing odds low). ErrExists means another live code has the
// same hash: the caller draws a new code.
func (d *DB) CreatePairingCode(ctx context.Context, by Actor, p PairingCode, now time.Time) error {
	return d.Tx(ctx, func(tx *sql.Tx) error {
		// One live code per terminal: two codes made at once for one
		// terminal take turns on its row, so the second deletes the first.
		if err := d.LockTerminalTx(ctx, tx, p.StoreID, p.TerminalID); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM display_pairing_codes
WHERE expires_at < ? OR (store_id = ? AND terminal_id = ? AND used_at IS NULL)`,
			FormatTime(now.Add(-pairingCodeKeep)), p.StoreID, p.TerminalID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM display_pairing_codes
WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?`, p.CodeHash, FormatTime(now)).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrExists
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO display_pairing_codes
(code_hash, store_id, terminal_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
			p.CodeHash, p.StoreID, p.TerminalID, by.Username, FormatTime(now), FormatTime(p.ExpiresAt)); err != nil {
			return err
		}
		return InsertAudit(ctx, tx, by.audit("display.pair_code", p.StoreID+"/"+p.TerminalID, nil,
			map[string]any{"expires_at": FormatTime(p.ExpiresAt)}))
	})
}

// NewDisplay is a display being paired: the credential it will hold and
// where the request came from.
type NewDisplay struct {
	Token     string
	UserAgent string
	IP        string
}

// RedeemPairingCode pairs a display with the live code of hash codeHash
// (unused, unexpired, fewer than maxFailures wrong guesses) and uses the
// code up, in one transaction. When no live code matches, every live code
// counts one more failure (committed) and the answer is ErrNotFound.
func (d *DB) RedeemPairingCode(ctx context.Context, codeHash string, nd NewDisplay, now time.Time, maxFailures int) (*DisplayDevice, error) {
	if len(nd.UserAgent) > 256 {
		nd.UserAgent = nd.UserAgent[:256]
	}
	var out *DisplayDevice
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		out = nil
		var codeID int64
		var storeID, terminalID, createdBy string
		err := tx.QueryRowContext(ctx, `SELECT id, store_id, terminal_id, created_by FROM display_pairing_codes
WHERE code_hash = ? AND used_at IS NULL AND expires_at > ? AND failures < ? ORDER BY id LIMIT 1`,
			codeHash, FormatTime(now), maxFailures).Scan(&codeID, &storeID, &terminalID, &createdBy)
		if errors.Is(err, sql.ErrNoRows) {
			_, err := tx.ExecContext(ctx, `UPDATE display_pairing_codes SET failures = failures + 1
WHERE used_at IS NULL AND expires_at > ?`, FormatTime(now))
			return err
		}
		if err != nil {
			return err
		}
		out, err = scanDisplay(tx.QueryRowContext(ctx, `INSERT INTO display_devices
(store_id, terminal_id, token_hash, created_by, user_agent, ip, created_at, last_seen_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+displayColumns,
			storeID, terminalID, hashDisplayToken(nd.Token), createdBy, nd.UserAgent, nd.IP, FormatTime(now), FormatTime(now)))
		if err != nil {
			return err
		}
		// Used up only if still unused: two displays redeeming one code
		// at once both found it live, and the second to get here finds
		// it used and pairs nothing (its display row goes with the
		// rollback).
		res, err := tx.ExecContext(ctx, `UPDATE display_pairing_codes SET used_at = ?, device_id = ? WHERE id = ? AND used_at IS NULL`,
			FormatTime(now), out.ID, codeID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			out = nil
			return ErrNotFound
		}
		a := Actor{Role: "display", IP: nd.IP}
		return InsertAudit(ctx, tx, a.audit("display.pair", storeID+"/"+terminalID, nil,
			map[string]any{"display_id": out.ID, "code_by": createdBy}))
	})
	if err == nil && out == nil {
		err = ErrNotFound
	}
	return out, err
}

// DisplayByToken returns the unrevoked display holding token, or ErrNotFound.
func (d *DB) DisplayByToken(ctx context.Context, token string) (*DisplayDevice, error) {
	return scanDisplay(d.R.QueryRowContext(ctx, `SELECT `+displayColumns+` FROM display_devices
WHERE token_hash = ? AND revoked_at IS NULL`, hashDisplayToken(token)))
}

// DisplayActive reports whether display id exists and is not revoked.
func (d *DB) DisplayActive(ctx context.Context, id int64) (bool, error) {
	var n int
	err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM display_devices WHERE id = ? AND revoked_at IS NULL`, id).Scan(&n)
	return n > 0, err
}

// TouchDisplay records that display id was used at now.
func (d *DB) TouchDisplay(ctx context.Context, id int64, now time.Time) error {
	_, err := d.exec(ctx, `UPDATE display_devices SET last_seen_at = ? WHERE id = ?`, FormatTime(now), id)
	return err
}

// ListDisplays returns the unrevoked displays of storeID ("" = every
// store), by store, terminal and pairing time.
func (d *DB) ListDisplays(ctx context.Context, storeID string) ([]*DisplayDevice, error) {
	rows, err := d.R.QueryContext(ctx, `SELECT `+displayColumns+` FROM display_devices
WHERE revoked_at IS NULL AND (? = '' OR store_id = ?) ORDER BY store_id, terminal_id, id`, storeID, storeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*DisplayDevice
	for rows.Next() {
		dd, err := scanDisplay(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, dd)
	}
	sortByTerminal(out, func(dd *DisplayDevice) (string, string) { return dd.StoreID, dd.TerminalID })
	return out, rows.Err()
}

// RevokeDisplay ends display id's credential at once; ErrNotFound when it
// does not exist or was already revoked.
func (d *DB) RevokeDisplay(ctx context.Context, by Actor, id int64, now time.Time) (*DisplayDevice, error) {
	var out *DisplayDevice
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = scanDisplay(tx.QueryRowContext(ctx, `UPDATE display_devices SET revoked_at = ?
WHERE id = ? AND revoked_at IS NULL RETURNING `+displayColumns, FormatTime(now), id))
		if err != nil {
			return err
		}
		return InsertAudit(ctx, tx, by.audit("display.revoke", out.StoreID+"/"+out.TerminalID, nil,
			map[string]any{"display_id": out.ID, "paired_by": out.CreatedBy}))
	})
	return out, err
}
