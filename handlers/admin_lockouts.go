package handlers

import (
	"context"
	"errors"
	"time"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/payments"
	"instore/views"
)

// LoginLocks lists the login counters refusing tries now.
type LoginLocks interface {
	Locks(ctx context.Context, now time.Time) ([]*db.LoginThrottle, error)
}

func (h *Admin) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// lockouts puts the locked addresses into v and returns, by username
// digest, until when each locked user is refused (from some address).
func (h *Admin) lockouts(c echo.Context, v *views.AdminUsersView) (map[string]time.Time, error) {
	users := map[string]time.Time{}
	if h.Logins == nil {
		return users, nil
	}
	locks, err := h.Logins.Locks(c.Request().Context(), h.now())
	if err != nil {
		return nil, err
	}
	for _, l := range locks {
		if l.PerAddress() {
			v.Addresses = append(v.Addresses, views.LockedAddress{Key: l.Key, IP: l.IP, Failures: l.Failures, Until: l.ExpiresAt})
		} else if l.ExpiresAt.After(users[l.UserHash]) {
			users[l.UserHash] = l.ExpiresAt
		}
	}
	return users, nil
}

// UnlockUser is POST /admin/users/:id/unlock: the user's failed-login
// counters from every address are cleared (audited), so they can log in
// at once. Counters of their address as a whole are not touched.
func (h *Admin) UnlockUser(c echo.Context) error {
	u, _, err := h.target(c, true)
	if err != nil {
		return err
	}
	if _, err := h.DB.UnlockUserLogins(c.Request().Context(), Actor(c), u.Username); err != nil {
		return err
	}
	Flash(c, "ok", "flash.user_unlocked")
	return Redirect(c, "/admin/users")
}

// UnlockAddress is POST /admin/logins/:key/unlock: an address refused for
// too many failures across usernames may try again (audited).
func (h *Admin) UnlockAddress(c echo.Context) error {
	_, err := h.DB.UnlockLoginAddress(c.Request().Context(), Actor(c), c.Param("key"))
	if errors.Is(err, db.ErrNotFound) {
		return Refuse(payments.NotFound, "not_found", "error.not_found")
	}
	if err != nil {
		return err
	}
	Flash(c, "ok", "flash.address_unlocked")
	return Redirect(c, "/admin/users")
}
