package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"time"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/handlers"
)

// displayTouchEvery limits how often a display's last use is written.
const displayTouchEvery = time.Minute

// displayCredential recognises a paired customer display by its cookie, on
// routes whose rule admits displays and nowhere else: to every other route
// the device is an anonymous visitor.
func (a *App) displayCredential(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		rule, ok := a.ruleFor(c)
		if !ok || !rule.Display {
			return next(c)
		}
		ck, err := c.Cookie(handlers.DisplayCookie)
		if err != nil || ck.Value == "" {
			return next(c)
		}
		ctx := c.Request().Context()
		d, err := a.deps.DB.DisplayByToken(ctx, ck.Value)
		if errors.Is(err, db.ErrNotFound) {
			return next(c) // revoked or unknown: the device is anonymous again
		}
		if err != nil {
			return err
		}
		if now := a.now(); now.Sub(d.LastSeenAt) >= displayTouchEvery {
			if err := a.deps.DB.TouchDisplay(ctx, d.ID, now); err != nil {
				a.log.WarnContext(ctx, "display: touch failed", "display", d.ID, "err", err)
			}
		}
		handlers.SetCurrentDisplay(c, d)
		return next(c)
	}
}

// pairingKey derives the key of pairing-code hashes from the session hash
// key, so every instance sharing the database agrees on it and a copy of
// the database alone does not reveal live codes.
func pairingKey(sessionHashKey []byte) []byte {
	m := hmac.New(sha256.New, sessionHashKey)
	m.Write([]byte("instore display pairing codes"))
	return m.Sum(nil)
}

// Pairing-code throttle: wrong codes per client address.
const (
	pairFailLimit  = 10
	pairFailWindow = 15 * time.Minute
)
