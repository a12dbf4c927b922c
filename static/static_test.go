package static

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func TestHashedURLsServeWithImmutableCaching(t *testing.T) {
	h := Handler()
	u := URL("app.css")
	if !regexp.MustCompile(`^/static/app\.[0-9a-f]{8}\.css$`).MatchString(u) {
		t.Fatalf("URL(app.css) = %q", u)
	}
	for name := range load().byName {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, URL(name), nil))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") || rec.Body.Len() == 0 {
			t.Fatalf("%s: %d %q", name, rec.Code, rec.Header().Get("Cache-Control"))
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, URL("app.js"), nil))
	if ct := rec.Header().Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
		t.Fatalf("js content type %q", ct)
	}
}

func TestUnknownOrStaleNamesAre404(t *testing.T) {
	h := Handler()
	for _, p := range []string{"/static/app.css", "/static/app.00000000.css", "/static/static.go", URL("nope.css")} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		if rec.Code != http.StatusNotFound {
			t.Fatalf("%s: %d", p, rec.Code)
		}
	}
}
