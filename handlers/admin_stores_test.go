package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"instore/db"
	"instore/web/webtest"
)

func TestAdminStoreConfirmAbove(t *testing.T) {
	h := webtest.New(t)
	admin := h.Login("admin")
	ctx := context.Background()
	store := func(id string) *db.Store {
		t.Helper()
		s, err := h.DB.GetStore(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// The new-store form offers the default, as baht.
	doc := admin.Page("/admin/stores", http.StatusOK)
	if v := doc.Find(`[data-testid="new-store-confirm-above"]`).AttrOr("value", ""); v != "5,000.00" {
		t.Fatalf("new-store threshold %q", v)
	}
	if v := doc.Find(`[data-testid="store-store_1234"] [data-testid="store-confirm-above"]`).AttrOr("value", ""); v != "5,000.00" {
		t.Fatalf("row threshold %q", v)
	}
	// The shared grammar: a comma in the wrong place is refused, and nothing is created.
	res := admin.PostForm("/admin/stores", url.Values{"store_id": {"s9"}, "store_name": {"Nine"}, "source_type": {"barcode_alipay"}, "confirm_above": {"25,00"}})
	if doc := h.Doc(res, http.StatusUnprocessableEntity); doc.Find(`[data-testid="error-confirm_above"]`).Length() != 1 ||
		doc.Find(`[data-testid="new-store-confirm-above"]`).AttrOr("value", "") != "25,00" {
		t.Fatal("bad threshold not reported with the text kept")
	}
	if _, err := h.DB.GetStore(ctx, "s9"); err == nil {
		t.Fatal("store created despite a bad threshold")
	}
	res = admin.PostForm("/admin/stores", url.Values{"store_id": {"s9"}, "store_name": {"Nine"}, "source_type": {"barcode_alipay"}, "confirm_above": {"๑๒,๐๐๐.๕"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || store("s9").ConfirmAbove != 1200050 {
		t.Fatalf("create with threshold: %d %+v", res.StatusCode, store("s9"))
	}
	// Edits: a new value, 0 (never ask), refusals, and a request without
	// the field keeps the value.
	for _, tc := range []struct {
		confirm []string // nil: field absent
		status  int
		want    int64
	}{
		{[]string{"7,500"}, http.StatusSeeOther, 750000},
		{[]string{"0"}, http.StatusSeeOther, 0},
		{[]string{"-1"}, http.StatusUnprocessableEntity, 0},
		{[]string{""}, http.StatusUnprocessableEntity, 0},
		{[]string{"1,000,000.01"}, http.StatusUnprocessableEntity, 0},
		{[]string{"1,000,000"}, http.StatusSeeOther, 100000000},
		{nil, http.StatusSeeOther, 100000000},
	} {
		form := url.Values{"store_name": {"Some Store"}, "source_type": {"barcode_alipay"}}
		if tc.confirm != nil {
			form["confirm_above"] = tc.confirm
		}
		res := admin.PostForm("/admin/stores/store_1234", form)
		res.Body.Close()
		if got := store("store_1234").ConfirmAbove; res.StatusCode != tc.status || got != tc.want {
			t.Fatalf("edit %v: %d, threshold %d; want %d, %d", tc.confirm, res.StatusCode, got, tc.status, tc.want)
		}
	}
	// The till of that store gets the threshold.
	form := admin.Page("/till?store=store_1234", http.StatusOK).Find(`[data-testid="till-form"]`)
	if form.AttrOr("data-confirm-above", "") != "100000000" {
		t.Fatalf("till threshold %q", form.AttrOr("data-confirm-above", ""))
	}
	// Changes are audited with the threshold.
	entries, err := h.DB.ListAudit(ctx, db.AuditFilter{Username: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range entries {
		found = found || (e.Action == "store.update" && e.Target == "store_1234" && strings.Contains(e.After, `"confirm_above":750000`))
	}
	if !found {
		t.Fatal("threshold change not audited")
	}
}

// An id typed in other capitals than an existing one is refused next to its
// field, in Thai and English, and nothing is created.
func TestAdminRefusesIDsDifferingOnlyInCapitals(t *testing.T) {
	h := webtest.New(t)
	admin := h.Login("admin")
	ctx := context.Background()
	res := admin.PostForm("/admin/terminals", url.Values{"store_id": {"store_1234"}, "terminal_id": {" pos-01 "}})
	doc := h.Doc(res, http.StatusUnprocessableEntity)
	if doc.Find(`[data-testid="field-error-terminal_id"]`).Length() != 1 {
		t.Fatal("terminal id in other capitals: no error at the field")
	}
	if errs := doc.Find(`[data-testid="form-errors"]`).Text(); !strings.Contains(errs, "capital and small letters") || !strings.Contains(errs, "ตัวพิมพ์ใหญ่") {
		t.Fatalf("terminal error not in both languages: %q", errs)
	}
	if ts, _ := h.DB.ListTerminals(ctx, "store_1234"); len(ts) != 2 {
		t.Fatalf("terminals: %d", len(ts))
	}
	res = admin.PostForm("/admin/stores", url.Values{"store_id": {"STORE_1234"}, "store_name": {"Copy"}, "source_type": {"barcode_alipay"}})
	if doc := h.Doc(res, http.StatusUnprocessableEntity); doc.Find(`[data-testid="field-error-store_id"]`).Length() != 1 {
		t.Fatal("store id in other capitals: no error at the field")
	}
	if stores, _ := h.DB.ListStores(ctx); len(stores) != len(webtest.Stores) {
		t.Fatalf("stores: %d", len(stores))
	}
}
