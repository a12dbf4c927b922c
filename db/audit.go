package db

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// Querier is what both *sql.DB and *sql.Tx offer, so a query can run inside
// a caller's transaction or on its own.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// AuditEntry is one append-only audit row.
type AuditEntry struct {
	ID       int64
	At       time.Time
	UserID   int64 // 0 = system or anonymous
	Username string
	Role     string
	Action   string // e.g. login, logout, user.create, charge.expire, refund.create
	Target   string // e.g. a charge id, a username
	IP       string
	Result   string // ok, denied, error, ...
	Before   string
	After    string
	Detail   string
	// RequestKey is the idempotency key of the request, when it carried
	// one: the same request again finds its first outcome by it.
	RequestKey string
}

const insertAuditSQL = `INSERT INTO audit_log (at, user_id, username, role, action, target, ip, result, before, after, detail, request_key)
VALUES (?, NULLIF(?, 0), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// Audit fields that can carry what an anonymous caller typed are capped,
// so one request cannot write more than a few hundred bytes to the log.
const (
	MaxAuditName   = 64   // username, target, IP
	MaxAuditDetail = 1024 // detail
)

// auditCutMark ends a capped value, so a reader knows it was longer.
const auditCutMark = "…[cut]"

// CapText returns s if it has at most max characters, else its first max
// characters followed by a marker. Invalid UTF-8 is replaced first, so the
// cut never splits a character.
func CapText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	n := 0
	for i := range s {
		if n == max {
			return s[:i] + auditCutMark
		}
		n++
	}
	return s
}

// InsertAudit appends e inside the transaction q.
func InsertAudit(ctx context.Context, q Querier, e AuditEntry) error {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	e.Username, e.Target, e.IP = CapText(e.Username, MaxAuditName), CapText(e.Target, MaxAuditName), CapText(e.IP, MaxAuditName)
	e.Detail = CapText(e.Detail, MaxAuditDetail)
	_, err := q.ExecContext(ctx, insertAuditSQL, FormatTime(e.At), e.UserID, e.Username, e.Role, e.Action, e.Target, e.IP, e.Result, e.Before, e.After, e.Detail, CapText(e.RequestKey, MaxAuditName))
	return err
}

// AuditedRequestResult is the result of the newest audit entry of action on
// target written for the request with idempotency key key, or ErrNotFound.
func AuditedRequestResult(ctx context.Context, q Querier, action, target, key string) (string, error) {
	var result string
	err := q.QueryRowContext(ctx, `SELECT result FROM audit_log
		WHERE target = ? AND action = ? AND request_key = ? ORDER BY id DESC LIMIT 1`, target, action, key).Scan(&result)
	if err == sql.ErrNoRows {
		return "", ErrNotFound
	}
	return result, err
}

// Audit appends e in its own transaction.
func (d *DB) Audit(ctx context.Context, e AuditEntry) error {
	return d.Tx(ctx, func(tx *sql.Tx) error { return InsertAudit(ctx, tx, e) })
}

// AuditFilter narrows ListAudit. Empty fields match everything.
type AuditFilter struct {
	Action   string
	Username string
	Target   string
	BeforeID int64 // keyset: rows with id < BeforeID; 0 = newest
	Limit    int
}

const listAuditSQL = `SELECT id, at, COALESCE(user_id, 0), username, role, action, target, ip, result, before, after, detail, request_key
FROM audit_log
WHERE (? = '' OR action = ?) AND (? = '' OR username = ?) AND (? = '' OR target = ?) AND (? = 0 OR id < ?)
ORDER BY id DESC LIMIT ?`

// ListAudit returns audit rows newest first.
func (d *DB) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	rows, err := d.R.QueryContext(ctx, listAuditSQL, f.Action, f.Action, f.Username, f.Username, f.Target, f.Target, f.BeforeID, f.BeforeID, f.Limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at string
		if err := rows.Scan(&e.ID, &at, &e.UserID, &e.Username, &e.Role, &e.Action, &e.Target, &e.IP, &e.Result, &e.Before, &e.After, &e.Detail, &e.RequestKey); err != nil {
			return nil, err
		}
		e.At = ParseTime(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
