package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"instore/db"
	"instore/web"
	"instore/web/webtest"
)

// concretePath fills a route template with plausible values.
func concretePath(p string) string {
	p = regexp.MustCompile(`:store\b`).ReplaceAllString(p, "store_1234")
	p = regexp.MustCompile(`:[a-zA-Z_]+`).ReplaceAllString(p, "x")
	return strings.ReplaceAll(p, "*", "x")
}

var matrixRoles = []string{"", "cashier", "manager", "finance", "admin"} // "" = anonymous

// TestRouteRoleMatrix walks every route echo knows and checks, for each
// role and for anonymous visitors, the answer the route's rule promises.
// A route registered without a rule fails here (and in web.New).
func TestRouteRoleMatrix(t *testing.T) {
	t.Parallel()
	h := webtest.New(t)
	rules := h.App.RouteRules()
	routes := h.App.Echo.Routes()
	if len(routes) < 20 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	sort.Slice(routes, func(i, j int) bool { return routes[i].Path+routes[i].Method < routes[j].Path+routes[j].Method })
	users := map[string]*db.User{}
	for _, name := range matrixRoles[1:] {
		u, err := h.DB.GetUserByUsername(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		users[name] = u
	}
	for _, rt := range routes {
		rule, ok := rules[rt.Method+" "+rt.Path]
		if !ok {
			t.Errorf("%s %s has no authorization rule", rt.Method, rt.Path)
			continue
		}
		if rt.Method != http.MethodGet && rt.Method != http.MethodPost {
			continue // Any() routes: GET and POST stand for the rest
		}
		for _, role := range matrixRoles {
			t.Run(rt.Method+" "+rt.Path+" as "+or(role, "anonymous"), func(t *testing.T) {
				c := h.Anonymous()
				if role != "" {
					c = h.Login(role)
				}
				checkAnswer(t, c, rt.Method, concretePath(rt.Path), rule, users[role], false)
				if role == "" && !rule.Allows(nil) {
					checkAnswer(t, c, rt.Method, concretePath(rt.Path), rule, nil, true)
				}
			})
		}
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func checkAnswer(t *testing.T, c *webtest.Client, method, path string, rule web.Rule, u *db.User, asJSON bool) {
	t.Helper()
	accept := "Accept: text/html"
	if asJSON {
		accept = "Accept: application/json"
	}
	var res *http.Response
	if method == http.MethodPost {
		res = c.PostForm(path, url.Values{}, accept)
	} else {
		res = c.Request(method, path, nil, accept)
	}
	defer res.Body.Close()
	denied := res.Header.Get("X-Instore-Denied")
	asJSON = asJSON || strings.HasPrefix(path, "/api/") // the API always answers JSON
	switch {
	case rule.Allows(u):
		if denied != "" {
			t.Fatalf("allowed, but got %d denied=%q", res.StatusCode, denied)
		}
	case u == nil && asJSON:
		if res.StatusCode != http.StatusUnauthorized || denied != "login" {
			t.Fatalf("anonymous JSON: got %d denied=%q, want 401", res.StatusCode, denied)
		}
	case u == nil:
		loc, login := res.Header.Get("Location"), "/login"
		if rule.Display {
			login = "/display" // a customer display pairs there; the page links to /login
		}
		if res.StatusCode != http.StatusFound || !strings.HasPrefix(loc, login) || denied != "login" {
			t.Fatalf("anonymous: got %d Location=%q, want 302 to %s", res.StatusCode, loc, login)
		}
		if method == http.MethodGet && loc != login+"?next="+url.QueryEscape(path) {
			t.Fatalf("anonymous GET: Location %q does not come back to %s", loc, path)
		}
	default:
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusForbidden || denied != "role" {
			t.Fatalf("%s: got %d denied=%q, want 403", u.Role, res.StatusCode, denied)
		}
		if !strings.Contains(string(body), "คุณไม่มีสิทธิ์เข้าถึงหน้านี้") || !strings.Contains(string(body), "You do not have access to this page.") {
			t.Fatalf("403 page is not in Thai and English: %.500s", body)
		}
	}
}

// web.New refuses a route registered behind the router's back.
func TestRuleAllows(t *testing.T) {
	t.Parallel()
	admin := &db.User{Role: db.RoleAdmin}
	cashier := &db.User{Role: db.RoleCashier, StoreID: "s"}
	disabled := &db.User{Role: db.RoleAdmin, Disabled: true}
	cases := []struct {
		rule web.Rule
		u    *db.User
		want bool
	}{
		{web.Public, nil, true},
		{web.Stateless, nil, true},
		{web.LoggedIn, nil, false},
		{web.LoggedIn, cashier, true},
		{web.LoggedIn, disabled, false},
		{web.Roles(db.RoleAdmin), cashier, false},
		{web.Roles(db.RoleAdmin), admin, true},
		{web.Roles(db.RoleCashier, db.RoleManager), cashier, true},
		{web.Roles(), admin, false},
	}
	for i, c := range cases {
		if got := c.rule.Allows(c.u); got != c.want {
			t.Errorf("case %d: %v", i, got)
		}
	}
}

func TestStaticAndHealthAreStateless(t *testing.T) {
	t.Parallel()
	h := webtest.New(t)
	c := h.Anonymous()
	doc := c.Page("/login", http.StatusOK)
	css := doc.Find(`link[rel="stylesheet"]`).AttrOr("href", "")
	for _, p := range []string{css, "/healthz"} {
		res := c.Get(p)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Header.Get("Set-Cookie") != "" {
			t.Fatalf("%s: %d, Set-Cookie %q", p, res.StatusCode, res.Header.Get("Set-Cookie"))
		}
		if p == css && !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
			t.Fatalf("%s: Cache-Control %q", p, res.Header.Get("Cache-Control"))
		}
	}
	res := c.Get("/static/app.00000000.css")
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("stale hash: %d", res.StatusCode)
	}
}
