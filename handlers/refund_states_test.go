package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	"instore/handlers"
	"instore/omise"
	"instore/payments"
)

// Refunded charges stay successful at Omise; people see them as partly
// refunded or refunded on the list, the charge page and the board, and can
// filter on those states. Pending charges show no fee anywhere.
func TestRefundStatesShownAndFiltered(t *testing.T) {
	e := newBOEnv(t)
	ctx := context.Background()
	paid := e.charge("store_1", "T1", 10000, omise.StatusSuccessful).ID
	full := e.charge("store_1", "T2", 8000, omise.StatusSuccessful).ID
	part := e.charge("store_1", "T1", 20000, omise.StatusSuccessful).ID
	pend := e.charge("store_1", "T2", 5000, omise.StatusPending).ID
	for id, amount := range map[string]int64{part: 5000, full: 8000} {
		if _, err := e.client.CreateRefund(ctx, id, omise.CreateRefundParams{Amount: amount}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.SyncCharge(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	m := e.login("manager")
	ids := func(query string) string {
		t.Helper()
		code, body := m.get("/charges?" + query)
		if code != http.StatusOK {
			t.Fatalf("%s: %d", query, code)
		}
		got := rowIDs(parseDoc(t, body))
		sort.Strings(got)
		return strings.Join(got, ",")
	}
	sorted := func(v ...string) string { sort.Strings(v); return strings.Join(v, ",") }
	for q, want := range map[string]string{
		"status=refunded":                                     full,
		"status=partially_refunded":                           part,
		"status=refunded&status=partially_refunded":           sorted(full, part),
		"status=refunded&status=pending":                      sorted(full, pend),
		"status=successful":                                   sorted(paid, part, full), // Omise's status
		"status=partially_refunded&terminal=T2":               "",
		"status=refunded&status=partially_refunded&q=" + full: full,
	} {
		if got := ids(q); got != want {
			t.Errorf("%s: got %s, want %s", q, got, want)
		}
	}
	if code, _ := m.get("/charges?status=refundedish"); code != http.StatusUnprocessableEntity {
		t.Errorf("unknown state: %d", code)
	}

	// Chips: the list shows the state, the status underneath stays Omise's.
	_, body := m.get("/charges")
	doc := parseDoc(t, body)
	for id, want := range map[string]string{paid: "successful", part: "partially_refunded", full: "refunded", pend: "pending"} {
		row := doc.Find(`[data-testid=charge-row][data-charge="` + id + `"]`)
		if row.AttrOr("data-state", "") != want || !strings.Contains(row.Find("[data-testid=row-state]").AttrOr("class", ""), want) {
			t.Errorf("row %s: state %q", id, row.AttrOr("data-state", ""))
		}
		if want == "refunded" && (row.AttrOr("data-status", "") != "successful" || !strings.Contains(row.Text(), "คืนเงินแล้ว")) {
			t.Errorf("refunded row %q", row.Text())
		}
	}
	// Totals of a refund-state filter are summed from the rows.
	code, body := m.get("/api/charges?status=partially_refunded&totals=1", "Accept", "application/json")
	var list struct {
		Data   []handlers.ChargeJSON `json:"data"`
		Count  *int64                `json:"count"`
		Totals *struct {
			Amount         int64 `json:"amount"`
			RefundedAmount int64 `json:"refunded_amount"`
		} `json:"totals"`
	}
	if err := json.Unmarshal([]byte(body), &list); code != http.StatusOK || err != nil {
		t.Fatalf("api %d %v", code, err)
	}
	if *list.Count != 1 || list.Totals.Amount != 20000 || list.Totals.RefundedAmount != 5000 || len(list.Data) != 1 ||
		list.Data[0].State != "partially_refunded" || list.Data[0].Status != "successful" || list.Data[0].Fee == nil {
		t.Fatalf("api list %+v %+v", list.Data, list.Totals)
	}

	// The charge page: the state chip and the last day a refund is possible.
	_, body = m.get("/charges/" + full)
	doc = parseDoc(t, body)
	if s := doc.Find("[data-testid=charge-status]"); s.AttrOr("data-state", "") != "refunded" {
		t.Fatalf("detail chip %q", s.Text())
	}
	ch, _ := e.db.GetCharge(ctx, full)
	wantDay := payments.LastRefundDay(ch)
	if got := doc.Find("[data-testid=field-last-refund-day]").AttrOr("data-day", ""); got != wantDay || got == "" {
		t.Fatalf("last refund day %q, want %q", got, wantDay)
	}
	// A pending charge shows no fee, VAT or net, on the page or in JSON.
	_, body = m.get("/charges/" + pend)
	doc = parseDoc(t, body)
	for _, sel := range []string{"field-fee", "field-fee-vat", "field-net"} {
		if got := strings.TrimSpace(doc.Find("[data-testid=" + sel + "]").Text()); got != "—" {
			t.Errorf("pending %s = %q", sel, got)
		}
	}
	if doc.Find("[data-testid=field-last-refund-day]").Length() != 0 {
		t.Error("a pending charge has a last refund day")
	}
	_, body = m.get("/api/charges/"+pend, "Accept", "application/json")
	if !strings.Contains(body, `"fee":null`) || !strings.Contains(body, `"net":null`) {
		t.Errorf("pending JSON %s", body)
	}

	// The board: each terminal's last sale with its state.
	_, body = m.get("/board")
	doc = parseDoc(t, body)
	tile := doc.Find("#tile-store_1-T1 [data-testid=tile-last-status]")
	if tile.AttrOr("data-state", "") != "partially_refunded" || tile.AttrOr("data-status", "") != "successful" {
		t.Errorf("board T1 last %q/%q", tile.AttrOr("data-state", ""), tile.AttrOr("data-status", ""))
	}
}
