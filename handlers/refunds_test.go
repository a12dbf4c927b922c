package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"instore/db"
	"instore/omise"
)

// refundForm is the confirming (second) step of a refund from the page.
func refundForm(amount, reason, key string) url.Values {
	return url.Values{"amount": {amount}, "reason": {reason}, "note": {"customer returned the cup"}, "idempotency_key": {key}, "confirm": {"yes"}}
}

// TestRefundAsksFirst: the refund form's own button moves no money; it
// shows the question with the amount, the total, what is left and the last
// refund day, and the confirming form carries the same idempotency key.
func TestRefundAsksFirst(t *testing.T) {
	e := newBOEnv(t)
	ch := e.charge("store_1", "T1", 48000, omise.StatusSuccessful)
	m := e.login("manager")
	path := "/charges/" + ch.ID
	_, page := m.get(path)
	key := formKey(page)
	first := refundForm("380.00", "requested_by_customer", key)
	first.Del("confirm")
	code, body := m.post(path+"/refunds", first, "Accept-Language", "en")
	if code != http.StatusOK {
		t.Fatalf("first step: %d %.500s", code, body)
	}
	doc := parseDoc(t, body)
	q := doc.Find(`[data-testid=refund-question]`).Text()
	if !strings.Contains(q, "฿380.00") || !strings.Contains(q, "฿480.00") {
		t.Fatalf("question = %q", q)
	}
	confirm := doc.Find(`[data-testid=refund-confirm]`)
	if got := confirm.Find(`input[name=idempotency_key]`).AttrOr("value", ""); got != key {
		t.Fatalf("confirming form key %q, want %q", got, key)
	}
	if !strings.Contains(confirm.Text(), "฿100.00") {
		t.Fatalf("amount left not shown: %q", confirm.Text())
	}
	if n := e.sim.Stats().RefundsCreated; n != 0 {
		t.Fatalf("the first step made %d refunds", n)
	}
	if code, body := m.post(path+"/refunds", refundForm("380.00", "requested_by_customer", key)); code != http.StatusSeeOther {
		t.Fatalf("confirm: %d %.500s", code, body)
	}
	if n := e.sim.Stats().RefundsCreated; n != 1 {
		t.Fatalf("refunds after confirming: %d", n)
	}
}

var formKey = extractor(`name="idempotency_key" value="([^"]+)"`)

// TestRefundWalkthrough is a manager's first go at refunds: refund
// part of a sale, then the rest, then see a third refund refused.
func TestRefundWalkthrough(t *testing.T) {
	e := newBOEnv(t)
	ch := e.charge("store_1", "T1", 50000, omise.StatusSuccessful)
	m := e.login("manager")
	path := "/charges/" + ch.ID

	code, page := m.get(path)
	if code != http.StatusOK || !strings.Contains(page, `data-testid="refund-form"`) {
		t.Fatalf("charge page: %d %.300s", code, page)
	}
	key := formKey(page)
	if code, body := m.post(path+"/refunds", refundForm("200.00", "requested_by_customer", key)); code != http.StatusSeeOther {
		t.Fatalf("first refund: %d %.500s", code, body)
	}
	// The same form again (a double click): no second refund.
	if code, _ := m.post(path+"/refunds", refundForm("200.00", "requested_by_customer", key)); code != http.StatusSeeOther {
		t.Fatalf("resubmit: %d", code)
	}
	_, page = m.get(path)
	if !strings.Contains(page, `data-testid="flash"`) && !strings.Contains(page, "฿200.00") {
		t.Fatalf("page after refund: %.500s", page)
	}
	if n := e.sim.Stats().RefundsCreated; n != 1 {
		t.Fatalf("omise refunds after a double submit: %d", n)
	}
	if code, body := m.post(path+"/refunds", refundForm("300", "wrong_amount", formKey(page))); code != http.StatusSeeOther {
		t.Fatalf("rest: %d %.500s", code, body)
	}
	_, page = m.get(path)
	if strings.Contains(page, `data-testid="refund-form"`) {
		t.Fatal("a fully refunded charge still offers the refund form")
	}
	code, body := m.post(path+"/refunds", refundForm("1", "other", "third-refund-form"))
	if code != http.StatusConflict || !strings.Contains(body, "refunded in full") || !strings.Contains(body, "คืนเงินครบเต็มจำนวนแล้ว") {
		t.Fatalf("third refund: %d %.2000s", code, body)
	}
	ours, _ := e.db.GetCharge(context.Background(), ch.ID)
	oc, _ := e.client.GetCharge(context.Background(), ch.ID)
	if ours.RefundedAmount != 50000 || oc.RefundedAmount != 50000 {
		t.Fatalf("refunded ours %d omise %d", ours.RefundedAmount, oc.RefundedAmount)
	}
	refunds, _ := e.db.ListRefunds(context.Background(), ch.ID)
	if len(refunds) != 2 || refunds[0].CreatedBy != "manager" || refunds[0].Reason != "requested_by_customer" || refunds[0].Note == "" {
		t.Fatalf("refund rows = %+v", refunds)
	}
	audit, _ := e.db.ListAudit(context.Background(), db.AuditFilter{Target: ch.ID, Action: "refund.create"})
	if len(audit) != 3 || audit[0].IP == "" || audit[0].Username != "manager" || audit[0].Result != "refused" {
		t.Fatalf("audit = %+v", audit)
	}
}

func TestRefundFormErrorsChangeNothing(t *testing.T) {
	e := newBOEnv(t)
	ch := e.charge("store_1", "T1", 50000, omise.StatusSuccessful)
	m := e.login("manager")
	path := "/charges/" + ch.ID
	_, page := m.get(path)
	for _, tc := range []struct {
		form url.Values
		want int
		text string
	}{
		{refundForm("abc", "other", formKey(page)), http.StatusUnprocessableEntity, "Enter the amount in baht"},
		// A comma typed as a decimal point is refused, never read as ฿15.00.
		{refundForm("1,5", "other", formKey(page)), http.StatusUnprocessableEntity, "a comma only between thousands"},
		{refundForm("0", "other", formKey(page)), http.StatusUnprocessableEntity, "above ฿0.00"},
		{refundForm("500.01", "other", formKey(page)), http.StatusUnprocessableEntity, "more than what is left"},
		{refundForm("10", "because", formKey(page)), http.StatusUnprocessableEntity, "reason from the list"},
		{refundForm("10", "other", ""), http.StatusUnprocessableEntity, "out of date"},
	} {
		code, body := m.post(path+"/refunds", tc.form)
		if code != tc.want || !strings.Contains(body, tc.text) {
			t.Errorf("%v: %d, want %d with %q: %.300s", tc.form, code, tc.want, tc.text, body)
		}
	}
	if n := e.sim.Stats().RefundsCreated; n != 0 {
		t.Fatalf("omise refunds = %d", n)
	}
	// JSON clients get the code and both texts.
	code, body := m.post(path+"/refunds", refundForm("900", "other", formKey(page)), "Accept", "application/json")
	var res struct {
		Error struct{ Code, Message, MessageTH string } `json:"error"`
	}
	_ = json.Unmarshal([]byte(body), &res)
	if code != http.StatusUnprocessableEntity || res.Error.Code != "refund_amount_too_high" {
		t.Fatalf("json: %d %s", code, body)
	}
}

// TestConcurrentRefundsOverHTTP: 20 refund forms for one charge submitted
// at once by two managers' sessions.
func TestConcurrentRefundsOverHTTP(t *testing.T) {
	e := newBOEnv(t)
	ch := e.charge("store_1", "T1", 100000, omise.StatusSuccessful)
	clients := []*boClient{e.login("manager"), e.login("admin")}
	var wg sync.WaitGroup
	codes := make([]int, 20)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _ = clients[i%2].post("/charges/"+ch.ID+"/refunds",
				refundForm("70.00", "duplicate", fmt.Sprintf("race-key-%02d-%s", i, ch.ID)), "Accept", "application/json")
		}()
	}
	wg.Wait()
	ok := 0
	for _, c := range codes {
		switch c {
		case http.StatusCreated:
			ok++
		case http.StatusUnprocessableEntity, http.StatusConflict:
		default:
			t.Fatalf("status %d in %v", c, codes)
		}
	}
	oc, _ := e.client.GetCharge(context.Background(), ch.ID)
	ours, _ := e.db.GetCharge(context.Background(), ch.ID)
	if ok != 14 || oc.RefundedAmount != 98000 || ours.RefundedAmount != oc.RefundedAmount {
		t.Fatalf("ok %d, omise %d, ours %d (%v)", ok, oc.RefundedAmount, ours.RefundedAmount, codes)
	}
}

func TestBackOfficeRoles(t *testing.T) {
	e := newBOEnv(t)
	ours := e.charge("store_1", "T1", 30000, omise.StatusSuccessful)
	pending := e.charge("store_1", "T2", 30000, omise.StatusPending)
	clients := map[string]*boClient{"": e.anonymous()}
	for _, u := range []string{"manager", "manager2", "finance", "cashier", "admin"} {
		clients[u] = e.login(u)
	}
	clients[""].get("/login")
	c1 := "/charges/" + ours.ID
	cases := []struct {
		method, path string
		want         map[string]int
	}{
		{"GET", "/board", map[string]int{"": 302, "manager": 200, "manager2": 200, "finance": 403, "cashier": 403, "admin": 200}},
		{"GET", "/board/tiles/store_1/T1", map[string]int{"manager": 200, "manager2": 404, "finance": 403, "admin": 200}},
		{"GET", "/charges", map[string]int{"": 302, "manager": 200, "finance": 200, "cashier": 403, "admin": 200}},
		{"GET", c1, map[string]int{"manager": 200, "manager2": 404, "finance": 200, "cashier": 403, "admin": 200}},
		{"GET", c1 + "/row", map[string]int{"manager": 200, "manager2": 404, "finance": 200, "cashier": 403}},
		{"POST", c1 + "/sync", map[string]int{"manager": 303, "manager2": 404, "finance": 403, "cashier": 403, "admin": 303}},
		{"POST", c1 + "/refunds", map[string]int{"manager2": 404, "finance": 403, "cashier": 403}},
		{"POST", "/charges/" + pending.ID + "/expire", map[string]int{"manager2": 404, "finance": 403, "cashier": 403}},
	}
	for _, tc := range cases {
		for user, want := range tc.want {
			c := clients[user]
			var code int
			if tc.method == "GET" {
				code, _ = c.get(tc.path)
			} else {
				code, _ = c.post(tc.path, refundForm("1", "other", "role-key-"+user))
			}
			if code != want {
				t.Errorf("%s %s as %q: %d, want %d", tc.method, tc.path, user, code, want)
			}
		}
	}
	// A form without the CSRF token changes nothing.
	if code, _ := clients["manager"].post(c1+"/refunds", url.Values{"_csrf": {"forged"}, "amount": {"1"}, "reason": {"other"}, "idempotency_key": {"forged-key-1"}}); code != http.StatusForbidden {
		t.Errorf("forged CSRF: %d", code)
	}
	if n := e.sim.Stats().RefundsCreated; n != 0 {
		t.Fatalf("refused requests made %d refunds", n)
	}
}
