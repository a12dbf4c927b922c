package handlers_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"instore/db"
	"instore/web/webtest"
)

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAdminCreatesUsersWithValidation(t *testing.T) {
	h := webtest.New(t)
	admin := h.Login("admin")
	doc := admin.Page("/admin/users", http.StatusOK)
	if n := doc.Find(`[data-testid="users"] tbody tr`).Length(); n != len(webtest.Users) {
		t.Fatalf("%d user rows", n)
	}

	bad := url.Values{"username": {"X"}, "role": {"cashier"}, "store_id": {""}, "password": {"short"}}
	res := admin.PostForm("/admin/users", bad)
	doc = h.Doc(res, http.StatusUnprocessableEntity)
	for _, f := range []string{"username", "store_id", "password"} {
		if doc.Find(`[data-testid="error-`+f+`"]`).Length() != 1 {
			t.Errorf("no error shown for %s", f)
		}
	}
	errs := doc.Find(`[data-testid="form-errors"]`).Text()
	if !strings.Contains(errs, "Username: 3–32") || !strings.Contains(errs, "ชื่อผู้ใช้: 3–32") {
		t.Fatalf("errors not in both languages: %q", errs)
	}
	if n, _ := h.DB.CountUsers(context.Background()); n != len(webtest.Users) {
		t.Fatal("a user was created from a bad form")
	}

	res = admin.PostForm("/admin/users", url.Values{"username": {"manager"}, "role": {"manager"}, "store_id": {"store_1234"}, "password": {webtest.Password}})
	if doc := h.Doc(res, http.StatusUnprocessableEntity); doc.Find(`[data-testid="error-username"]`).Length() != 1 {
		t.Fatal("duplicate username not reported")
	}

	res = admin.PostForm("/admin/users", url.Values{"username": {"newbie"}, "role": {"cashier"}, "store_id": {"store_5678"}, "password": {webtest.Password}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", res.StatusCode)
	}
	if doc := admin.Page("/admin/users", http.StatusOK); doc.Find(`[data-testid="flash"]`).Length() != 1 || doc.Find(`[data-testid="user-newbie"]`).Length() != 1 {
		t.Fatal("created user or flash not shown")
	}
	newbie := h.Login("newbie")
	if doc := newbie.Page("/", http.StatusOK); doc.Find(`[data-testid="home-till"]`).Length() != 1 || doc.Find(`[data-testid="role"]`).Text() != "แคชเชียร์" {
		t.Fatal("new cashier's home page")
	}
	entries, _ := h.DB.ListAudit(context.Background(), db.AuditFilter{Action: "user.create", Target: "newbie"})
	if len(entries) != 1 || entries[0].Username != "admin" || entries[0].IP == "" {
		t.Fatalf("audit: %+v", entries)
	}
}

func userID(t *testing.T, h *webtest.Harness, name string) string {
	t.Helper()
	u, err := h.DB.GetUserByUsername(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(u.ID, 10)
}

func TestAdminChangesRolesAndPasswords(t *testing.T) {
	h := webtest.New(t)
	admin := h.Login("admin")
	finance := h.Login("finance")

	res := admin.PostForm("/admin/users/"+userID(t, h, "finance"), url.Values{"role": {"manager"}, "store_id": {""}})
	if b := body(t, res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(b, "Choose a store") {
		t.Fatalf("manager without store: %d", res.StatusCode)
	}
	res = admin.PostForm("/admin/users/"+userID(t, h, "finance"), url.Values{"role": {"manager"}, "store_id": {"store_5678"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("role change: %d", res.StatusCode)
	}
	if res := finance.Get("/"); res.StatusCode != http.StatusFound {
		t.Fatalf("session kept across a role change: %d", res.StatusCode)
	}
	u, _ := h.DB.GetUserByUsername(context.Background(), "finance")
	if u.Role != db.RoleManager || u.StoreID != "store_5678" {
		t.Fatalf("after change: %+v", u)
	}

	// An admin cannot disable or demote themselves.
	res = admin.PostForm("/admin/users/"+userID(t, h, "admin")+"/status", url.Values{"disabled": {"1"}})
	if b := body(t, res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(b, "your own account") {
		t.Fatalf("self-disable: %d", res.StatusCode)
	}

	res = admin.PostForm("/admin/users/"+userID(t, h, "cashier")+"/password", url.Values{"password": {"short"}})
	res.Body.Close()
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("short reset: %d", res.StatusCode)
	}
	res = admin.PostForm("/admin/users/"+userID(t, h, "cashier")+"/password", url.Values{"password": {"brand-new-password"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset: %d", res.StatusCode)
	}
	res = admin.PostForm("/admin/users/99999/status", url.Values{"disabled": {"1"}})
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown user: %d", res.StatusCode)
	}
}

func TestAdminStoresAndTerminals(t *testing.T) {
	h := webtest.New(t)
	admin := h.Login("admin")
	res := admin.PostForm("/admin/stores", url.Values{"store_id": {"bad id!"}, "store_name": {" "}, "source_type": {"alipay"}})
	doc := h.Doc(res, http.StatusUnprocessableEntity)
	for _, f := range []string{"store_id", "store_name", "methods"} {
		if doc.Find(`[data-testid="error-`+f+`"]`).Length() != 1 {
			t.Errorf("no error for %s", f)
		}
	}
	res = admin.PostForm("/admin/stores", url.Values{"store_id": {"store_1234"}, "store_name": {"Again"}, "source_type": {"barcode_alipay"}})
	if doc := h.Doc(res, http.StatusUnprocessableEntity); doc.Find(`[data-testid="error-store_id"]`).Length() != 1 {
		t.Fatal("duplicate store id not reported")
	}
	res = admin.PostForm("/admin/stores", url.Values{"store_id": {"bkk-01"}, "store_name": {"ร้านกาแฟ สยาม"}, "source_type": {"alipayplus_upm"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create store: %d", res.StatusCode)
	}
	res = admin.PostForm("/admin/stores/bkk-01", url.Values{"store_name": {"ร้านกาแฟ สาขาสยาม"}, "source_type": {"barcode_alipay"}})
	res.Body.Close()
	s, err := h.DB.GetStore(context.Background(), "bkk-01")
	if res.StatusCode != http.StatusSeeOther || err != nil || s.StoreName != "ร้านกาแฟ สาขาสยาม" || strings.Join(s.Methods, ",") != "barcode_alipay" {
		t.Fatalf("edit store: %d %+v %v", res.StatusCode, s, err)
	}
	// A store takes a set of methods, kept in the registry's order.
	res = admin.PostForm("/admin/stores/bkk-01", url.Values{"store_name": {"ร้านกาแฟ สาขาสยาม"},
		"methods": {"alipayplus_upm", "barcode_alipay"}})
	res.Body.Close()
	s, err = h.DB.GetStore(context.Background(), "bkk-01")
	if res.StatusCode != http.StatusSeeOther || err != nil || strings.Join(s.Methods, ",") != "barcode_alipay,alipayplus_upm" {
		t.Fatalf("edit methods: %d %+v %v", res.StatusCode, s, err)
	}
	for _, bad := range []url.Values{{"methods": {"barcode_alipay", "card"}}, {"source_type": {"card"}}, {}} {
		bad.Set("store_name", "ร้านกาแฟ สาขาสยาม")
		res = admin.PostForm("/admin/stores/bkk-01", bad)
		res.Body.Close()
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("methods %v: %d", bad, res.StatusCode)
		}
	}
	res = admin.PostForm("/admin/stores/nope", url.Values{"store_name": {"x"}, "source_type": {"barcode_alipay"}})
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("edit missing store: %d", res.StatusCode)
	}

	res = admin.PostForm("/admin/terminals", url.Values{"store_id": {"bkk-01"}, "terminal_id": {"POS 1"}})
	if doc := h.Doc(res, http.StatusUnprocessableEntity); doc.Find(`[data-testid="error-terminal_id"]`).Length() != 1 {
		t.Fatal("bad terminal id not reported")
	}
	res = admin.PostForm("/admin/terminals", url.Values{"store_id": {"bkk-01"}, "terminal_id": {"POS-01"}, "label": {"หน้าร้าน"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add terminal: %d", res.StatusCode)
	}
	res = admin.PostForm("/admin/terminals", url.Values{"store_id": {"bkk-01"}, "terminal_id": {"POS-01"}})
	if doc := h.Doc(res, http.StatusUnprocessableEntity); doc.Find(`[data-testid="error-terminal_id"]`).Length() != 1 {
		t.Fatal("duplicate terminal not reported")
	}
	res = admin.PostForm("/admin/terminals/bkk-01/POS-01", url.Values{"label": {"Counter"}})
	res.Body.Close()
	tm, _ := h.DB.GetTerminal(context.Background(), "bkk-01", "POS-01")
	if res.StatusCode != http.StatusSeeOther || tm.Label != "Counter" {
		t.Fatalf("edit terminal: %d %+v", res.StatusCode, tm)
	}
	doc = admin.Page("/admin/terminals?store=bkk-01", http.StatusOK)
	if n := doc.Find(`[data-testid="terminals"] tbody tr`).Length(); n != 1 {
		t.Fatalf("filtered terminals: %d rows", n)
	}
}

func TestAdminAuditFiltersAndPages(t *testing.T) {
	h := webtest.New(t)
	names := []string{"manager", "finance", "cashier", "manager2", "manager"}
	for i := 0; i < 55; i++ {
		name := names[i%len(names)]
		res := h.Anonymous().PostForm("/login", url.Values{"username": {name}, "password": {"wrong-password"}})
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, res.StatusCode)
		}
		h.Clock.Advance(4 * time.Minute) // keeps the per-IP window from filling
	}
	admin := h.Login("admin")
	doc := admin.Page("/admin/audit?action=login", http.StatusOK)
	rows := doc.Find(`[data-testid="audit-row"]`)
	if rows.Length() != 50 {
		t.Fatalf("first page: %d rows", rows.Length())
	}
	older, ok := doc.Find(`[data-testid="audit-older"]`).Attr("href")
	if !ok {
		t.Fatal("no link to older entries")
	}
	doc = admin.Page(older, http.StatusOK)
	if n := doc.Find(`[data-testid="audit-row"]`).Length(); n != 6 { // 55 failures + the admin's login
		t.Fatalf("second page: %d rows", n)
	}
	doc = admin.Page("/admin/audit?username=manager2", http.StatusOK)
	if n := doc.Find(`[data-testid="audit-row"]`).Length(); n != 11 {
		t.Fatalf("username filter: %d rows", n)
	}
	doc = admin.Page("/admin/audit?target=store_1234", http.StatusOK)
	if n := doc.Find(`[data-testid="audit-row"][data-action="store.create"]`).Length(); n != 1 {
		t.Fatalf("target filter: %d rows", n)
	}
}

// An admin's own password is changed on /account/password, which asks for
// the current one; the users page's reset form, which does not, refuses the
// admin's own account and leaves the password and the session as they were.
func TestAdminCannotResetOwnPasswordWithoutTheCurrentOne(t *testing.T) {
	h := webtest.New(t)
	admin := h.Login("admin")
	doc := admin.Page("/admin/users", http.StatusOK)
	if doc.Find(`[data-testid="user-admin"] [data-testid="reset-password"]`).Length() != 0 ||
		doc.Find(`[data-testid="user-admin"] [data-testid="own-password"]`).AttrOr("href", "") != "/account/password" {
		t.Fatal("own row: reset form shown, or no link to the password page")
	}
	if doc.Find(`[data-testid="user-cashier"] [data-testid="reset-password"]`).Length() != 1 {
		t.Fatal("other users' reset form missing")
	}
	res := admin.PostForm("/admin/users/"+userID(t, h, "admin")+"/password", url.Values{"password": {"taken-over-password"}})
	if b := body(t, res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(b, "password page") {
		t.Fatalf("own reset: %d", res.StatusCode)
	}
	u, _ := h.DB.GetUserByUsername(context.Background(), "admin")
	if hash, _ := h.DB.UserPasswordHash(context.Background(), u.ID); db.CheckPassword(hash, "taken-over-password") {
		t.Fatal("own password reset without the current one")
	}
	res = admin.Get("/admin/users")
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("session after a refused reset: %d", res.StatusCode)
	}
}
