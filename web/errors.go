package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"instore/handlers"
	"instore/i18n"
	"instore/payments"
	"instore/reqctx"
	"instore/views"
)

// statusMessages maps a status to its safe code and message id.
var statusMessages = map[int][2]string{
	http.StatusBadRequest:            {"bad_request", "error.bad_request"},
	http.StatusUnauthorized:          {"login_required", "error.login_required"},
	http.StatusForbidden:             {"forbidden", "error.forbidden"},
	http.StatusNotFound:              {"not_found", "error.not_found"},
	http.StatusMethodNotAllowed:      {"method_not_allowed", "error.method_not_allowed"},
	http.StatusRequestEntityTooLarge: {"too_large", "error.too_large"},
	http.StatusTooManyRequests:       {"too_many_requests", "error.too_many"},
	http.StatusServiceUnavailable:    {"unavailable", "error.unavailable"},
}

// safeError turns any error into what may be shown: a status, a code and
// a message id. Only refusals (the domain's and the handlers' own) and
// echo's status errors keep their status; everything else is a 500 whose text
// stays in the log.
func safeError(err error) (status int, code, msgID string, data map[string]any) {
	var re *payments.Refusal
	if errors.As(err, &re) {
		return handlers.RefusalStatus(re), re.Code, re.MessageID(), re.Args
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		if m, ok := statusMessages[he.Code]; ok {
			return he.Code, m[0], m[1], nil
		}
		if he.Code >= 400 && he.Code < 500 {
			return he.Code, "bad_request", "error.bad_request", nil
		}
	}
	return http.StatusInternalServerError, "internal", "error.internal", nil
}

// handleError is echo's error handler: it logs the internal half (for 5xx)
// and shows the safe half with the request id, as JSON or as a page in
// both languages.
func (a *App) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	ctx := c.Request().Context()
	status, code, msgID, data := safeError(err)
	switch {
	case errors.Is(err, context.Canceled):
		a.log.InfoContext(ctx, "request canceled by the client")
	case status >= 500:
		a.log.ErrorContext(ctx, "request failed", "err", err, "path", c.Request().URL.Path)
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	if rule, _ := a.ruleFor(c); rule.JSON || handlers.WantsJSON(c) {
		if re := (*payments.Refusal)(nil); errors.As(err, &re) {
			_ = handlers.RefusalJSON(c, re)
			return
		}
		_ = handlers.JSONError(c, status, code, msgID, data)
		return
	}
	page := views.ErrorPage(views.ErrorView{Status: status, Msg: &views.Msg{ID: msgID, Data: data}, RequestID: reqctx.RequestID(ctx)})
	if rerr := handlers.Render(c, status, page); rerr != nil {
		a.log.ErrorContext(ctx, "error page failed", "err", rerr)
		_ = c.String(status, i18n.TLang(i18n.TH, msgID, data)+"\n"+i18n.TLang(i18n.EN, msgID, data)+"\n"+reqctx.RequestID(ctx))
	}
}
