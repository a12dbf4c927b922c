package handlers

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"instore/i18n"
	"instore/reqctx"
)

// Render renders comp into a buffer first, so a template error becomes a
// clean error response instead of half a page, then writes it with status.
// The buffers are reused: growing a fresh one to a list page's size was
// half of that page's allocation.
func Render(c echo.Context, status int, comp templ.Component) error {
	buf := renderBufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 1<<20 { // an odd huge page is not kept
			renderBufs.Put(buf)
		}
	}()
	if err := comp.Render(c.Request().Context(), buf); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	return c.HTMLBlob(status, buf.Bytes()) // written (copied) before the buffer goes back
}

var renderBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// WantsJSON reports whether the client asked for JSON: an Accept header
// naming application/json, or any path under /api/.
func WantsJSON(c echo.Context) bool {
	r := c.Request()
	return strings.HasPrefix(r.URL.Path, "/api/") || strings.Contains(r.Header.Get(echo.HeaderAccept), echo.MIMEApplicationJSON)
}

// JSON writes v as JSON with status.
func JSON(c echo.Context, status int, v any) error {
	return c.JSON(status, v)
}

// Redirect answers a form POST with 303 See Other to a local path.
func Redirect(c echo.Context, path string) error {
	return c.Redirect(http.StatusSeeOther, LocalPath(path))
}

// ErrorBody is the JSON shape of every error answer.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is a safe error for JSON clients: message in English,
// message_th in Thai.
type ErrorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageTH string `json:"message_th"`
	Field     string `json:"field,omitempty"` // the form field at fault, if one
	RequestID string `json:"request_id,omitempty"`
}

// JSONError writes an ErrorBody for msgID with status.
func JSONError(c echo.Context, status int, code, msgID string, data map[string]any) error {
	return c.JSON(status, ErrorBody{Error: ErrorDetail{
		Code: code, Message: i18n.TLang(i18n.EN, msgID, data), MessageTH: i18n.TLang(i18n.TH, msgID, data),
		RequestID: reqctx.RequestID(c.Request().Context()),
	}})
}
