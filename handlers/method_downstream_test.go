package handlers_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"instore/handlers"
	"instore/money"
	"instore/omise"
)

// csvByName reads a CSV download (BOM first) into rows by column name.
func csvByName(t *testing.T, res *http.Response) []map[string]string {
	t.Helper()
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %d", res.Request.URL, res.StatusCode)
	}
	recs, err := csv.NewReader(res.Body).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("csv: %v", err)
	}
	recs[0][0] = strings.TrimPrefix(recs[0][0], "\ufeff")
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// paySale marks a till sale's charge paid at the simulator and applies it,
// as the webhook would.
func (env *tillEnv) paySale(t *testing.T, chargeID string) {
	t.Helper()
	paid, err := env.Sim.MarkPaid(chargeID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.svc.ApplyCharge(context.Background(), paid); err != nil {
		t.Fatal(err)
	}
}

func baht(t *testing.T, s string) int64 {
	t.Helper()
	n, err := money.ParseBaht(strings.TrimPrefix(strings.TrimSpace(s), "฿"))
	if err != nil {
		t.Fatalf("amount %q: %v", s, err)
	}
	return n
}

// An Alipay sale and a PromptPay sale on one day: every page and file
// downstream of the till says which method each was, and the method lines
// of the reports add up to the day exactly.
func TestMethodsDownstreamOfTheTill(t *testing.T) {
	env := newTillEnv(t)
	enablePromptPay(t, env)
	ctx := context.Background()
	cashier := env.Login("cashier")
	ali := decodeJSON[handlers.TillAttemptJSON](t, env.sell(cashier, uuid.NewString(), tillTerm, "100", tillCode, true), http.StatusOK)
	env.paySale(t, ali.ChargeID)
	pp := decodeJSON[handlers.TillAttemptJSON](t, env.sellQR(cashier, uuid.NewString(), "150"), http.StatusOK)
	// The cashier is told what a QR sale waits for, not Alipay's words.
	if pp.Method != omise.SourcePromptPay || !strings.Contains(pp.MessageEN, "bank app") || strings.Contains(pp.MessageEN, "Alipay") ||
		!strings.Contains(pp.MessageTH, "แอปธนาคาร") || !strings.Contains(ali.MessageEN, "Alipay") {
		t.Fatalf("PromptPay sale: %+v", pp)
	}
	// While the customer has the QR, the board's tile says which method the
	// open sale is.
	waiting := env.Login("manager")
	waiting.SetCookie(handlers.LangCookie, "en")
	open := waiting.Page("/board", http.StatusOK).Find(`[data-testid="tile-` + tillStore + `-` + tillTerm + `"] [data-testid="tile-open-method"]`)
	if strings.TrimSpace(open.Text()) != "PromptPay" {
		t.Fatalf("open sale's method on the board: %q", open.Text())
	}
	env.paySale(t, pp.ChargeID)
	ch, err := env.DB.GetCharge(ctx, pp.ChargeID)
	if err != nil || ch.SourceType != omise.SourcePromptPay || ch.Status != "successful" {
		t.Fatalf("PromptPay charge: %+v %v", ch, err)
	}
	day, month := ch.BkkDay, ch.BkkDay[:7]

	mgr := env.Login("manager")
	mgr.SetCookie(handlers.LangCookie, "en")

	// The list: a method column, and a filter that keeps only that method.
	doc := mgr.Page("/charges", http.StatusOK)
	if doc.Find(`[data-testid="charges-table"] th[data-col="method"]`).Length() != 1 {
		t.Fatal("no method column")
	}
	methods := map[string]string{}
	doc.Find(`[data-testid="charge-row"]`).Each(func(_ int, s *goquery.Selection) {
		methods[s.AttrOr("data-charge", "")] = strings.TrimSpace(s.Find(`[data-testid="row-method"]`).Text())
	})
	if methods[ali.ChargeID] != "Alipay" || methods[pp.ChargeID] != "PromptPay" {
		t.Fatalf("method column: %v", methods)
	}
	doc = mgr.Page("/charges?method=promptpay", http.StatusOK)
	rows := doc.Find(`[data-testid="charge-row"]`)
	if rows.Length() != 1 || rows.AttrOr("data-charge", "") != pp.ChargeID ||
		doc.Find(`[data-testid="totals-gross"]`).Text() != "฿150.00" ||
		doc.Find(`[data-testid="filter-method"] option[selected]`).AttrOr("value", "") != "promptpay" {
		t.Fatalf("filtered by PromptPay: %d rows, gross %q", rows.Length(), doc.Find(`[data-testid="totals-gross"]`).Text())
	}
	mgr.Page("/charges?method=cash", http.StatusUnprocessableEntity)

	type apiList struct {
		Data []handlers.ChargeJSON `json:"data"`
	}
	list := decodeJSON[apiList](t, mgr.GetJSON("/api/charges?method=barcode_alipay"), http.StatusOK)
	if len(list.Data) != 1 || list.Data[0].ID != ali.ChargeID || list.Data[0].Method != omise.SourceBarcodeAlipay ||
		list.Data[0].MethodName.EN != "Alipay" {
		t.Fatalf("API filtered by Alipay: %+v", list.Data)
	}
	one := decodeJSON[handlers.ChargeJSON](t, mgr.GetJSON("/api/charges/"+pp.ChargeID), http.StatusOK)
	if one.Method != "promptpay" || one.MethodName.EN != "PromptPay" || one.MethodName.TH != "พร้อมเพย์" {
		t.Fatalf("API charge: %+v", one)
	}

	// The charge page names the method.
	doc = mgr.Page("/charges/"+pp.ChargeID, http.StatusOK)
	if f := doc.Find(`[data-testid="field-source"]`); !strings.Contains(f.Text(), "PromptPay") || f.AttrOr("data-source-type", "") != "promptpay" {
		t.Fatalf("charge page method: %q", f.Text())
	}
	// No code of the customer's was scanned: the page says why, not a bare dash.
	if f := doc.Find(`[data-testid="field-barcode"]`); !strings.Contains(f.Text(), "QR") {
		t.Fatalf("charge page payment code of a QR sale: %q", f.Text())
	}

	// The board's tile names the latest sale's method.
	doc = mgr.Page("/board", http.StatusOK)
	tile := doc.Find(`[data-testid="tile-` + tillStore + `-` + tillTerm + `"]`)
	if m := tile.Find(`[data-testid="tile-last-method"]`); strings.TrimSpace(m.Text()) != "PromptPay" {
		t.Fatalf("board tile method: %q", m.Text())
	}

	// The daily report: one line per method, adding up to the total.
	fin := env.Login("finance")
	fin.SetCookie(handlers.LangCookie, "en")
	doc = fin.Page("/reports/daily?month="+month, http.StatusOK)
	lines := map[string]int64{}
	var sum int64
	doc.Find(`[data-testid="daily-method"]`).Each(func(_ int, s *goquery.Selection) {
		g := baht(t, s.Find(`[data-col="gross"]`).Text())
		lines[s.AttrOr("data-source-type", "")] = g
		sum += g
		if !strings.Contains(s.Find("th").Text(), map[string]string{"promptpay": "PromptPay", "barcode_alipay": "Alipay"}[s.AttrOr("data-source-type", "")]) {
			t.Errorf("method line named %q", s.Find("th").Text())
		}
	})
	total := baht(t, doc.Find(`[data-testid="daily-totals"] [data-col="gross"]`).Text())
	if len(lines) != 2 || lines["promptpay"] != 15000 || lines["barcode_alipay"] != 10000 || sum != total || total != 25000 {
		t.Fatalf("daily report methods %v, total %d", lines, total)
	}
	type dailyJSON struct {
		Totals  struct{ Gross, Net, Fee int64 }
		Methods []struct {
			Method          string `json:"method"`
			SourceType      string `json:"source_type"`
			Gross, Net, Fee int64
		} `json:"methods"`
	}
	rep := decodeJSON[dailyJSON](t, fin.GetJSON("/reports/daily?month="+month), http.StatusOK)
	var g, n, fee int64
	for _, m := range rep.Methods {
		g, n, fee = g+m.Gross, n+m.Net, fee+m.Fee
	}
	if len(rep.Methods) != 2 || g != rep.Totals.Gross || n != rep.Totals.Net || fee != rep.Totals.Fee {
		t.Fatalf("daily JSON methods %+v do not add up to %+v", rep.Methods, rep.Totals)
	}

	// The Z-report of the day splits the sales by method.
	doc = fin.Page("/reports/z?day="+day, http.StatusOK)
	term := doc.Find(`[data-testid="z-terminal"]`).First()
	zlines := map[string]int64{}
	sum = 0
	term.Find(`[data-testid="z-method"]`).Each(func(_ int, s *goquery.Selection) {
		a := baht(t, s.Find(`[data-col="amount"]`).Text())
		zlines[s.AttrOr("data-source-type", "")] = a
		sum += a
	})
	ok := baht(t, term.Find(`[data-testid="z-status-successful"] [data-col="amount"]`).Text())
	if zlines["promptpay"] != 15000 || zlines["barcode_alipay"] != 10000 || sum != ok {
		t.Fatalf("Z-report methods %v, successful %d", zlines, ok)
	}
	// A day without failed sales has no failed line (and no stray text).
	if term.Find(`[data-testid="z-status-failed"]`).Length() != 0 || strings.Contains(term.Text(), "continue") {
		t.Fatalf("Z-report lists a status with no sales: %q", term.Text())
	}

	// The CSVs: a method column a clerk reads; the daily file's rows per
	// method add up to the report.
	byID := map[string]string{}
	for _, r := range csvByName(t, fin.Get("/charges.csv")) {
		byID[r["charge_id"]] = r["method"]
	}
	if byID[ali.ChargeID] != "Alipay" || byID[pp.ChargeID] != "PromptPay" {
		t.Fatalf("charges CSV method: %v", byID)
	}
	var csvGross int64
	seen := map[string]bool{}
	for _, r := range csvByName(t, fin.Get("/reports/daily.csv?month="+month)) {
		n, err := money.ParseBaht(r["gross"])
		if err != nil {
			t.Fatal(err)
		}
		csvGross += n
		seen[r["method"]] = true
	}
	if csvGross != total || !seen["PromptPay"] || !seen["Alipay"] {
		t.Fatalf("daily CSV: gross %d, methods %v", csvGross, seen)
	}
}
