package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// TestDisplayNames: an admin gives a new user a Thai display name, the
// user's header shows it, a rename is audited with the person named, and a
// name too long is refused with the form's message.
func TestDisplayNames(t *testing.T) {
	e := newBOEnv(t)
	admin := e.login("admin")
	admin.get("/admin/users")
	status, body := admin.post("/admin/users", url.Values{"username": {"somsri"}, "display_name": {"  สมศรี มีสุข "},
		"role": {"cashier"}, "store_id": {"store_1"}, "password": {boPassword}})
	if status != http.StatusSeeOther {
		t.Fatalf("create: %d %.400s", status, body)
	}
	u, err := e.db.GetUserByUsername(context.Background(), "somsri")
	if err != nil || u.DisplayName != "สมศรี มีสุข" {
		t.Fatalf("stored %+v %v", u, err)
	}
	_, page := e.login("somsri").get("/till")
	if who := doc(t, page).Find(`[data-testid="whoami"] a`).Text(); who != "สมศรี มีสุข" {
		t.Fatalf("header names %q", who)
	}

	admin.get("/admin/users")
	id := strconv.FormatInt(u.ID, 10)
	if status, body = admin.post("/admin/users/"+id+"/name", url.Values{"display_name": {strings.Repeat("ก", 61)}}); status != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "60") {
		t.Fatalf("too long: %d", status)
	}
	admin.get("/admin/users")
	if status, _ = admin.post("/admin/users/"+id+"/name", url.Values{"display_name": {"Somsri M."}}); status != http.StatusSeeOther {
		t.Fatalf("rename: %d", status)
	}
	_, page = admin.get("/admin/users")
	if v := doc(t, page).Find(`[data-testid="user-somsri"] [data-testid="display-name"]`).AttrOr("value", ""); v != "Somsri M." {
		t.Fatalf("users page shows %q", v)
	}
	_, page = admin.get("/admin/audit?action=user.name")
	row := doc(t, page).Find(`[data-testid="audit-row"]`)
	if row.Length() != 1 || !strings.Contains(row.Text(), "สมศรี มีสุข") || !strings.Contains(row.Text(), "Somsri M.") {
		t.Fatalf("audit row: %q", row.Text())
	}
}

func doc(t *testing.T, body string) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestChargePageNamesPeople: the charge page names its cashier by display
// name, with the username beside it, once they have one.
func TestChargePageNamesPeople(t *testing.T) {
	e := newBOEnv(t)
	admin := e.login("admin")
	admin.get("/admin/users")
	if status, body := admin.post("/admin/users", url.Values{"username": {"somchai"}, "display_name": {"สมชาย ใจดี"},
		"role": {"cashier"}, "store_id": {"store_1"}, "password": {boPassword}}); status != http.StatusSeeOther {
		t.Fatalf("create: %d %.400s", status, body)
	}
	ch := e.charge("store_1", "T1", 48000, "successful") // its metadata names cashier somchai
	_, page := admin.get("/charges/" + ch.ID)
	if got := strings.TrimSpace(doc(t, page).Find(`[data-testid="field-cashier"]`).Text()); got != "สมชาย ใจดี (somchai)" {
		t.Fatalf("cashier shown as %q", got)
	}
}
