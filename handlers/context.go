// Package handlers holds the thin HTTP handlers: parse and validate a form,
// call the database or a service, render a view. One file per resource.
package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/i18n"
	"instore/payments"
	"instore/reqctx"
)

// userKey is where the session middleware leaves the logged-in user.
const userKey = "instore.user"

// CurrentUser returns the logged-in user of the request; ok is false for
// anonymous requests. Routes with a role rule only run with a user set.
func CurrentUser(c echo.Context) (*db.User, bool) {
	u, ok := c.Get(userKey).(*db.User)
	return u, ok && u != nil
}

// SetCurrentUser records the logged-in user on the echo context and, for
// views, on the request context. The session middleware calls it.
func SetCurrentUser(c echo.Context, u *db.User) {
	c.Set(userKey, u)
	scope, n := "", 0
	if sc := payments.ScopeOf(u); u.Role != db.RoleAdmin && u.StoreID == "" {
		if scope = "group"; sc.AllStores {
			scope = "all"
		}
		n = len(sc.Stores)
	}
	r := c.Request()
	c.SetRequest(r.WithContext(reqctx.WithViewer(r.Context(), reqctx.Viewer{
		ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: string(u.Role), StoreID: u.StoreID,
		Scope: scope, ScopeStores: n,
	})))
}

// userName is how a page names u: the display name, else the username.
func userName(u *db.User) string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Username
}

// personLabel names a person stored by username: their display name with
// the username beside it when they have one (names maps username to
// display name).
func personLabel(names map[string]string, username string) string {
	if n := names[username]; n != "" {
		return n + " (" + username + ")"
	}
	return username
}

// Actor is who is making the request, for audit rows.
func Actor(c echo.Context) db.Actor {
	a := db.Actor{IP: c.RealIP()}
	if u, ok := CurrentUser(c); ok {
		a.UserID, a.Username, a.Role = u.ID, u.Username, string(u.Role)
	}
	return a
}

// LocalPath returns next when it is a path on this site ("/charges?x=1"),
// else "/". It stops open redirects through ?next=.
func LocalPath(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

// flashCookie carries a one-time message across a redirect. It holds only
// a kind and a message id (checked against the catalog when read), never text.
const flashCookie = "instore_flash"

// Flash leaves a message (an i18n id) for the next page; kind is "ok" or "error".
func Flash(c echo.Context, kind, msgID string) {
	c.SetCookie(&http.Cookie{Name: flashCookie, Value: kind + ":" + msgID, Path: "/", MaxAge: 60,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https"})
}

// TakeFlash reads and clears the flash cookie (the web layer calls it
// before rendering a page).
func TakeFlash(c echo.Context) (reqctx.Flash, bool) {
	ck, err := c.Cookie(flashCookie)
	if err != nil || ck.Value == "" {
		return reqctx.Flash{}, false
	}
	c.SetCookie(&http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0),
		HttpOnly: true, SameSite: http.SameSiteLaxMode})
	kind, id, _ := strings.Cut(ck.Value, ":")
	if (kind != "ok" && kind != "error") || !i18n.Has(id) {
		return reqctx.Flash{}, false
	}
	return reqctx.Flash{Kind: kind, MsgID: id}, true
}
