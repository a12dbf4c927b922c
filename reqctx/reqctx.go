// Package reqctx carries per-request values (who is asking, the CSRF token,
// the request id, a flash message) in the request's context.Context, so
// that templ views and loggers can read them without importing the web
// layer.
package reqctx

import (
	"context"
	"log/slog"
)

type key int

const (
	viewerKey key = iota
	csrfKey
	requestIDKey
	flashKey
	uriKey
)

// Viewer is the logged-in user as views see it.
type Viewer struct {
	ID       int64
	Username string
	// DisplayName is what people call the user ("" when none is set).
	DisplayName string
	Role        string // cashier, manager, finance or admin
	StoreID     string // "" for admins
	// Scope is "all" or "group" for a manager or finance user over every
	// store or a group's ScopeStores stores; "" for one store and admins.
	Scope       string
	ScopeStores int
}

// Name is how pages name the viewer: the display name, else the username.
func (v Viewer) Name() string {
	if v.DisplayName != "" {
		return v.DisplayName
	}
	return v.Username
}

// WithViewer returns ctx carrying v.
func WithViewer(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, viewerKey, v)
}

// ViewerFrom returns the logged-in user, ok false for anonymous requests.
func ViewerFrom(ctx context.Context) (Viewer, bool) {
	v, ok := ctx.Value(viewerKey).(Viewer)
	return v, ok
}

// WithCSRF returns ctx carrying the session's CSRF token.
func WithCSRF(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, csrfKey, token)
}

// CSRF returns the token forms must send back as _csrf ("" when none).
func CSRF(ctx context.Context) string {
	s, _ := ctx.Value(csrfKey).(string)
	return s
}

// WithRequestID returns ctx carrying the request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestID returns the request id ("" outside a request).
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey).(string)
	return s
}

// WithRequestURI returns ctx carrying the path and query of the request,
// so views can link back to the current page (language switch).
func WithRequestURI(ctx context.Context, uri string) context.Context {
	return context.WithValue(ctx, uriKey, uri)
}

// RequestURI returns the current request's path and query ("/" when none).
func RequestURI(ctx context.Context) string {
	if s, ok := ctx.Value(uriKey).(string); ok && s != "" {
		return s
	}
	return "/"
}

// Flash is a one-time message shown on the next page after a redirect.
type Flash struct {
	Kind  string // "ok" or "error"
	MsgID string // i18n message id
}

// WithFlash returns ctx carrying f.
func WithFlash(ctx context.Context, f Flash) context.Context {
	return context.WithValue(ctx, flashKey, f)
}

// FlashFrom returns the flash to show, ok false when none.
func FlashFrom(ctx context.Context) (Flash, bool) {
	f, ok := ctx.Value(flashKey).(Flash)
	return f, ok && f.MsgID != ""
}

// LogHandler adds request_id to every record logged with a request's
// context, whoever logs it (handlers, payments, the Omise client).
type LogHandler struct{ slog.Handler }

// NewLogHandler wraps h.
func NewLogHandler(h slog.Handler) *LogHandler { return &LogHandler{h} }

// Handle implements slog.Handler.
func (h *LogHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h *LogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &LogHandler{h.Handler.WithAttrs(as)}
}

// WithGroup implements slog.Handler.
func (h *LogHandler) WithGroup(name string) slog.Handler {
	return &LogHandler{h.Handler.WithGroup(name)}
}
