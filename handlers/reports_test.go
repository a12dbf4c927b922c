package handlers

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"instore/omise"
)

func parseHTML(t *testing.T, body string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// seedDay makes the demo's day: two sales and a refund at store_1234, one
// sale at midnight's edge, and a sale at another store.
func seedDay(env *financeEnv) (first string) {
	first = env.sale(bkk("2025-03-01", 23, 59, 59), "store_1234", "POS-01", 10000, omise.StatusSuccessful)
	env.sale(bkk("2025-03-02", 0, 0, 0), "store_1234", "POS-01", 3000, omise.StatusSuccessful)
	env.sale(bkk("2025-03-02", 9, 30, 0), "store_1234", "POS-02", 25050, omise.StatusSuccessful)
	env.sale(bkk("2025-03-02", 9, 45, 0), "store_1234", "POS-02", 7000, omise.StatusFailed)
	env.sale(bkk("2025-03-02", 10, 0, 0), "store_1234", "POS-02", 4000, omise.StatusPending)
	env.sale(bkk("2025-03-02", 11, 0, 0), "store_9", "T9", 50000, omise.StatusSuccessful)
	env.refund(bkk("2025-03-02", 12, 0, 0), first, 5000)
	env.clock.Set(bkk("2025-03-02", 18, 0, 0))
	return first
}

func TestDailyReportPage(t *testing.T) {
	env := newFinanceEnv(t, bkk("2025-03-01", 9, 0, 0))
	seedDay(env)

	// Finance of store_1234 with no month: the current Bangkok month, own store only.
	rec := env.do(http.MethodGet, "/reports/daily", "finance", nil)
	expectStatus(t, rec, http.StatusOK)
	doc := parseHTML(t, rec.Body.String())
	if v, _ := doc.Find("[data-testid=filter-month]").Attr("value"); v != "2025-03" {
		t.Fatalf("default month %q", v)
	}
	rows := doc.Find("[data-testid=daily-row]")
	if rows.Length() != 3 {
		t.Fatalf("rows %d: %s", rows.Length(), doc.Find("[data-testid=daily-table]").Text())
	}
	if doc.Find("[data-store=store_9]").Length() != 0 || doc.Find("[data-testid=filter-store]").Length() != 0 {
		t.Fatal("finance of one store sees another store or a store picker")
	}
	first := rows.First()
	if d, _ := first.Attr("data-day"); d != "2025-03-01" || !strings.Contains(first.Text(), "ร้านกาแฟสด") {
		t.Fatalf("first row %q", first.Text())
	}
	cell := func(sel *goquery.Selection, col string) string {
		return strings.TrimSpace(sel.Find("[data-col=" + col + "]").Text())
	}
	tot := doc.Find("[data-testid=daily-totals]")
	// 10000+3000+25050 satang; fees 365+110+914; VAT 26+8+64; refunds 5000.
	for col, want := range map[string]string{"gross": "฿380.50", "fee": "฿13.89", "fee_vat": "฿0.98", "net": "฿365.63",
		"refunds": "฿50.00", "net_after_refunds": "฿315.63", "successful": "3", "failed": "1", "pending": "1"} {
		if got := cell(tot, col); got != want {
			t.Errorf("totals %s = %q, want %q", col, got, want)
		}
	}
	bars := doc.Find("[data-testid=chart-bar]")
	if bars.Length() != 31 {
		t.Fatalf("chart bars %d", bars.Length())
	}
	if g, _ := bars.Eq(1).Attr("data-gross"); g != "28050" {
		t.Fatalf("bar of 2 March = %s", g)
	}
	if doc.Find("svg rect.bar").Length() != 31 || doc.Find("script:not([src])").Length() != 0 {
		t.Fatal("chart must be plain SVG without inline script")
	}

	// Admin sees every store and can narrow to a terminal.
	rec = env.do(http.MethodGet, "/reports/daily?month=2025-03&store=store_1234&terminal=POS-02", "admin", nil)
	expectStatus(t, rec, http.StatusOK)
	doc = parseHTML(t, rec.Body.String())
	if n := doc.Find("[data-testid=daily-row]").Length(); n != 1 {
		t.Fatalf("terminal filter rows %d", n)
	}
	rec = env.do(http.MethodGet, "/reports/daily?month=2025-03", "admin", nil)
	if n := parseHTML(t, rec.Body.String()).Find("[data-store=store_9]").Length(); n != 1 {
		t.Fatalf("admin sees other store rows: %d", n)
	}

	// JSON in satang.
	rec = env.do(http.MethodGet, "/reports/daily?month=2025-03", "manager", nil, "Accept", "application/json")
	expectStatus(t, rec, http.StatusOK)
	var js dailyReportJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &js); err != nil {
		t.Fatal(err)
	}
	if js.Totals.Gross != 38050 || js.Totals.NetAfterRefunds != 31563 || len(js.Rows) != 3 {
		t.Fatalf("json %+v", js)
	}
}

func TestDailyReportRefusesBadInput(t *testing.T) {
	env := newFinanceEnv(t, bkk("2025-03-01", 9, 0, 0))
	for _, c := range []struct{ user, query, field string }{
		{"finance", "month=2025-13", "month"},
		{"finance", "month=March", "month"},
		{"finance", "store=store_9", "store"},
		{"admin", "terminal=" + strings.Repeat("x", 40), "terminal"},
	} {
		rec := env.do(http.MethodGet, "/reports/daily?"+c.query, c.user, nil)
		expectStatus(t, rec, http.StatusUnprocessableEntity)
		doc := parseHTML(t, rec.Body.String())
		msg := doc.Find("[data-testid=error-" + c.field + "]")
		if msg.Length() != 1 || msg.Find(".alt").Length() != 1 {
			t.Errorf("%s: no bilingual message for %s: %s", c.query, c.field, doc.Find("[data-testid=form-errors]").Text())
		}
		if doc.Find("[data-testid=daily-table]").Length() != 0 {
			t.Errorf("%s: report shown despite the error", c.query)
		}
	}
}

func TestZReport(t *testing.T) {
	env := newFinanceEnv(t, bkk("2025-03-01", 9, 0, 0))
	seedDay(env)
	rec := env.do(http.MethodGet, "/reports/z", "finance", nil)
	expectStatus(t, rec, http.StatusOK)
	doc := parseHTML(t, rec.Body.String())
	if d := doc.Find("[data-testid=z-day]").AttrOr("datetime", ""); d != "2025-03-02" {
		t.Fatalf("default day %q", d)
	}
	if doc.Find("[data-store=store_9]").Length() != 0 {
		t.Fatal("other store in a store-bound Z-report")
	}
	pos1 := doc.Find("[data-testid=z-terminal][data-terminal=POS-01]")
	pos2 := doc.Find("[data-testid=z-terminal][data-terminal=POS-02]")
	text := func(s *goquery.Selection, sel string) string { return strings.TrimSpace(s.Find(sel).First().Text()) }
	if got := text(pos1, "[data-testid=z-first]"); got != "00:00:00" {
		t.Errorf("POS-01 first sale %q", got)
	}
	if got := text(pos1, "[data-testid=z-refunds]"); got != "฿50.00" {
		t.Errorf("POS-01 refunds %q", got)
	}
	// The refund is of the sale at 23:59:59 the day before: the line says so.
	if got := text(pos1, "[data-testid=z-refund-sale-day]"); !strings.Contains(got, "2025") && !strings.Contains(got, "2568") {
		t.Errorf("POS-01 refund's sale day %q", got)
	}
	if got := text(pos1, "[data-testid=z-net-after]"); got != "-฿21.18" {
		t.Errorf("POS-01 net after refunds %q", got)
	}
	if got := text(pos2, "[data-testid=z-status-failed] [data-col=amount]"); got != "฿70.00" {
		t.Errorf("POS-02 failed amount %q", got)
	}
	if got := text(pos2, "[data-testid=z-open-count]"); got != "1" || pos2.Find("[data-testid=z-pending]").Length() != 1 {
		t.Errorf("POS-02 open %q", got)
	}
	if got := text(pos2, "[data-testid=z-last]"); got != "09:30:00" {
		t.Errorf("POS-02 last sale %q", got)
	}
	if got := text(doc.Find("[data-testid=z-store-total]"), "[data-testid=z-net]"); got != "฿269.54" {
		t.Errorf("store net %q", got)
	}
	if doc.Find("[data-print]").Length() != 1 {
		t.Error("no print button")
	}
	rec = env.do(http.MethodGet, "/reports/z?day=2025-02-30", "finance", nil)
	expectStatus(t, rec, http.StatusUnprocessableEntity)
}
