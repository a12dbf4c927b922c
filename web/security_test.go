package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"instore/db"
	"instore/omise"
	"instore/web/webtest"
)

func storeExists(t *testing.T, h *webtest.Harness, id string) bool {
	t.Helper()
	_, err := h.DB.GetStore(context.Background(), id)
	return err == nil
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	h := webtest.New(t)
	admin := h.Login("admin")
	other := h.Anonymous() // a different session's token must not work either
	form := func(id, token string) url.Values {
		v := url.Values{"store_id": {id}, "store_name": {"CSRF " + id}, "source_type": {omise.SourceBarcodeAlipay}}
		if token != "" {
			v.Set("_csrf", token)
		}
		return v
	}
	cases := []struct {
		name   string
		send   func(id string) *http.Response
		status int
	}{
		{"missing", func(id string) *http.Response { return admin.PostFormRaw("/admin/stores", form(id, "")) }, http.StatusForbidden},
		{"wrong", func(id string) *http.Response { return admin.PostFormRaw("/admin/stores", form(id, "not-the-token")) }, http.StatusForbidden},
		{"other session", func(id string) *http.Response { return admin.PostFormRaw("/admin/stores", form(id, other.CSRF())) }, http.StatusForbidden},
		{"right field", func(id string) *http.Response { return admin.PostFormRaw("/admin/stores", form(id, admin.CSRF())) }, http.StatusSeeOther},
		{"right header", func(id string) *http.Response {
			return admin.PostFormRaw("/admin/stores", form(id, ""), "X-CSRF-Token: "+admin.CSRF())
		}, http.StatusSeeOther},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := "csrf_" + string(rune('a'+i))
			res := c.send(id)
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != c.status {
				t.Fatalf("status %d, want %d", res.StatusCode, c.status)
			}
			if created := storeExists(t, h, id); created != (c.status == http.StatusSeeOther) {
				t.Fatalf("store created = %v with status %d", created, res.StatusCode)
			}
			if c.status == http.StatusForbidden && (!strings.Contains(string(body), "Reload the page") || !strings.Contains(string(body), "โหลดหน้าใหม่")) {
				t.Fatalf("CSRF refusal not explained in both languages: %.300s", body)
			}
		})
	}
	// Login itself needs the token too.
	res := h.Anonymous().PostFormRaw("/login", url.Values{"username": {"admin"}, "password": {webtest.Password}})
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("login without token: %d", res.StatusCode)
	}
}

func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	h := webtest.New(t)
	c := h.Anonymous()
	try := func(user, pw string) *http.Response {
		return c.PostForm("/login", url.Values{"username": {user}, "password": {pw}})
	}
	for i := 0; i < 5; i++ {
		res := try("manager", "wrong password")
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("try %d: %d", i+1, res.StatusCode)
		}
		h.Clock.Advance(time.Minute)
	}
	// The 6th try is refused even with the right password, and says when to retry.
	res := try("manager", webtest.Password)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("6th try: %d Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	// The first failure leaves the 15-minute window 10 minutes from now.
	at := regexp.MustCompile(`\d\d:\d\d`).FindString(string(body))
	if at == "" || !strings.Contains(string(body), "Try again after") || !strings.Contains(string(body), "ลองใหม่หลังเวลา") {
		t.Fatalf("429 page does not say when to retry: %.600s", body)
	}
	entries, err := h.DB.ListAudit(context.Background(), db.AuditFilter{Action: "login", Username: "manager"})
	if err != nil || len(entries) != 6 || entries[0].Result != "throttled" || entries[1].Result != "denied" {
		t.Fatalf("audit: %+v %v", entries, err)
	}

	// Another user at the same till still logs in: one person's typos lock
	// only that person (see TestLockoutCannotStrandAShop).
	res = try("finance", webtest.Password)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("same IP, other user: %d", res.StatusCode)
	}
	h.Clock.Advance(11 * time.Minute)
	res = try("manager", webtest.Password)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the window: %d", res.StatusCode)
	}
}

func TestSessionRotatesAtLogin(t *testing.T) {
	t.Parallel()
	h := webtest.New(t)
	c := h.Anonymous()
	anonToken := c.CSRF()
	anonCookie := c.Cookie("instore_session")
	if anonCookie == "" {
		t.Fatal("no session cookie before login")
	}
	res := c.PostForm("/login", url.Values{"username": {"manager"}, "password": {webtest.Password}})
	res.Body.Close()
	loggedIn := c.Cookie("instore_session")
	if loggedIn == anonCookie {
		t.Fatal("session cookie unchanged by login")
	}
	if c.CSRF() == anonToken {
		t.Fatal("CSRF token unchanged by login")
	}
	for _, ck := range res.Cookies() {
		if ck.Name == "instore_session" && (!ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode) {
			t.Fatalf("cookie flags: %+v", ck)
		}
	}
	// The pre-login cookie is still an anonymous session.
	replay := h.Anonymous()
	replay.SetCookie("instore_session", anonCookie)
	if res := replay.Get("/"); res.StatusCode != http.StatusFound {
		t.Fatalf("pre-login cookie: %d", res.StatusCode)
	}
	// Logging in again ends the first logged-in session.
	res = c.PostForm("/login", url.Values{"username": {"manager"}, "password": {webtest.Password}})
	res.Body.Close()
	replay.SetCookie("instore_session", loggedIn)
	if res := replay.Get("/"); res.StatusCode != http.StatusFound {
		t.Fatalf("cookie of a replaced session still works: %d", res.StatusCode)
	}
	if res := c.Get("/"); res.StatusCode != http.StatusOK {
		t.Fatalf("current session: %d", res.StatusCode)
	}
}

func TestLogoutEndsSession(t *testing.T) {
	t.Parallel()
	h := webtest.New(t)
	c := h.Login("finance")
	cookie := c.Cookie("instore_session")
	res := c.PostForm("/logout", nil)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("logout: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	replay := h.Anonymous()
	replay.SetCookie("instore_session", cookie)
	if res := replay.Get("/"); res.StatusCode != http.StatusFound {
		t.Fatalf("cookie works after logout: %d", res.StatusCode)
	}
	doc := c.Page("/login", http.StatusOK)
	if doc.Find(`[data-testid="flash"]`).Length() != 1 {
		t.Fatal("no logged-out message")
	}
	entries, _ := h.DB.ListAudit(context.Background(), db.AuditFilter{Action: "logout"})
	if len(entries) != 1 || entries[0].Username != "finance" {
		t.Fatalf("logout audit: %+v", entries)
	}
}

func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	t.Parallel()
	h := webtest.New(t)
	a, b := h.Login("manager"), h.Login("manager")
	res := a.PostForm("/account/password", url.Values{"current": {webtest.Password}, "password": {"short"}, "confirm": {"short"}})
	res.Body.Close()
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("short password: %d", res.StatusCode)
	}
	res = a.PostForm("/account/password", url.Values{"current": {"wrong-current-pw"}, "password": {"a-new-password-1"}, "confirm": {"a-new-password-1"}})
	res.Body.Close()
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("wrong current password: %d", res.StatusCode)
	}
	res = a.PostForm("/account/password", url.Values{"current": {webtest.Password}, "password": {"a-new-password-1"}, "confirm": {"a-new-password-1"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: %d", res.StatusCode)
	}
	if res := b.Get("/"); res.StatusCode != http.StatusFound {
		t.Fatalf("other session survived the password change: %d", res.StatusCode)
	}
	if res := a.Get("/"); res.StatusCode != http.StatusOK {
		t.Fatalf("the changing session was logged out: %d", res.StatusCode)
	}
	fresh := h.Anonymous()
	res = fresh.PostForm("/login", url.Values{"username": {"manager"}, "password": {"a-new-password-1"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login with the new password: %d", res.StatusCode)
	}
	u, _ := h.DB.GetUserByUsername(context.Background(), "manager")
	if u.SessionEpoch != 2 {
		t.Fatalf("epoch %d", u.SessionEpoch)
	}
}

func TestIdleExpiry(t *testing.T) {
	t.Parallel()
	h := webtest.New(t)
	c := h.Login("cashier")
	h.Clock.Advance(7*time.Hour + 59*time.Minute)
	if res := c.Get("/"); res.StatusCode != http.StatusOK {
		t.Fatalf("active within 8h: %d", res.StatusCode)
	}
	// Activity moved the idle deadline.
	h.Clock.Advance(7 * time.Hour)
	if res := c.Get("/"); res.StatusCode != http.StatusOK {
		t.Fatalf("7h after last activity: %d", res.StatusCode)
	}
	h.Clock.Advance(8*time.Hour + time.Minute)
	res := c.Get("/")
	if res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Fatalf("idle 8h: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestDisabledUserIsLoggedOut(t *testing.T) {
	t.Parallel()
	h := webtest.New(t)
	c := h.Login("cashier")
	admin := h.Login("admin")
	u, _ := h.DB.GetUserByUsername(context.Background(), "cashier")
	res := admin.PostForm("/admin/users/"+itoa(u.ID)+"/status", url.Values{"disabled": {"1"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", res.StatusCode)
	}
	if res := c.Get("/"); res.StatusCode != http.StatusFound {
		t.Fatalf("disabled user still in: %d", res.StatusCode)
	}
	res = h.Anonymous().PostForm("/login", url.Values{"username": {"cashier"}, "password": {webtest.Password}})
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("disabled user logged in: %d", res.StatusCode)
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	h := webtest.New(t)
	res := h.Anonymous().Get("/login")
	res.Body.Close()
	want := map[string]string{
		"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "same-origin",
	}
	for k, v := range want {
		if got := res.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if res.Header.Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id")
	}
}

func TestLoginRedirectsBackAndRefusesOpenRedirects(t *testing.T) {
	t.Parallel()
	h := webtest.New(t)
	for next, want := range map[string]string{"/admin/audit?action=login": "/admin/audit?action=login", "//evil.example/": "/", "https://evil.example/": "/"} {
		c := h.Anonymous()
		res := c.PostForm("/login", url.Values{"username": {"admin"}, "password": {webtest.Password}, "next": {next}})
		res.Body.Close()
		if got := res.Header.Get("Location"); got != want {
			t.Errorf("next=%q: Location %q, want %q", next, got, want)
		}
	}
}

func TestLanguage(t *testing.T) {
	t.Parallel()
	h := webtest.New(t)
	c := h.Anonymous()
	if doc := c.Page("/login", http.StatusOK); doc.Find("html").AttrOr("lang", "") != "th" || doc.Find("h1").Text() != "เข้าสู่ระบบ" {
		t.Fatalf("default is not Thai: %q", doc.Find("h1").Text())
	}
	if doc := c.Page("/login", http.StatusOK); doc.Find(`[data-testid="lang-en"]`).AttrOr("href", "") != "/lang/en?next=%2Flogin" {
		t.Fatal("no language switch back to this page")
	}
	res := c.Get("/login", "Accept-Language: en-GB,en;q=0.8")
	if doc := h.Doc(res, http.StatusOK); doc.Find("h1").Text() != "Log in" {
		t.Fatalf("Accept-Language en: %q", doc.Find("h1").Text())
	}
	res = c.Get("/lang/en?next=/login")
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("switch: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if doc := c.Page("/login", http.StatusOK); doc.Find("h1").Text() != "Log in" {
		t.Fatalf("cookie en: %q", doc.Find("h1").Text())
	}
}

func TestMetricsCountRoutes(t *testing.T) {
	t.Parallel()
	h := webtest.New(t)
	c := h.Anonymous()
	for _, p := range []string{"/healthz", "/no-such-thing-1", "/no-such-thing-2"} {
		res := c.Get(p)
		res.Body.Close()
	}
	rec := &strings.Builder{}
	srv := h.Metrics.Handler()
	w := &captureWriter{header: http.Header{}, body: rec}
	req, _ := http.NewRequest(http.MethodGet, "/metrics", nil)
	srv.ServeHTTP(w, req)
	out := rec.String()
	if !strings.Contains(out, `instore_http_requests_total{method="GET",route="/healthz",status="200"} 1`) ||
		!strings.Contains(out, `route="unmatched",status="404"} 2`) {
		t.Fatalf("metrics:\n%s", grep(out, "instore_http_requests_total"))
	}
}

type captureWriter struct {
	header http.Header
	body   *strings.Builder
}

func (w *captureWriter) Header() http.Header         { return w.header }
func (w *captureWriter) Write(b []byte) (int, error) { return w.body.Write(b) }
func (w *captureWriter) WriteHeader(int)             {}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
