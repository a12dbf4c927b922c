package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"instore/freetext"
)

// Role is what a user may do. The set is closed: the schema checks it too.
type Role string

// The four roles. A cashier runs the till of their store's terminals; a
// manager watches and acts on their store's charges (expire, refund, sync);
// finance reads charges, reports and reconciliation of their store; an admin
// does everything for every store, including users, stores and terminals.
const (
	RoleCashier Role = "cashier"
	RoleManager Role = "manager"
	RoleFinance Role = "finance"
	RoleAdmin   Role = "admin"
)

// Roles lists every role, least powerful first (for forms and tests).
var Roles = []Role{RoleCashier, RoleManager, RoleFinance, RoleAdmin}

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool {
	return r == RoleCashier || r == RoleManager || r == RoleFinance || r == RoleAdmin
}

// ErrExists is returned when a create would duplicate a unique key.
var ErrExists = errors.New("db: already exists")

// ErrStoreRequired is returned when a non-admin account is given no store.
var ErrStoreRequired = errors.New("db: this role belongs to a store")

// ErrLastAdmin is returned when a change would leave no enabled admin:
// nobody could then manage users, stores or terminals from the admin pages
// (two admins disabling or demoting each other at the same moment would
// otherwise both succeed, each past the "not yourself" check).
var ErrLastAdmin = errors.New("db: this change would leave no enabled admin")

// ErrScopeInvalid is returned when an account would get more than one of
// store, group and every store, or a cashier anything but one store.
var ErrScopeInvalid = errors.New("db: a user has one store, one group or every store; a cashier one store")

// UserScope is what a non-admin account may see: exactly one of a store,
// a group or every store.
type UserScope struct {
	StoreID   string
	GroupID   int64
	AllStores bool
}

// check normalises the scope for role: admins get none; others exactly one.
func (s UserScope) check(role Role) (UserScope, error) {
	if role == RoleAdmin {
		return UserScope{}, nil
	}
	n := 0
	for _, set := range []bool{s.StoreID != "", s.GroupID != 0, s.AllStores} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		return s, ErrStoreRequired
	case n > 1 || (role == RoleCashier && s.StoreID == ""):
		return s, ErrScopeInvalid
	}
	return s, nil
}

// User is an account. Admins belong to no store (StoreID ""): they see
// every store. Every other role has a scope: one store (StoreID), one
// group (GroupID) or every store (AllStores); a cashier always one store.
type User struct {
	ID       int64
	Username string
	// DisplayName is what people call the user, in Thai or English; ""
	// when none was given (pages then show the username).
	DisplayName string
	Role        Role
	StoreID     string
	GroupID     int64
	AllStores   bool
	// GroupStores are the stores of the user's group as read with the user
	// (each request reads the user again, so a change applies at once).
	GroupStores  []string
	Disabled     bool
	SessionEpoch int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// HasRole reports whether u has one of roles.
func (u *User) HasRole(roles ...Role) bool {
	if u == nil {
		return false
	}
	for _, r := range roles {
		if u.Role == r {
			return true
		}
	}
	return false
}

var usernameRE = regexp.MustCompile(`^[a-z0-9_.-]{3,32}$`)

// ValidUsername: 3–32 of lowercase a–z, digits, '_', '.', '-'.
func ValidUsername(s string) bool { return usernameRE.MatchString(s) }

// MaxDisplayNameChars is the longest display name, in characters (Thai
// vowel and tone marks count as characters).
const MaxDisplayNameChars = 60

// CleanDisplayName trims a typed display name and drops the invisible
// characters text pasted from Thai web pages carries; ok is false when what
// is left is longer than MaxDisplayNameChars or holds a control character.
func CleanDisplayName(s string) (string, bool) {
	s = freetext.Clean(s)
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxDisplayNameChars {
		return s, false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return s, false
		}
	}
	return s, true
}

// Password length limits: at least 10 characters, and at most 72 bytes
// because bcrypt ignores (and x/crypto refuses) anything longer.
const (
	MinPasswordChars = 10
	MaxPasswordBytes = 72
)

// ValidPassword reports whether pw meets the length rules.
func ValidPassword(pw string) bool {
	return utf8.RuneCountInString(pw) >= MinPasswordChars && len(pw) <= MaxPasswordBytes && utf8.ValidString(pw)
}

// HashPassword hashes pw with bcrypt at the library's default cost.
func HashPassword(pw string) (string, error) {
	b, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	return string(b), err
}

// CheckPassword reports whether pw matches hash, in constant time.
func CheckPassword(hash, pw string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}

// Actor is who makes a change, copied into the audit row it writes.
type Actor struct {
	UserID   int64
	Username string
	Role     string
	IP       string
}

// CLI is the actor for changes made with the command line.
var CLI = Actor{Username: "cli", Role: "system"}

func (a Actor) audit(action, target string, before, after any) AuditEntry {
	return AuditEntry{UserID: a.UserID, Username: a.Username, Role: a.Role, IP: a.IP,
		Action: action, Target: target, Result: "ok", Before: snapshot(before), After: snapshot(after)}
}

func snapshot(v any) string {
	if v == nil {
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func (u *User) snapshot() map[string]any {
	m := map[string]any{"role": u.Role, "store_id": u.StoreID, "disabled": u.Disabled}
	if u.DisplayName != "" {
		m["display_name"] = u.DisplayName
	}
	if u.GroupID != 0 {
		m["group_id"] = u.GroupID
	}
	if u.AllStores {
		m["all_stores"] = true
	}
	return m
}

const userColumns = `id, username, role, COALESCE(store_id, ''), disabled, session_epoch, created_at, updated_at, ` + userScopeColumns +
	`, users.display_name`

// userScopeColumns read a user's group and every-store flag, and the
// group's stores now (comma-separated), from a row of users.
const userScopeColumns = `COALESCE(users.group_id, 0), users.all_stores,
  COALESCE((SELECT group_concat(m.store_id) FROM store_group_members m WHERE m.group_id = users.group_id), '')`

func scanUser(r rowScanner) (*User, error) {
	var u User
	var created, updated, groupStores string
	err := r.Scan(&u.ID, &u.Username, &u.Role, &u.StoreID, &u.Disabled, &u.SessionEpoch, &created, &updated,
		&u.GroupID, &u.AllStores, &groupStores, &u.DisplayName)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	u.CreatedAt, u.UpdatedAt, u.GroupStores = ParseTime(created), ParseTime(updated), splitStores(groupStores)
	return &u, nil
}

// NewUser is what creating an account takes. PasswordHash comes from HashPassword.
type NewUser struct {
	Username     string
	DisplayName  string // from CleanDisplayName; "" for none
	Role         Role
	StoreID      string // ignored for admins
	GroupID      int64  // instead of StoreID: the group's stores
	AllStores    bool   // instead of StoreID: every store
	PasswordHash string
}

const insertUserSQL = `INSERT INTO users (username, password_hash, role, store_id, group_id, all_stores, created_at, updated_at, display_name)
VALUES (?, ?, ?, NULLIF(?, ''), NULLIF(?, 0), ?, ?, ?, ?) RETURNING ` + userColumns

// CreateUser adds an account and its audit row in one transaction. It
// returns ErrExists for a taken username and ErrNotFound for an unknown store.
func (d *DB) CreateUser(ctx context.Context, by Actor, nu NewUser) (*User, error) {
	sc, err := UserScope{StoreID: nu.StoreID, GroupID: nu.GroupID, AllStores: nu.AllStores}.check(nu.Role)
	if err != nil {
		return nil, err
	}
	var u *User
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		if err := scopeMustExist(ctx, tx, sc); err != nil {
			return err
		}
		now := FormatTime(time.Now())
		var err error
		u, err = scanUser(tx.QueryRowContext(ctx, insertUserSQL, nu.Username, nu.PasswordHash, nu.Role, sc.StoreID, sc.GroupID, sc.AllStores, now, now, nu.DisplayName))
		if uniqueViolation(err) {
			return ErrExists
		}
		if err != nil {
			return err
		}
		return InsertAudit(ctx, tx, by.audit("user.create", u.Username, nil, u.snapshot()))
	})
	return u, err
}

// GetUser returns the account with id.
func (d *DB) GetUser(ctx context.Context, id int64) (*User, error) {
	return scanUser(d.R.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
}

// GetUserByUsername returns the account named name (case-insensitive).
func (d *DB) GetUserByUsername(ctx context.Context, name string) (*User, error) {
	return scanUser(d.R.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE username = ?`, name))
}

// UserPasswordHash returns the stored bcrypt hash of user id.
func (d *DB) UserPasswordHash(ctx context.Context, id int64) (string, error) {
	var h string
	err := d.R.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = ?`, id).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return h, err
}

// ListUsers returns every account ordered by username.
func (d *DB) ListUsers(ctx context.Context) ([]*User, error) {
	rows, err := d.R.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY username`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CountUsers returns how many accounts exist (0 on a fresh database).
func (d *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

// changeUser runs one UPDATE on user id inside a transaction, then writes
// the audit row with the account before and after. endSessions also removes
// every server-side session of the user, so the change logs them out.
// keepAdmin refuses the change (ErrLastAdmin) when it takes the rights of
// the last enabled admin away.
func (d *DB) changeUser(ctx context.Context, by Actor, id int64, action string, endSessions, keepAdmin bool, query string, args ...any) (*User, error) {
	var after *User
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		// The enabled admins are locked first, in id order, so two changes
		// that each take away one admin take turns and the second sees the
		// first; the target's own lock below is then one of them or a
		// non-admin, never a lock taken out of order.
		if keepAdmin {
			if err := d.lockRowsTx(ctx, tx, `SELECT 1 FROM users WHERE role = 'admin' AND disabled = 0 ORDER BY id`); err != nil {
				return err
			}
		}
		// The row is locked before it is read, so the audit's "before" is
		// the account as the change found it, not as a concurrent change
		// left it a moment earlier.
		if err := d.lockRowsTx(ctx, tx, `SELECT 1 FROM users WHERE id = ?`, id); err != nil {
			return err
		}
		before, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, query, append(args, FormatTime(time.Now()), id)...); err != nil {
			return err
		}
		if endSessions {
			if _, err := tx.ExecContext(ctx, `DELETE FROM user_sessions WHERE user_id = ?`, id); err != nil {
				return err
			}
		}
		if after, err = scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id)); err != nil {
			return err
		}
		if keepAdmin && before.Role == RoleAdmin && !before.Disabled {
			var admins int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0`).Scan(&admins); err != nil {
				return err
			}
			if admins == 0 {
				return ErrLastAdmin
			}
		}
		return InsertAudit(ctx, tx, by.audit(action, after.Username, before.snapshot(), after.snapshot()))
	})
	return after, err
}

// UpdateUserRole changes the role and store of user id. The user's sessions
// end so the new role applies from their next login.
func (d *DB) UpdateUserRole(ctx context.Context, by Actor, id int64, role Role, storeID string) (*User, error) {
	return d.UpdateUserRoleScope(ctx, by, id, role, UserScope{StoreID: storeID})
}

// UpdateUserRoleScope changes the role and scope of user id (one store, one
// group or every store); the user's sessions end.
func (d *DB) UpdateUserRoleScope(ctx context.Context, by Actor, id int64, role Role, scope UserScope) (*User, error) {
	sc, err := scope.check(role)
	if err != nil {
		return nil, err
	}
	if err := scopeMustExist(ctx, d.R, sc); err != nil {
		return nil, err
	}
	return d.changeUser(ctx, by, id, "user.update", true, true,
		`UPDATE users SET role = ?, store_id = NULLIF(?, ''), group_id = NULLIF(?, 0), all_stores = ?, updated_at = ? WHERE id = ?`,
		role, sc.StoreID, sc.GroupID, sc.AllStores)
}

// scopeMustExist returns ErrNotFound when the scope names a store or group
// that does not exist.
func scopeMustExist(ctx context.Context, q Querier, sc UserScope) error {
	if err := storeMustExist(ctx, q, sc.StoreID); err != nil {
		return err
	}
	if sc.GroupID == 0 {
		return nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM store_groups WHERE id = ?`, sc.GroupID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// SetUserDisabled disables (ending every session) or re-enables user id.
func (d *DB) SetUserDisabled(ctx context.Context, by Actor, id int64, disabled bool) (*User, error) {
	action := "user.enable"
	if disabled {
		action = "user.disable"
	}
	return d.changeUser(ctx, by, id, action, disabled, disabled,
		`UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?`, disabled)
}

// SetUserDisplayName changes what user id is called (name from
// CleanDisplayName; "" removes it). Sessions stay: nothing they may do changes.
func (d *DB) SetUserDisplayName(ctx context.Context, by Actor, id int64, name string) (*User, error) {
	return d.changeUser(ctx, by, id, "user.name", false, false, `UPDATE users SET display_name = ?, updated_at = ? WHERE id = ?`, name)
}

// SetUserPassword stores a new hash and bumps the session epoch, so every
// session made before the change stops working.
func (d *DB) SetUserPassword(ctx context.Context, by Actor, id int64, hash string) (*User, error) {
	return d.changeUser(ctx, by, id, "user.password", true, false,
		`UPDATE users SET password_hash = ?, session_epoch = session_epoch + 1, updated_at = ? WHERE id = ?`, hash)
}

func storeMustExist(ctx context.Context, q Querier, storeID string) error {
	if storeID == "" {
		return nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM stores WHERE store_id = ?`, storeID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// uniqueViolation reports whether err is the database refusing a
// duplicate key.
func uniqueViolation(err error) bool {
	// PostgreSQL's unique_violation, by SQLSTATE (pgx's error type offers
	// it), so this package needs no import of the PostgreSQL driver.
	var state interface{ SQLState() string }
	if errors.As(err, &state) {
		return state.SQLState() == "23505"
	}
	var coded interface{ Code() int }
	if !errors.As(err, &coded) {
		return false
	}
	// SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY
	return coded.Code() == 2067 || coded.Code() == 1555
}

// DisplayNames maps each of usernames that has a display name to it, for
// pages that name the people who acted on a record stored by username.
func (d *DB) DisplayNames(ctx context.Context, usernames []string) (map[string]string, error) {
	names := map[string]string{}
	args := make([]any, 0, len(usernames))
	for _, u := range usernames {
		if u != "" {
			args = append(args, u)
		}
	}
	if len(args) == 0 {
		return names, nil
	}
	rows, err := d.R.QueryContext(ctx, `SELECT username, display_name FROM users WHERE display_name <> '' AND username IN (?`+
		strings.Repeat(", ?", len(args)-1)+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var u, n string
		if err := rows.Scan(&u, &n); err != nil {
			return nil, err
		}
		names[u] = n
	}
	return names, rows.Err()
}
