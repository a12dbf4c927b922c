package handlers

import (
	"html"
	"net/http"
	"strings"
	"testing"

	"instore/omise"
)

// A report asked for a range of days (from, to) shows those days, and its
// CSV links download the same days: the files sum to what is on screen,
// not to the whole month the range starts in.
func TestDailyReportRangeLinksExportTheSameDays(t *testing.T) {
	env := newFinanceEnv(t, bkk("2025-03-01", 9, 0, 0))
	first := seedDay(env) // 1 and 2 March, a refund on 2 March
	env.sale(bkk("2025-03-20", 10, 0, 0), "store_1234", "POS-01", 9900, omise.StatusSuccessful)
	env.refund(bkk("2025-03-20", 11, 0, 0), first, 1000)
	env.clock.Set(bkk("2025-03-21", 9, 0, 0))

	rec := env.do(http.MethodGet, "/reports/daily?from=2025-03-02&to=2025-03-02", "finance", nil)
	expectStatus(t, rec, http.StatusOK)
	doc := parseHTML(t, rec.Body.String())
	tot := doc.Find("[data-testid=daily-totals]")
	gross := strings.TrimSpace(tot.Find("[data-col=gross]").Text())
	refunds := strings.TrimSpace(tot.Find("[data-col=refunds]").Text())
	if gross != "฿280.50" || refunds != "฿50.00" {
		t.Fatalf("screen gross %s refunds %s", gross, refunds)
	}
	for _, id := range []string{"daily-csv", "refunds-csv"} {
		href, _ := doc.Find("[data-testid=" + id + "]").Attr("href")
		href = html.UnescapeString(href)
		rows := csvRows(t, env, "finance", href)
		var sum int64
		for _, r := range rows {
			if id == "daily-csv" {
				sum += satangCell(t, r, "gross_satang")
			} else {
				sum += satangCell(t, r, "amount_satang")
			}
		}
		want := map[string]int64{"daily-csv": 28050, "refunds-csv": 5000}[id]
		if sum != want {
			t.Errorf("%s (%s) sums to %d satang, the screen shows %d", id, href, sum, want)
		}
	}
}
