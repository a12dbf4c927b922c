package handlers_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"instore/db"
	"instore/handlers"
	"instore/omise"
	"instore/payments"
	"instore/web"
	"instore/web/webtest"
)

// TestFinanceAsANewUser runs the finance story through the whole router:
// a cashier makes two sales at the till, a manager refunds one, and the
// finance user of the store opens today's report, the Z-report, downloads
// both CSVs and reconciles today against Omise.
func TestFinanceAsANewUser(t *testing.T) {
	var svc *payments.Service
	h := webtest.New(t, webtest.Options{Deps: func(d *web.Deps) { svc = d.Payments }})
	ctx := context.Background()
	if _, err := h.DB.UpdateStore(ctx, db.Actor{Username: "test"}, db.Store{StoreID: "store_1234",
		StoreName: "ร้านกาแฟ สาขาสีลม", Methods: []string{omise.SourceBarcodeAlipay}}); err != nil {
		t.Fatal(err)
	}

	// Two demo sales at the till, paid at Omise; then a refund by the manager.
	cashier := h.Login("cashier")
	var charges []string
	// Each customer shows a fresh payment code: a used one is refused.
	for i, amount := range []string{"120.00", "80.50"} {
		code := []string{"281012345678901234", "281098765432109876"}[i]
		res := cashier.PostForm("/till/charges", url.Values{"attempt_id": {uuid.NewString()}, "terminal_id": {"POS-01"},
			"amount": {amount}, "barcode": {code}}, "Accept: application/json")
		var a handlers.TillAttemptJSON
		finDecode(t, res, &a)
		if _, err := h.Sim.MarkPaid(a.ChargeID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SyncCharge(ctx, a.ChargeID); err != nil {
			t.Fatal(err)
		}
		charges = append(charges, a.ChargeID)
	}
	res := h.Login("manager").PostForm("/charges/"+charges[0]+"/refunds", url.Values{"amount": {"20.00"},
		"reason": {payments.ReasonRequestedByCustomer}, "idempotency_key": {uuid.NewString()}, "confirm": {"yes"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("refund: %d", res.StatusCode)
	}

	fin := h.Login("finance")
	doc := fin.Page("/reports/daily", http.StatusOK)
	today := payments.BusinessDay(h.Clock.Now())
	row := doc.Find(`[data-testid="daily-row"][data-day="` + today + `"]`)
	if row.Length() != 1 || !strings.Contains(row.Text(), "ร้านกาแฟ สาขาสีลม") {
		t.Fatalf("today's row: %q", doc.Find("[data-testid=daily-table]").Text())
	}
	// 12000 + 8050 satang; fees 438 (438.0) + 294 (293.825); VAT 31 (30.66) + 21 (20.58).
	tot := doc.Find("[data-testid=daily-totals]")
	for col, want := range map[string]string{"gross": "฿200.50", "fee": "฿7.32", "fee_vat": "฿0.52",
		"net": "฿192.66", "refunds": "฿20.00", "net_after_refunds": "฿172.66", "successful": "2"} {
		if got := strings.TrimSpace(tot.Find("[data-col=" + col + "]").Text()); got != want {
			t.Errorf("%s = %q, want %q", col, got, want)
		}
	}
	if doc.Find(`[data-testid="nav-reports"][aria-current="page"]`).Length() != 1 {
		t.Error("reports not marked in the navigation")
	}

	z := fin.Page("/reports/z", http.StatusOK)
	if z.Find("[data-testid=z-terminal]").Length() != 1 || strings.TrimSpace(z.Find("[data-testid=z-refunds]").First().Text()) != "฿20.00" {
		t.Fatalf("Z-report: %q", z.Find("[data-testid=z-report]").Text())
	}

	// The spreadsheet: BOM, header, Thai store name intact.
	daily := finDownload(t, fin, "/reports/daily.csv")
	if len(daily) != 2 || daily[1][2] != "ร้านกาแฟ สาขาสีลม" || daily[1][9] != "200.50" {
		t.Fatalf("daily.csv %v", daily)
	}
	all := finDownload(t, fin, "/charges.csv?from="+today+"&to="+today)
	if len(all) != 3 || all[1][5] != "ร้านกาแฟ สาขาสีลม" || all[0][0] != "charge_id" {
		t.Fatalf("charges.csv %v", all)
	}

	// Managers read reports but do not reconcile; finance does.
	if res := h.Login("manager").Get("/reconcile"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("manager /reconcile: %d", res.StatusCode)
	}
	res = fin.PostForm("/reconcile", url.Values{"from": {today}, "to": {today}})
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/reconcile/") {
		t.Fatalf("start: %d %q", res.StatusCode, loc)
	}
	var run struct {
		Status      string `json:"status"`
		OmiseSeen   int    `json:"omise_seen"`
		Differences int    `json:"differences"`
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		finDecode(t, fin.GetJSON(loc), &run)
		if run.Status != "running" || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if run.Status != "done" || run.OmiseSeen != 2 || run.Differences != 0 {
		t.Fatalf("run %+v", run)
	}
	page := fin.Page(loc, http.StatusOK)
	if page.Find("[data-testid=run-clean]").Length() != 1 || page.Find(`script[src*="/static/reports."]`).Length() != 1 {
		t.Fatal("clean run page")
	}
}

func finDecode(t *testing.T, res *http.Response, v any) {
	t.Helper()
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s", res.Request.URL.Path, res.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// finDownload fetches a CSV as a browser would and reads it as a spreadsheet
// does: the BOM says UTF-8, then comma-separated records.
func finDownload(t *testing.T, c *webtest.Client, path string) [][]string {
	t.Helper()
	res := c.Get(path)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment; filename=") {
		t.Fatalf("%s: %d %v", path, res.StatusCode, res.Header)
	}
	if !bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
		t.Fatalf("%s: no BOM", path)
	}
	recs, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}
