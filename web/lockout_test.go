package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"instore/config"
	"instore/db"
	"instore/omise"
	"instore/web"
	"instore/web/webtest"
)

// behindProxy makes the app read the client address from X-Forwarded-For,
// so one test can speak from several addresses.
var behindProxy = webtest.Options{Config: func(c *config.Config) { c.TrustProxy = true }}

func from(ip string) string { return "X-Forwarded-For: " + ip }

// tryLogin posts a login from ip and returns the status.
func tryLogin(t *testing.T, c *webtest.Client, ip, user, pw string) int {
	t.Helper()
	res := c.PostForm("/login", url.Values{"username": {user}, "password": {pw}}, from(ip))
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

func TestLockoutCannotStrandAShop(t *testing.T) {
	t.Parallel()
	h := webtest.New(t, behindProxy)
	const shop, attacker, elsewhere = "203.0.113.10", "198.51.100.7", "192.0.2.44"
	c := h.Anonymous()
	for i := 0; i < 5; i++ {
		if st := tryLogin(t, c, shop, "manager", "wrong password"); st != http.StatusUnauthorized {
			t.Fatalf("manager try %d: %d", i+1, st)
		}
	}
	if st := tryLogin(t, c, shop, "manager", webtest.Password); st != http.StatusTooManyRequests {
		t.Fatalf("manager locked: %d", st)
	}
	// The cashier at the same till, same address, is not locked out.
	if st := tryLogin(t, h.Anonymous(), shop, "cashier", webtest.Password); st != http.StatusSeeOther {
		t.Fatalf("cashier from the shop's address: %d", st)
	}
	// Nor is the manager from another address: the lock is per username
	// and address, so nobody can lock an account by name from afar.
	if st := tryLogin(t, h.Anonymous(), elsewhere, "manager", webtest.Password); st != http.StatusSeeOther {
		t.Fatalf("manager from elsewhere: %d", st)
	}

	// One address trying 50 usernames is stopped at the per-address ceiling.
	a := h.Anonymous()
	refused := 0
	for i := 0; i < 50; i++ {
		switch st := tryLogin(t, a, attacker, "guess"+strconv.Itoa(i), "password123"); st {
		case http.StatusUnauthorized:
			if refused > 0 {
				t.Fatalf("try %d allowed after a refusal", i+1)
			}
		case http.StatusTooManyRequests:
			refused++
		default:
			t.Fatalf("try %d: %d", i+1, st)
		}
	}
	if refused < 25 {
		t.Fatalf("only %d of 50 usernames refused", refused)
	}
	// That address is now closed to everyone; others are not.
	if st := tryLogin(t, h.Anonymous(), attacker, "finance", webtest.Password); st != http.StatusTooManyRequests {
		t.Fatalf("locked address, right password: %d", st)
	}
	if st := tryLogin(t, h.Anonymous(), shop, "finance", webtest.Password); st != http.StatusSeeOther {
		t.Fatalf("finance from the shop: %d", st)
	}
}

// login does what a browser does against any server: fetch the login page
// for the token, then post the form; it returns the status.
func login(t *testing.T, base, user, pw string) int {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	cl := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := cl.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	token := doc.Find(`meta[name="csrf-token"]`).AttrOr("content", "")
	res, err = cl.PostForm(base+"/login", url.Values{"username": {user}, "password": {pw}, "_csrf": {token}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func TestLockoutSurvivesARestart(t *testing.T) {
	t.Parallel()
	h := webtest.New(t)
	for i := 0; i < 5; i++ {
		if st := login(t, h.Server.URL, "manager", "wrong password"); st != http.StatusUnauthorized {
			t.Fatalf("try %d: %d", i+1, st)
		}
	}
	// A new server on the same database file: a restart, or a second
	// instance behind the same load balancer.
	d2, err := db.Open(context.Background(), h.DB.Path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d2.Close() })
	app2, err := web.New(web.Deps{Config: h.Config, DB: d2, Now: h.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv2 := httptest.NewServer(app2)
	t.Cleanup(srv2.Close)
	if st := login(t, srv2.URL, "manager", webtest.Password); st != http.StatusTooManyRequests {
		t.Fatalf("after restart: %d, want 429", st)
	}
	if st := login(t, srv2.URL, "cashier", webtest.Password); st != http.StatusSeeOther {
		t.Fatalf("other user after restart: %d", st)
	}
}

func TestAdminUnlocksUserAndAddress(t *testing.T) {
	t.Parallel()
	h := webtest.New(t, behindProxy)
	const till, noisy = "203.0.113.20", "198.51.100.9"
	c := h.Anonymous()
	for i := 0; i < 6; i++ {
		tryLogin(t, c, till, "cashier", "wrong password")
	}
	for i := 0; i < 25; i++ {
		tryLogin(t, c, noisy, "nobody"+strconv.Itoa(i), "wrong password")
	}
	admin := h.Login("admin")
	doc := admin.Page("/admin/users", http.StatusOK)
	row := doc.Find(`[data-testid="user-cashier"]`)
	if row.Find(`[data-testid="user-locked"]`).Length() != 1 {
		t.Fatalf("cashier not shown as locked: %s", row.Text())
	}
	if doc.Find(`[data-testid="user-manager"] [data-testid="user-locked"]`).Length() != 0 {
		t.Fatal("manager shown as locked")
	}
	addr := doc.Find(`[data-testid="locked-address"]`)
	if addr.Length() != 1 || !strings.Contains(addr.Text(), noisy) {
		t.Fatalf("locked addresses: %q", addr.Text())
	}

	unlock, _ := row.Find(`form[action$="/unlock"]`).Attr("action")
	res := admin.PostForm(unlock, nil)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("unlock: %d", res.StatusCode)
	}
	if st := tryLogin(t, h.Anonymous(), till, "cashier", webtest.Password); st != http.StatusSeeOther {
		t.Fatalf("cashier after unlock: %d", st)
	}
	unlockAddr, _ := addr.Find("form").Attr("action")
	res = admin.PostForm(unlockAddr, nil)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("unlock address: %d", res.StatusCode)
	}
	if st := tryLogin(t, h.Anonymous(), noisy, "finance", webtest.Password); st != http.StatusSeeOther {
		t.Fatalf("finance from the unlocked address: %d", st)
	}

	ctx := context.Background()
	for action, target := range map[string]string{"user.unlock": "cashier", "login.unlock_address": noisy} {
		entries, err := h.DB.ListAudit(ctx, db.AuditFilter{Action: action})
		if err != nil || len(entries) != 1 || entries[0].Username != "admin" || entries[0].Target != target {
			t.Fatalf("audit of %s: %+v %v", action, entries, err)
		}
	}
	if doc := admin.Page("/admin/users", http.StatusOK); doc.Find(`[data-testid="user-locked"], [data-testid="locked-address"]`).Length() != 0 {
		t.Fatal("still shown as locked after unlocking")
	}
}

func TestPasswordChangeIsThrottled(t *testing.T) {
	t.Parallel()
	h := webtest.New(t)
	c := h.Login("cashier")
	change := func(current string) int {
		res := c.PostForm("/account/password", url.Values{"current": {current}, "password": {"a-new-password-1"}, "confirm": {"a-new-password-1"}})
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	for i := 0; i < 5; i++ {
		if st := change("not-my-password"); st != http.StatusUnprocessableEntity {
			t.Fatalf("wrong current %d: %d", i+1, st)
		}
	}
	if st := change(webtest.Password); st != http.StatusTooManyRequests {
		t.Fatalf("6th try with the right password: %d, want 429", st)
	}
	entries, err := h.DB.ListAudit(context.Background(), db.AuditFilter{Action: "password.change"})
	if err != nil || len(entries) != 1 || entries[0].Result != "throttled" {
		t.Fatalf("audit: %+v %v", entries, err)
	}
}

func TestCSRFTokenInQueryIsRefused(t *testing.T) {
	t.Parallel()
	h := webtest.New(t)
	admin := h.Login("admin")
	form := url.Values{"store_id": {"csrf_query"}, "store_name": {"Query"}, "source_type": {omise.SourceBarcodeAlipay}}
	res := admin.PostFormRaw("/admin/stores?_csrf="+url.QueryEscape(admin.CSRF()), form)
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("token in the query: %d, want 403", res.StatusCode)
	}
	if storeExists(t, h, "csrf_query") {
		t.Fatal("store created with the token in the query")
	}
	// In a multipart body it is found.
	body := &strings.Builder{}
	body.WriteString("--b\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n" + admin.CSRF() + "\r\n")
	for k, v := range form {
		body.WriteString("--b\r\nContent-Disposition: form-data; name=\"" + k + "\"\r\n\r\n" + v[0] + "\r\n")
	}
	body.WriteString("--b--\r\n")
	res = admin.Request(http.MethodPost, "/admin/stores", strings.NewReader(body.String()), "Content-Type: multipart/form-data; boundary=b")
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !storeExists(t, h, "csrf_query") {
		t.Fatalf("multipart form with the token: %d", res.StatusCode)
	}
}
