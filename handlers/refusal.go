package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"instore/i18n"
	"instore/payments"
	"instore/reqctx"
	"instore/views"
)

// refusalStatus is the one mapping from what kind of "no" the domain said
// to an HTTP status.
var refusalStatus = map[payments.Kind]int{
	payments.Invalid:     http.StatusUnprocessableEntity,
	payments.Forbidden:   http.StatusForbidden,
	payments.NotFound:    http.StatusNotFound,
	payments.Conflict:    http.StatusConflict,
	payments.Unavailable: http.StatusServiceUnavailable,
	payments.TooMany:     http.StatusTooManyRequests,
	payments.Upstream:    http.StatusBadGateway,
}

// Refuse is a refusal by a handler's own check (a page that is not there,
// a form that is not the user's), with the catalog id of its sentence.
// Returned from a handler, the error handler shows it with its status.
func Refuse(kind payments.Kind, code, msgID string) *payments.Refusal {
	return &payments.Refusal{Code: code, Kind: kind, Msg: msgID}
}

// RefusalStatus is the HTTP status of a refusal; an unknown kind is a
// conflict, never a 500, since the refusal itself is safe to show.
func RefusalStatus(r *payments.Refusal) int {
	if s, ok := refusalStatus[r.Kind]; ok {
		return s
	}
	return http.StatusConflict
}

// RefusalText is a refusal's sentence in both languages, from the catalog.
func RefusalText(r *payments.Refusal) views.BiText {
	return views.BiText{TH: i18n.TLang(i18n.TH, r.MessageID(), r.Args), EN: i18n.TLang(i18n.EN, r.MessageID(), r.Args)}
}

// RefusalDetail is a refusal in the JSON error shape.
func RefusalDetail(c echo.Context, r *payments.Refusal) ErrorDetail {
	t := RefusalText(r)
	return ErrorDetail{Code: r.Code, Message: t.EN, MessageTH: t.TH, Field: r.Field,
		RequestID: reqctx.RequestID(c.Request().Context())}
}

// fieldRefusals is a form refused field by field, in the JSON error shape:
// the common error (code, a summary sentence from msgID) and each field's
// refusal.
func fieldRefusals(c echo.Context, code, msgID string, fields map[string]*payments.Refusal) (ErrorDetail, map[string]TillFieldJSON) {
	e := ErrorDetail{Code: code, Message: i18n.TLang(i18n.EN, msgID), MessageTH: i18n.TLang(i18n.TH, msgID),
		RequestID: reqctx.RequestID(c.Request().Context())}
	out := make(map[string]TillFieldJSON, len(fields))
	for k, r := range fields {
		t := RefusalText(r)
		out[k] = TillFieldJSON{Code: r.Code, Message: t.EN, MessageTH: t.TH}
	}
	return e, out
}

// RefusalJSON answers a JSON client with a refusal.
func RefusalJSON(c echo.Context, r *payments.Refusal) error {
	return c.JSON(RefusalStatus(r), ErrorBody{Error: RefusalDetail(c, r)})
}
