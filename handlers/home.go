package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"instore/i18n"
	"instore/views"
)

// Home is GET /: the sections the user's role may open.
func Home(c echo.Context) error {
	return Render(c, http.StatusOK, views.HomePage())
}

// LangCookie holds the chosen language for a year.
const LangCookie = "instore_lang"

// SetLanguage is GET /lang/:lang?next=/path: remembers the choice in a
// cookie and goes back. It changes nothing but the visitor's own display.
func SetLanguage(c echo.Context) error {
	lang := i18n.Normalize(c.Param("lang"))
	c.SetCookie(&http.Cookie{Name: LangCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https"})
	return c.Redirect(http.StatusSeeOther, LocalPath(c.QueryParam("next")))
}

// Pinger is what the health check needs: *db.DB has it.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Health serves GET /healthz for load balancers and uptime checks.
type Health struct {
	DB Pinger
}

// Healthz answers 200 {"status":"ok"} when the database answers within two
// seconds, else 503.
func (h *Health) Healthz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := h.DB.Ping(ctx); err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}
