package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"instore/db"
	"instore/omise"
)

func parseDoc(t *testing.T, body string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func rowIDs(doc *goquery.Document) []string {
	var ids []string
	doc.Find(`[data-testid=charge-row]`).Each(func(_ int, s *goquery.Selection) {
		ids = append(ids, s.AttrOr("data-charge", ""))
	})
	return ids
}

func TestChargeListFiltersPagesAndScope(t *testing.T) {
	e := newBOEnv(t)
	var ids []string // newest last
	for i := 0; i < 7; i++ {
		status := omise.StatusSuccessful
		if i == 3 {
			status = omise.StatusFailed
		}
		ids = append(ids, e.charge("store_1", "T1", int64(2000+i*1000), status).ID)
		e.clock.Advance(time.Second)
	}
	other := e.charge("store_2", "T1", 9900, omise.StatusSuccessful)
	m := e.login("manager")

	// Newest first, three a page, all pages together are every charge once.
	var seen []string
	next := "/charges?limit=3"
	for next != "" {
		code, body := m.get(next)
		if code != http.StatusOK {
			t.Fatalf("%s: %d", next, code)
		}
		doc := parseDoc(t, body)
		seen = append(seen, rowIDs(doc)...)
		next = doc.Find(`[data-testid=page-next]`).AttrOr("href", "")
		if strings.Contains(body, other.ID) {
			t.Fatal("a manager saw another store's charge")
		}
	}
	if len(seen) != 7 || seen[0] != ids[6] || seen[6] != ids[0] {
		t.Fatalf("pages = %v, charges %v", seen, ids)
	}

	_, body := m.get("/charges?status=failed")
	doc := parseDoc(t, body)
	if got := rowIDs(doc); len(got) != 1 || got[0] != ids[3] || doc.Find(`[data-testid=totals-count]`).Text() != "1" {
		t.Fatalf("failed filter: %v", got)
	}
	_, body = m.get("/charges?min=30&max=40.00")
	if got := rowIDs(parseDoc(t, body)); len(got) != 2 {
		t.Fatalf("amount filter: %v", got)
	}
	_, body = m.get("/charges?q=" + ids[2])
	if got := rowIDs(parseDoc(t, body)); len(got) != 1 || got[0] != ids[2] {
		t.Fatalf("id search: %v", got)
	}
	_, body = m.get("/charges?q=5678")
	if got := rowIDs(parseDoc(t, body)); len(got) != 7 {
		t.Fatalf("last-4 search: %v", got)
	}
	today := time.Now().In(time.FixedZone("ICT", 7*3600)).Format("2006-01-02")
	_, body = m.get("/charges?from=" + today + "&to=" + today)
	doc = parseDoc(t, body)
	if got := rowIDs(doc); len(got) != 7 || doc.Find(`[data-testid=totals-gross]`).Text() == "฿0.00" {
		t.Fatalf("date filter: %v", got)
	}

	// Bad input: 422 with both languages, and no rows.
	code, body := m.get("/charges?from=2025-13-01&min=abc&store=store_2")
	doc = parseDoc(t, body)
	if code != http.StatusUnprocessableEntity || doc.Find(`[data-testid=charge-row]`).Length() != 0 ||
		!strings.Contains(body, "Use a date like") || !strings.Contains(body, "กรุณาใช้วันที่") ||
		doc.Find(`[data-testid=error-store]`).Length() != 1 || doc.Find(`[data-testid=error-min]`).Length() != 1 {
		t.Fatalf("bad filter: %d %.1500s", code, body)
	}

	// The row fragment says whether the charge matches the page's filter.
	_, row := m.get("/charges/" + ids[3] + "/row?status=failed")
	if !strings.Contains(row, `data-match="true"`) || !strings.HasPrefix(strings.TrimSpace(row), "<tr") {
		t.Fatalf("row: %s", row)
	}
	_, row = m.get("/charges/" + ids[3] + "/row?status=pending")
	if !strings.Contains(row, `data-match="false"`) {
		t.Fatalf("row: %s", row)
	}

	// An admin sees every store, and may pick one.
	a := e.login("admin")
	_, body = a.get("/charges?store=store_2")
	if got := rowIDs(parseDoc(t, body)); len(got) != 1 || got[0] != other.ID {
		t.Fatalf("admin store filter: %v", got)
	}
}

func TestChargePageShowsEverything(t *testing.T) {
	e := newBOEnv(t)
	failed := e.charge("store_1", "T1", 12345, omise.StatusFailed)
	m := e.login("manager")
	code, body := m.get("/charges/" + failed.ID)
	doc := parseDoc(t, body)
	if code != http.StatusOK {
		t.Fatalf("%d", code)
	}
	for sel, want := range map[string]string{
		"field-amount": "฿123.45", "field-fee": "—", "field-barcode": "28",
		"field-store": "store_1", "field-terminal": "T1", "field-cashier": "somchai",
	} {
		if got := doc.Find(`[data-testid=` + sel + `]`).Text(); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %q", sel, got, want)
		}
	}
	if st := doc.Find(`[data-testid=field-status]`).AttrOr("data-state", ""); st != "failed" {
		t.Errorf("field-status state %q", st)
	}
	failure := doc.Find(`[data-testid=field-failure]`).Text()
	if !strings.Contains(failure, "insufficient_balance") || !strings.Contains(failure, "balance was too low") || !strings.Contains(failure, "ไม่เพียงพอ") {
		t.Fatalf("failure = %q", failure)
	}
	if doc.Find(`[data-testid=refund-form]`).Length() != 0 || doc.Find(`[data-testid=expire-form]`).Length() != 0 {
		t.Fatal("a failed charge offers refund or expire")
	}
	if doc.Find(`[data-testid=timeline-item]`).Length() < 1 {
		t.Fatal("no timeline")
	}
	// Finance reads but gets no forms.
	_, body = e.login("finance").get("/charges/" + failed.ID)
	if parseDoc(t, body).Find(`[data-testid=sync-form]`).Length() != 0 {
		t.Fatal("finance sees the sync form")
	}
}

var expireKey = extractor(`name="idempotency_key" value="([^"]+)" data-testid="expire-key"`)

func TestExpireOverHTTP(t *testing.T) {
	e := newBOEnv(t)
	ch := e.charge("store_1", "T2", 5000, omise.StatusPending)
	m := e.login("manager")
	path := "/charges/" + ch.ID
	_, page := m.get(path)
	if parseDoc(t, page).Find(`[data-testid=expire-form]`).Length() != 1 {
		t.Fatal("no expire form on a pending charge")
	}
	key := expireKey(page)
	// Without the confirmation box nothing happens, and the form drawn
	// again keeps its key.
	code, body := m.post(path+"/expire", url.Values{"idempotency_key": {key}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "Tick the box") || expireKey(body) != key {
		t.Fatalf("unconfirmed: %d", code)
	}
	// A form without its key (a stale page, a hand-made request) is refused.
	if code, body := m.post(path+"/expire", url.Values{"confirm": {"yes"}}); code != http.StatusUnprocessableEntity || !strings.Contains(body, "out of date") {
		t.Fatalf("no key: %d %.300s", code, body)
	}
	if got, _ := e.db.GetCharge(context.Background(), ch.ID); got.Status != "pending" {
		t.Fatalf("unconfirmed expire changed the charge: %s", got.Status)
	}
	confirmed := url.Values{"confirm": {"yes"}, "idempotency_key": {key}}
	if code, _ := m.post(path+"/expire", confirmed); code != http.StatusSeeOther {
		t.Fatalf("expire: %d", code)
	}
	if got, _ := e.db.GetCharge(context.Background(), ch.ID); got.Status != "expired" {
		t.Fatalf("after expire: %s", got.Status)
	}
	// The same form again (a double click, a retried request) gets the
	// first outcome, not a refusal, and Omise is not asked again.
	if code, body := m.post(path+"/expire", confirmed); code != http.StatusSeeOther {
		t.Fatalf("the same form again: %d %.300s", code, body)
	}
	if n := e.sim.Stats().Requests["POST /charges/{id}/expire"]; n != 1 {
		t.Fatalf("Omise asked to expire %d times", n)
	}
	// A new form on the expired charge, or one on a successful charge, is
	// refused with a reason.
	paid := e.charge("store_1", "T1", 5000, omise.StatusSuccessful)
	for _, id := range []string{ch.ID, paid.ID} {
		code, body := m.post("/charges/"+id+"/expire", url.Values{"confirm": {"yes"}, "idempotency_key": {"another-form-" + id}})
		if code != http.StatusConflict || !strings.Contains(body, "Only a pending charge") || !strings.Contains(body, "ยกเลิกได้เฉพาะรายการที่รอชำระ") {
			t.Fatalf("expire of %s: %d %s", id, code, body)
		}
	}
	if got, _ := e.db.GetCharge(context.Background(), paid.ID); got.Status != "successful" {
		t.Fatalf("refused expire changed the charge: %s", got.Status)
	}
	audit, _ := e.db.ListAudit(context.Background(), db.AuditFilter{Action: "charge.expire"})
	if len(audit) != 3 || audit[2].Result != "ok" || audit[2].IP == "" || audit[2].RequestKey != key {
		t.Fatalf("audit = %+v", audit)
	}
}

func TestSyncOverHTTP(t *testing.T) {
	e := newBOEnv(t)
	ch := e.charge("store_1", "T1", 5000, omise.StatusPending)
	if _, err := e.sim.MarkPaid(ch.ID); err != nil { // no webhook: we do not know yet
		t.Fatal(err)
	}
	m := e.login("manager")
	if code, _ := m.post("/charges/"+ch.ID+"/sync", nil); code != http.StatusSeeOther {
		t.Fatalf("sync: %d", code)
	}
	if got, _ := e.db.GetCharge(context.Background(), ch.ID); got.Status != "successful" {
		t.Fatalf("after sync: %s", got.Status)
	}
	audit, _ := e.db.ListAudit(context.Background(), db.AuditFilter{Action: "charge.sync", Target: ch.ID})
	if len(audit) != 1 || audit[0].Result != "changed" || !strings.Contains(audit[0].Before, "pending") || !strings.Contains(audit[0].After, "successful") {
		t.Fatalf("audit = %+v", audit)
	}
}

func TestBoardShowsTerminals(t *testing.T) {
	e := newBOEnv(t)
	e.charge("store_1", "T1", 7000, omise.StatusSuccessful)
	open := e.charge("store_1", "T2", 3000, omise.StatusPending)
	m := e.login("manager")
	_, body := m.get("/board")
	doc := parseDoc(t, body)
	t1, t2 := doc.Find(`[data-testid=tile-store_1-T1]`), doc.Find(`[data-testid=tile-store_1-T2]`)
	if t1.AttrOr("data-state", "") != "idle" || t1.Find(`[data-testid=tile-today-gross]`).Text() != "฿70.00" ||
		t1.Find(`[data-testid=tile-last-status]`).AttrOr("data-status", "") != "successful" {
		t.Fatalf("T1 tile: %s", goquery.NewDocumentFromNode(t1.Nodes[0]).Text())
	}
	if t2.AttrOr("data-state", "") != "pending" || t2.Find(`[data-testid=tile-open-charge]`).AttrOr("href", "") != "/charges/"+open.ID {
		t.Fatalf("T2 tile state %q", t2.AttrOr("data-state", ""))
	}
	if doc.Find(`[data-testid=tile-store_2-T1]`).Length() != 0 {
		t.Fatal("a manager sees another store's terminal")
	}
	// Past the till timeout the open sale is highlighted.
	e.clock.Advance(2 * time.Minute)
	_, tile := m.get("/board/tiles/store_1/T2")
	if !strings.Contains(tile, "stale") || !strings.HasPrefix(strings.TrimSpace(tile), "<article") {
		t.Fatalf("stale tile: %s", tile)
	}
}
