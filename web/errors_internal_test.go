package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"instore/config"
	"instore/db"
	"instore/handlers"
	"instore/payments"
	"instore/reqctx"
)

func newBareApp(t *testing.T, logTo io.Writer) *App {
	t.Helper()
	d, err := db.Open(context.Background(), filepath.Join(t.TempDir(), "e.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	cfg, _ := config.Parse(func(string) string { return "" })
	a, err := New(Deps{Config: cfg, DB: d, Log: slog.New(slog.NewTextHandler(logTo, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// An internal error shows a safe message and the request id; its text
// (which may hold SQL, keys or personal data) goes only to the log.
func TestErrorHandlerHidesInternals(t *testing.T) {
	t.Parallel()
	var logged strings.Builder
	a := newBareApp(t, &logged)
	secret := errors.New("SELECT password_hash FROM users WHERE username = 'somchai'")
	for _, accept := range []string{"text/html", "application/json"} {
		req := httptest.NewRequest(http.MethodGet, "/x", nil)
		req.Header.Set("Accept", accept)
		req = req.WithContext(reqctx.WithRequestID(req.Context(), "req-123"))
		rec := httptest.NewRecorder()
		c := a.Echo.NewContext(req, rec)
		a.handleError(fmt.Errorf("load: %w", secret), c)
		body := rec.Body.String()
		if rec.Code != http.StatusInternalServerError || strings.Contains(body, "password_hash") || !strings.Contains(body, "req-123") {
			t.Fatalf("%s: %d %s", accept, rec.Code, body)
		}
	}
	if !strings.Contains(logged.String(), "password_hash") {
		t.Fatalf("internal error not logged: %s", logged.String())
	}
}

func TestSafeError(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err    error
		status int
		code   string
	}{
		{handlers.Refuse(payments.Conflict, "busy", "error.too_many"), http.StatusConflict, "busy"},
		{fmt.Errorf("wrapped: %w", handlers.Refuse(payments.NotFound, "not_found", "error.not_found")), http.StatusNotFound, "not_found"},
		{handlers.Refuse(payments.Upstream, "omise_auth", "refusal.charge.omise_auth"), http.StatusBadGateway, "omise_auth"},
		{echo.ErrStatusRequestEntityTooLarge, http.StatusRequestEntityTooLarge, "too_large"},
		{errors.New("boom"), http.StatusInternalServerError, "internal"},
	}
	for i, c := range cases {
		status, code, msgID, _ := safeError(c.err)
		if status != c.status || code != c.code || msgID == "" {
			t.Errorf("case %d: %d %s %s", i, status, code, msgID)
		}
	}
}
