package handlers

import (
	"net/http"

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
