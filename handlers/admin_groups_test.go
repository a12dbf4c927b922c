package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"instore/db"
)

// An admin makes a group on /admin/groups, scopes a new finance user to it
// on /admin/users, changes the group's stores, and cannot delete it while
// the user is scoped to it; a cashier cannot be given a group.
func TestAdminGroupsPageAndUserScope(t *testing.T) {
	e := newBOEnv(t)
	ctx := context.Background()
	admin := e.login("admin")
	admin.get("/admin/groups")
	if code, body := admin.post("/admin/groups", url.Values{"name": {" "}, "stores": {"store_1"}}); code != http.StatusUnprocessableEntity {
		t.Fatalf("blank name: %d %.300s", code, body)
	}
	if code, body := admin.post("/admin/groups", url.Values{"name": {"North"}, "stores": {"store_1", "store_2"}}); code != http.StatusSeeOther {
		t.Fatalf("create: %d %.300s", code, body)
	}
	g, err := e.db.GetStoreGroupByName(ctx, "North")
	if err != nil || strings.Join(g.Stores, ",") != "store_1,store_2" {
		t.Fatalf("group %+v %v", g, err)
	}
	_, page := admin.get("/admin/groups")
	if !strings.Contains(page, `data-testid="group-North"`) || !strings.Contains(page, `data-testid="admin-tab-groups"`) {
		t.Fatalf("groups page: %.1500s", page)
	}
	scope := "group:" + strconv.FormatInt(g.ID, 10)
	_, page = admin.get("/admin/users")
	if !strings.Contains(page, `value="`+scope+`"`) || !strings.Contains(page, `value="*"`) {
		t.Fatalf("users page offers no group or all stores: %.2000s", page)
	}
	if code, _ := admin.post("/admin/users", url.Values{"username": {"till9"}, "role": {"cashier"}, "store_id": {scope},
		"password": {boPassword}}); code != http.StatusUnprocessableEntity {
		t.Fatalf("cashier over a group: %d", code)
	}
	if code, body := admin.post("/admin/users", url.Values{"username": {"northfin"}, "role": {"finance"}, "store_id": {scope},
		"password": {boPassword}}); code != http.StatusSeeOther {
		t.Fatalf("create scoped user: %d %.500s", code, body)
	}
	u, _ := e.db.GetUserByUsername(ctx, "northfin")
	if u == nil || u.GroupID != g.ID {
		t.Fatalf("northfin %+v", u)
	}
	admin.get("/admin/groups")
	if code, _ := admin.post("/admin/groups/"+strconv.FormatInt(g.ID, 10)+"/delete", url.Values{}); code != http.StatusConflict {
		t.Fatalf("delete in use: %d", code)
	}
	if code, _ := admin.post("/admin/groups/"+strconv.FormatInt(g.ID, 10), url.Values{"name": {"North"}, "stores": {"store_2"}}); code != http.StatusSeeOther {
		t.Fatalf("update: %d", code)
	}
	if code, _ := admin.post("/admin/groups/999", url.Values{"name": {"X"}}); code != http.StatusNotFound {
		t.Fatalf("unknown group: %d", code)
	}
	// Head office: the same user, now over every store.
	admin.get("/admin/users")
	if code, body := admin.post("/admin/users/"+strconv.FormatInt(u.ID, 10), url.Values{"role": {"finance"}, "store_id": {"*"}}); code != http.StatusSeeOther {
		t.Fatalf("to all stores: %d %.300s", code, body)
	}
	if u, _ = e.db.GetUserByUsername(ctx, "northfin"); !u.AllStores || u.GroupID != 0 {
		t.Fatalf("after: %+v", u)
	}
	admin.get("/admin/groups")
	if code, _ := admin.post("/admin/groups/"+strconv.FormatInt(g.ID, 10)+"/delete", url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("delete: %d", code)
	}
	entries, _ := e.db.ListAudit(ctx, db.AuditFilter{Username: "admin"})
	var actions []string
	for _, en := range entries {
		actions = append(actions, en.Action)
	}
	for _, want := range []string{"group.create", "group.update", "group.delete"} {
		if !strings.Contains(strings.Join(actions, " "), want) {
			t.Errorf("audit lacks %s: %v", want, actions)
		}
	}
	if _, page := admin.get("/admin/audit"); !strings.Contains(page, "Store group created") && !strings.Contains(page, "สร้างกลุ่มร้านค้า") {
		t.Errorf("audit page does not word group actions")
	}
}
