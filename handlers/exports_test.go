package handlers

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
)

// readCSV checks the BOM and parses the rest as a spreadsheet would.
func readCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}) {
		t.Fatalf("no UTF-8 BOM: % x", body[:min(8, len(body))])
	}
	recs, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// byName maps each record to header -> value.
func byName(recs [][]string) []map[string]string {
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

func TestDailyCSV(t *testing.T) {
	env := newFinanceEnv(t, bkk("2025-03-01", 9, 0, 0))
	seedDay(env)
	rec := env.do(http.MethodGet, "/reports/daily.csv?month=2025-03", "finance", nil)
	expectStatus(t, rec, http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Fatalf("content type %q", ct)
	}
	if cd := rec.Header().Get("Content-Disposition"); cd != `attachment; filename="daily_2025-03-01_2025-03-31_store_1234.csv"` {
		t.Fatalf("disposition %q", cd)
	}
	recs := readCSV(t, rec.Body.Bytes())
	if strings.Join(recs[0], ",") != strings.Join(DailyCSVHeader, ",") {
		t.Fatalf("header %v", recs[0])
	}
	if !strings.HasPrefix(strings.Join(recs[0], ","), "date,store_id,store_name,terminal_id,successful_count,failed_count,expired_count") {
		t.Fatalf("header changed: %v", recs[0])
	}
	rows := byName(recs)
	if len(rows) != 3 {
		t.Fatalf("rows %v", rows)
	}
	r := rows[1] // 2 March, POS-01: 3000 sold, 5000 refunded
	want := map[string]string{"date": "2025-03-02", "store_name": "ร้านกาแฟสด", "terminal_id": "POS-01", "gross": "30.00",
		"fee": "1.10", "fee_vat": "0.08", "net": "28.82", "refunds": "50.00", "net_after_refunds": "-21.18",
		"gross_satang": "3000", "net_after_refunds_satang": "-2118", "successful_count": "1", "currency": "THB"}
	for k, v := range want {
		if r[k] != v {
			t.Errorf("%s = %q, want %q", k, r[k], v)
		}
	}
	rec = env.do(http.MethodGet, "/reports/daily.csv?month=13", "finance", nil)
	expectStatus(t, rec, http.StatusUnprocessableEntity)
}

func TestChargesCSV(t *testing.T) {
	env := newFinanceEnv(t, bkk("2025-03-01", 9, 0, 0))
	first := seedDay(env)
	rec := env.do(http.MethodGet, "/charges.csv?from=2025-03-01&to=2025-03-02", "finance", nil)
	expectStatus(t, rec, http.StatusOK)
	if cd := rec.Header().Get("Content-Disposition"); cd != `attachment; filename="charges_2025-03-01_2025-03-02_store_1234.csv"` {
		t.Fatalf("disposition %q", cd)
	}
	recs := readCSV(t, rec.Body.Bytes())
	if strings.Join(recs[0], ",") != strings.Join(ChargesCSVHeader, ",") ||
		!strings.HasPrefix(strings.Join(recs[0], ","), "charge_id,created_at_utc,created_at_bangkok,business_day,store_id,store_name,terminal_id,status,failure_code,amount,fee,fee_vat,net,refunded,amount_satang") {
		t.Fatalf("header %v", recs[0])
	}
	rows := byName(recs)
	if len(rows) != 5 {
		t.Fatalf("finance of store_1234 got %d rows", len(rows))
	}
	// Newest first, like /charges: the 23:59:59 sale is last.
	last := rows[len(rows)-1]
	want := map[string]string{"charge_id": first, "created_at_utc": "2025-03-01T16:59:59Z",
		"created_at_bangkok": "2025-03-01 23:59:59", "business_day": "2025-03-01", "store_name": "ร้านกาแฟสด",
		"status": "successful", "amount": "100.00", "fee": "3.65", "fee_vat": "0.26", "net": "96.09", "refunded": "50.00",
		"amount_satang": "10000", "refunded_satang": "5000", "paid_at_bangkok": "2025-03-01 23:59:59"}
	for k, v := range want {
		if last[k] != v {
			t.Errorf("%s = %q, want %q", k, last[k], v)
		}
	}
	if rows[0]["business_day"] != "2025-03-02" || rows[3]["created_at_bangkok"] != "2025-03-02 00:00:00" {
		t.Errorf("day edge: %v / %v", rows[0], rows[3])
	}
	// The same filter as /charges: status narrows, another store is refused.
	rec = env.do(http.MethodGet, "/charges.csv?status=failed", "finance", nil)
	if rows := byName(readCSV(t, rec.Body.Bytes())); len(rows) != 1 || rows[0]["failure_code"] != "payment_rejected" {
		t.Fatalf("status filter %v", rows)
	}
	rec = env.do(http.MethodGet, "/charges.csv?store=store_9", "finance", nil)
	expectStatus(t, rec, http.StatusUnprocessableEntity)
	if !strings.Contains(rec.Body.String(), "ร้านค้า") || !strings.Contains(rec.Body.String(), "store") {
		t.Fatalf("refusal not bilingual: %q", rec.Body.String())
	}
	rec = env.do(http.MethodGet, "/charges.csv", "admin", nil)
	if rows := byName(readCSV(t, rec.Body.Bytes())); len(rows) != 6 {
		t.Fatalf("admin rows %d", len(rows))
	}
}

func TestStoredTimesToCSV(t *testing.T) {
	for in, want := range map[string][2]string{
		"2025-03-01T16:59:59.000000Z": {"2025-03-01T16:59:59Z", "2025-03-01 23:59:59"},
		"2025-03-01T17:00:00.123456Z": {"2025-03-01T17:00:00Z", "2025-03-02 00:00:00"},
		"2024-12-31T20:15:00.000000Z": {"2024-12-31T20:15:00Z", "2025-01-01 03:15:00"},
		"2024-02-28T18:00:00.000000Z": {"2024-02-28T18:00:00Z", "2024-02-29 01:00:00"},
		"2025-03-01T16:59:59Z":        {"2025-03-01T16:59:59Z", "2025-03-01 23:59:59"},
		"":                            {"", ""},
	} {
		if got := storedUTC(in); got != want[0] {
			t.Errorf("storedUTC(%q) = %q, want %q", in, got, want[0])
		}
		if got := storedBangkok(in); got != want[1] {
			t.Errorf("storedBangkok(%q) = %q, want %q", in, got, want[1])
		}
	}
}
