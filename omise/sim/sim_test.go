package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"instore/fakeclock"
	"instore/omise"
)

// TestDoneWhen is the simulator's acceptance path over HTTP: what a merchant
// integration does first, end to end.
func TestDoneWhen(t *testing.T) {
	h := newHarness(t, Options{})

	src := h.must(h.call("POST", "/sources", pkey, "", url.Values{
		"type": {"barcode_alipay"}, "amount": {"400000"}, "currency": {"THB"},
		"barcode": {"1234567890"}, "store_id": {"store_1234"}, "store_name": {"Some Store"}, "terminal_id": {"POS-01"},
	}), 200)
	if src.str("flow") != "offline" || src.str("charge_status") != "unknown" || src.str("store_name") != "Some Store" {
		t.Fatalf("source: %s", src.raw)
	}

	ch := h.must(h.post("/charges", url.Values{"amount": {"400000"}, "currency": {"THB"}, "source": {src.str("id")}}), 200)
	if ch.str("status") != "pending" || ch.body["paid"] != false || ch.body["transaction"] != nil {
		t.Fatalf("new charge: %s", ch.raw)
	}
	id := ch.str("id")

	paid := h.must(h.post("/charges/"+id+"/mark_as_paid", nil), 200)
	fee, vat, net := paid.num("fee"), paid.num("fee_vat"), paid.num("net")
	if paid.str("status") != "successful" || paid.body["paid"] != true || paid.body["authorized"] != true ||
		!strings.HasPrefix(paid.str("transaction"), "trxn_test_") || paid.body["refundable"] != true || paid.body["paid_at"] == nil {
		t.Fatalf("paid charge: %s", paid.raw)
	}
	if fee != 14600 || vat != 1022 || net != 400000-fee-vat {
		t.Fatalf("fee %d vat %d net %d", fee, vat, net)
	}
	if s := paid.body["source"].(map[string]any); s["charge_status"] != "successful" {
		t.Fatalf("source charge_status %v", s["charge_status"])
	}

	h.wantErr(h.post("/charges/"+id+"/expire", nil), 400, "failed_expire", "expire failed")
	h.wantErr(h.post("/charges", map[string]any{"amount": 1999, "currency": "thb", "source": map[string]any{"type": "barcode_alipay", "barcode": "1234567890"}}),
		400, "invalid_charge", "amount must be greater than or equal to 2000 (thb subunits)")
	h.wantErr(h.get("/charges/chrg_test_nope"), 404, "not_found", "charge chrg_test_nope was not found")
	h.wantErr(h.call("GET", "/charges/"+id, "skey_test_wrong", "", nil), 401, "authentication_failure", "authentication failed")
}

func TestAuth(t *testing.T) {
	h := newHarness(t, Options{})
	id := h.charge(5000, "1234567890")
	srcBody := url.Values{"type": {"barcode_alipay"}, "amount": {"5000"}, "currency": {"thb"}, "barcode": {"1234567890"}}
	cases := []struct {
		name, method, path, key string
		body                    any
		want                    int
	}{
		{"source with public key", "POST", "/sources", pkey, srcBody, 200},
		{"source with secret key", "POST", "/sources", skey, srcBody, 200},
		{"source with wrong key", "POST", "/sources", "pkey_test_other", srcBody, 401},
		{"source without key", "POST", "/sources", "", srcBody, 401},
		{"charge with public key", "GET", "/charges/" + id, pkey, nil, 401},
		{"charges list with public key", "GET", "/charges", pkey, nil, 401},
		{"create charge with public key", "POST", "/charges", pkey, url.Values{"amount": {"5000"}}, 401},
		{"events with public key", "GET", "/events", pkey, nil, 401},
		{"charge with secret key", "GET", "/charges/" + id, skey, nil, 200},
		{"capability with public key", "GET", "/capability", pkey, nil, 200},
		{"unknown path", "GET", "/tokens", skey, nil, 404},
		{"unknown path without key", "GET", "/tokens", "", nil, 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := h.call(c.method, c.path, c.key, "", c.body)
			if r.status != c.want {
				t.Fatalf("status %d, want %d: %s", r.status, c.want, r.raw)
			}
			if c.want == 401 {
				h.wantErr(r, 401, "authentication_failure", "authentication failed")
			}
		})
	}
}

func TestValidation(t *testing.T) {
	h := newHarness(t, Options{})
	used := h.must(h.call("POST", "/sources", pkey, "", url.Values{"type": {"barcode_alipay"}, "amount": {"5000"}, "currency": {"thb"}, "barcode": {"1234567890"}}), 200).str("id")
	h.must(h.post("/charges", url.Values{"amount": {"5000"}, "currency": {"thb"}, "source": {used}}), 200)
	fresh := h.must(h.call("POST", "/sources", pkey, "", url.Values{"type": {"alipayplus_upm"}, "amount": {"5000"}, "currency": {"thb"}, "barcode": {"1234567890"}}), 200).str("id")

	inline := func(extra map[string]any) map[string]any {
		m := map[string]any{"amount": 5000, "currency": "thb", "source": map[string]any{"type": "barcode_alipay", "barcode": "1234567890"}}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	cases := []struct {
		name, path string
		body       any
		status     int
		code, msg  string
	}{
		{"source amount not a number", "/sources", map[string]any{"type": "alipay", "currency": "thb", "amount": "invalid_amount"}, 400, "bad_request", "amount is not a number"},
		{"source currency", "/sources", map[string]any{"type": "internet_banking_bbl", "currency": "invalid", "amount": 100000}, 400, "bad_request", "currency is currently not supported"},
		{"source type", "/sources", map[string]any{"type": "invalid", "currency": "thb", "amount": 100000}, 400, "bad_request", "type is currently not supported"},
		{"source barcode letters", "/sources", map[string]any{"type": "barcode_alipay", "currency": "thb", "amount": 100000, "barcode": "12345abcde"}, 400, "bad_request", "barcode is invalid"},
		{"source barcode short", "/sources", map[string]any{"type": "barcode_alipay", "currency": "thb", "amount": 100000, "barcode": "123456789"}, 400, "bad_request", "barcode is invalid"},
		{"source barcode missing", "/sources", map[string]any{"type": "barcode_alipay", "currency": "thb", "amount": 100000}, 400, "bad_request", "barcode is required"},
		{"source amount 1999", "/sources", map[string]any{"type": "barcode_alipay", "currency": "thb", "amount": 1999, "barcode": "1234567890"}, 400, "bad_request", "amount must be greater than or equal to 2000 (thb subunits)"},
		{"charge amount 1999", "/charges", inline(map[string]any{"amount": 1999}), 400, "invalid_charge", "amount must be greater than or equal to 2000 (thb subunits)"},
		{"charge amount 2000", "/charges", inline(map[string]any{"amount": 2000}), 200, "", ""},
		{"charge amount max", "/charges", inline(map[string]any{"amount": 100000000}), 200, "", ""},
		{"charge amount over max", "/charges", inline(map[string]any{"amount": 100000001}), 400, "invalid_charge", "amount must be less than or equal to 100000000 (thb subunits)"},
		{"charge amount text", "/charges", inline(map[string]any{"amount": "abc"}), 400, "bad_request", "amount is not a number"},
		{"charge amount fraction", "/charges", inline(map[string]any{"amount": 2000.5}), 400, "bad_request", "amount is not a number"},
		{"charge currency", "/charges", inline(map[string]any{"currency": "usd"}), 400, "invalid_charge", "currency is currently not supported"},
		{"charge currency upper", "/charges", inline(map[string]any{"currency": "THB"}), 200, "", ""},
		{"charge no source", "/charges", map[string]any{"amount": 5000, "currency": "thb"}, 400, "invalid_charge", "card, customer or source is required"},
		{"charge unknown source", "/charges", map[string]any{"amount": 5000, "currency": "thb", "source": "src_test_nope"}, 404, "not_found", "source src_test_nope was not found"},
		{"charge used source", "/charges", map[string]any{"amount": 5000, "currency": "thb", "source": used}, 400, "invalid_charge", "source was already used"},
		{"charge source amount differs", "/charges", map[string]any{"amount": 6000, "currency": "thb", "source": fresh}, 400, "invalid_charge", "amount does not match source amount"},
		{"charge inline bad type", "/charges", inline(map[string]any{"source": map[string]any{"type": "paynow", "barcode": "1234567890"}}), 400, "bad_request", "type is currently not supported"},
		{"charge inline bad barcode", "/charges", inline(map[string]any{"source": map[string]any{"type": "barcode_alipay", "barcode": "12-34"}}), 400, "bad_request", "barcode is invalid"},
		{"charge card token", "/charges", map[string]any{"amount": 5000, "currency": "thb", "card": "tokn_x"}, 404, "not_found", "token tokn_x was not found"},
		{"charge metadata not object", "/charges", inline(map[string]any{"metadata": 3}), 400, "bad_request", "metadata must be an object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			key := skey
			if c.path == "/sources" {
				key = pkey
			}
			r := h.call("POST", c.path, key, "", c.body)
			if c.status == 200 {
				h.must(r, 200)
				return
			}
			h.wantErr(r, c.status, c.code, c.msg)
		})
	}
	if n := h.sim.CountCharges(); n != 4 {
		t.Fatalf("bad input created charges: %d", n)
	}
}

// TestFees checks the half-up rounding on the recorded fixtures' numbers.
func TestFees(t *testing.T) {
	cases := []struct{ amount, bp, fee, vat, net int64 }{
		{1000000, 165, 16500, 1155, 982345},
		{500000, 165, 8250, 578, 491172},
		{100000, 365, 3650, 256, 96094},
		{12345, 365, 451, 32, 11862},
		{400000, 165, 6600, 462, 392938}, // the product spec's example
		{2000, 365, 73, 5, 1922},
	}
	for _, c := range cases {
		fee, vat, net := Fees(c.amount, c.bp)
		if fee != c.fee || vat != c.vat || net != c.net {
			t.Errorf("Fees(%d, %d) = %d/%d/%d, want %d/%d/%d", c.amount, c.bp, fee, vat, net, c.fee, c.vat, c.net)
		}
	}
	// Through the API, with the rate shown in transaction_fees.
	for _, c := range cases {
		h := newHarness(t, Options{FeeRateBasisPoints: c.bp})
		r := h.must(h.post("/charges", map[string]any{"amount": c.amount, "currency": "thb", "source": map[string]any{"type": "barcode_alipay", "barcode": "1234567890"}}), 200)
		tf := r.body["transaction_fees"].(map[string]any)
		if r.num("fee") != c.fee || r.num("fee_vat") != c.vat || r.num("net") != c.net || tf["fee_rate"] != formatRate(c.bp) || tf["vat_rate"] != "7.0" {
			t.Errorf("API %d at %d: %s", c.amount, c.bp, r.raw)
		}
	}
	if formatRate(365) != "3.65" || formatRate(165) != "1.65" || formatRate(300) != "3.0" || formatRate(5) != "0.05" {
		t.Error("formatRate")
	}
}

func TestFormEncodingAndMetadata(t *testing.T) {
	h := newHarness(t, Options{})
	r := h.must(h.post("/charges", url.Values{
		"amount": {"4000"}, "currency": {"thb"},
		"source[type]": {"barcode_alipay"}, "source[barcode]": {"1234567890123456"},
		"source[store_id]": {"s1"}, "source[store_name]": {"Main"}, "source[terminal_id]": {"POS-01"},
		"metadata[sale_id]": {"42"}, "metadata[nested][x]": {"y"}, "description": {"Sale 42"},
	}), 200)
	md := r.body["metadata"].(map[string]any)
	if md["sale_id"] != "42" || md["nested"].(map[string]any)["x"] != "y" || r.str("description") != "Sale 42" {
		t.Fatalf("metadata: %s", r.raw)
	}
	src := r.body["source"].(map[string]any)
	if src["store_id"] != "s1" || src["terminal_id"] != "POS-01" || src["barcode"] != "1234567890123456" || src["charge_status"] != "pending" {
		t.Fatalf("source: %v", src)
	}
	if src["references"].(map[string]any)["expires_at"] != r.str("expires_at") {
		t.Fatalf("references: %v", src["references"])
	}
	// GET parameters in the body (as omise-go sends them) work like the query.
	h.charge(5000, "1234567890")
	l := h.must(h.call("GET", "/charges", skey, "", map[string]any{"limit": 1}), 200)
	if l.num("limit") != 1 || len(l.body["data"].([]any)) != 1 || l.num("total") != 2 {
		t.Fatalf("GET body params: %s", l.raw)
	}
	// PATCH changes description and metadata only.
	id := r.str("id")
	p := h.must(h.call("PATCH", "/charges/"+id, skey, "", url.Values{"description": {"New"}, "metadata[a]": {"b"}}), 200)
	if p.str("description") != "New" || p.body["metadata"].(map[string]any)["a"] != "b" || p.num("amount") != 4000 {
		t.Fatalf("patch: %s", p.raw)
	}
	p = h.must(h.call("PATCH", "/charges/"+id, skey, "", map[string]any{"description": nil}), 200)
	if p.body["description"] != nil || p.body["metadata"].(map[string]any)["a"] != "b" {
		t.Fatalf("patch description null: %s", p.raw)
	}
}

func TestStateMachine(t *testing.T) {
	h := newHarness(t, Options{})
	for code, msg := range failureMessages {
		t.Run("failed "+code, func(t *testing.T) {
			id := h.charge(5000, "1234567890")
			r := h.must(h.post("/charges/"+id+"/mark_as_failed", url.Values{"failure_code": {code}}), 200)
			if r.str("status") != "failed" || r.str("failure_code") != code || r.str("failure_message") != msg || r.body["transaction"] != nil {
				t.Fatalf("%s", r.raw)
			}
			if r.body["source"].(map[string]any)["charge_status"] != "failed" {
				t.Fatal("source not failed")
			}
			h.wantErr(h.post("/charges/"+id+"/expire", nil), 400, "failed_expire", "expire failed")
			h.wantErr(h.post("/charges/"+id+"/mark_as_paid", nil), 400, "bad_request", "charge is not pending")
		})
	}
	t.Run("unknown failure code", func(t *testing.T) {
		id := h.charge(5000, "1234567890")
		h.wantErr(h.post("/charges/"+id+"/mark_as_failed", map[string]any{"failure_code": "nope"}), 400, "bad_request", "")
		h.wantErr(h.post("/charges/"+id+"/mark_as_failed", nil), 400, "bad_request", "")
	})
	t.Run("expire", func(t *testing.T) {
		id := h.charge(5000, "1234567890")
		r := h.must(h.post("/charges/"+id+"/expire", nil), 200)
		if r.str("status") != "expired" || r.body["expired"] != true || r.str("expired_at") == "" || r.str("expired_at") != r.str("expires_at") ||
			r.body["source"].(map[string]any)["charge_status"] != "expired" {
			t.Fatalf("%s", r.raw)
		}
		h.wantErr(h.post("/charges/"+id+"/expire", nil), 400, "failed_expire", "expire failed")
		h.wantErr(h.post("/charges/"+id+"/mark_as_paid", nil), 400, "expired_charge", "charge expired")
		if _, err := h.sim.MarkFailed(id, omise.FailureTimeout); err == nil || err.(*Error).Code != "expired_charge" {
			t.Fatalf("MarkFailed on expired: %v", err)
		}
	})
	t.Run("reverse and capture", func(t *testing.T) {
		id := h.paidCharge(5000)
		h.wantErr(h.post("/charges/"+id+"/reverse", nil), 400, "failed_reverse", "only uncaptured authorized charges can be reversed")
		h.wantErr(h.post("/charges/"+id+"/capture", nil), 400, "failed_capture", "capture failed")
		h.wantErr(h.post("/charges/chrg_test_x/reverse", nil), 404, "not_found", "charge chrg_test_x was not found")
	})
	t.Run("mark unknown", func(t *testing.T) {
		h.wantErr(h.post("/charges/chrg_test_x/mark_as_paid", nil), 404, "not_found", "charge chrg_test_x was not found")
	})
}

func TestAutoExpiry(t *testing.T) {
	h := newHarness(t, Options{ChargeTTL: time.Hour})
	id := h.charge(5000, "1234567890")
	r := h.must(h.get("/charges/"+id), 200)
	created, _ := time.Parse(time.RFC3339, r.str("created_at"))
	expires, _ := time.Parse(time.RFC3339, r.str("expires_at"))
	if expires.Sub(created) != time.Hour {
		t.Fatalf("expires_at %v created %v", expires, created)
	}
	h.sim.Advance(59 * time.Minute)
	if s := h.must(h.get("/charges/"+id), 200).str("status"); s != "pending" {
		t.Fatalf("status %s before expiry", s)
	}
	h.sim.Advance(2 * time.Minute)
	r = h.must(h.get("/charges/"+id), 200)
	if r.str("status") != "expired" || r.str("expired_at") != expires.Format(time.RFC3339) {
		t.Fatalf("after expiry: %s", r.raw)
	}
	h.wantErr(h.post("/charges/"+id+"/mark_as_paid", nil), 400, "expired_charge", "charge expired")
	ev := h.must(h.get("/charges/"+id+"/events"), 200)
	keys := eventKeys(ev)
	if strings.Join(keys, ",") != "charge.create,charge.expire" {
		t.Fatalf("events %v", keys)
	}

	// A clock that moves without Advance: the next request notices.
	clk := fakeclock.At(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	h2 := newHarness(t, Options{Now: clk.Now, ChargeTTL: time.Minute})
	id2 := h2.charge(5000, "1234567890")
	clk.Advance(2 * time.Minute)
	h2.wantErr(h2.post("/charges/"+id2+"/mark_as_paid", nil), 400, "expired_charge", "charge expired")
	if r := h2.must(h2.get("/charges/"+id2), 200); r.str("expired_at") != "2026-01-02T03:05:05Z" {
		t.Fatalf("expired_at %s", r.str("expired_at"))
	}
}

func eventKeys(l *resp) []string {
	var keys []string
	for _, e := range l.body["data"].([]any) {
		keys = append(keys, e.(map[string]any)["key"].(string))
	}
	return keys
}

func TestRefunds(t *testing.T) {
	h := newHarness(t, Options{})
	t.Run("partial then rest", func(t *testing.T) {
		id := h.paidCharge(10000)
		r := h.must(h.post("/charges/"+id+"/refunds", map[string]any{"amount": 3000, "metadata": map[string]any{"reason": "x"}}), 200)
		if r.str("status") != "closed" || r.body["voided"] != false || r.str("charge") != id || !strings.HasPrefix(r.str("transaction"), "trxn_test_") ||
			r.body["metadata"].(map[string]any)["reason"] != "x" || r.str("location") != "/charges/"+id+"/refunds/"+r.str("id") {
			t.Fatalf("refund: %s", r.raw)
		}
		c := h.must(h.get("/charges/"+id), 200)
		if c.num("refunded_amount") != 3000 || c.body["refundable"] != true || c.str("status") != "successful" {
			t.Fatalf("after partial: %s", c.raw)
		}
		h.wantErr(h.post("/charges/"+id+"/refunds", map[string]any{"amount": 7001}), 400, "failed_refund", "")
		h.must(h.post("/charges/"+id+"/refunds", url.Values{"amount": {"7000"}, "void": {"true"}}), 200)
		c = h.must(h.get("/charges/"+id), 200)
		if c.num("refunded_amount") != 10000 || c.body["refundable"] != false || c.str("status") != "successful" || c.body["voided"] != true {
			t.Fatalf("after full: %s", c.raw)
		}
		if l := c.body["refunds"].(map[string]any); num(l["total"]) != 2 {
			t.Fatalf("embedded refunds: %v", l)
		}
		h.wantErr(h.post("/charges/"+id+"/refunds", map[string]any{"amount": 1}), 400, "failed_refund", "")
		g := h.must(h.get("/charges/"+id+"/refunds/"+r.str("id")), 200)
		if g.num("amount") != 3000 {
			t.Fatalf("get refund: %s", g.raw)
		}
		h.wantErr(h.get("/charges/"+id+"/refunds/rfnd_test_x"), 404, "not_found", "refund rfnd_test_x was not found")
	})
	t.Run("bad amounts", func(t *testing.T) {
		id := h.paidCharge(10000)
		h.wantErr(h.post("/charges/"+id+"/refunds", map[string]any{"amount": 0}), 400, "bad_request", "amount must be greater than 0")
		h.wantErr(h.post("/charges/"+id+"/refunds", map[string]any{"amount": -5}), 400, "bad_request", "amount must be greater than 0")
		h.wantErr(h.post("/charges/"+id+"/refunds", map[string]any{"amount": "x"}), 400, "bad_request", "amount is not a number")
		h.wantErr(h.post("/charges/chrg_test_x/refunds", map[string]any{"amount": 5}), 404, "not_found", "charge chrg_test_x was not found")
	})
	t.Run("not successful", func(t *testing.T) {
		id := h.charge(10000, "1234567890")
		h.wantErr(h.post("/charges/"+id+"/refunds", map[string]any{"amount": 100}), 400, "failed_refund", "charge can't be refunded")
	})
	t.Run("15 at most", func(t *testing.T) {
		id := h.paidCharge(10000)
		for i := 0; i < MaxRefundsPerCharge; i++ {
			h.must(h.post("/charges/"+id+"/refunds", map[string]any{"amount": 100}), 200)
		}
		h.wantErr(h.post("/charges/"+id+"/refunds", map[string]any{"amount": 100}), 400, "failed_refund", "charge has reached the maximum number of refunds")
		l := h.must(h.get("/charges/"+id+"/refunds?limit=5&offset=10"), 200)
		if l.num("total") != 15 || len(l.body["data"].([]any)) != 5 {
			t.Fatalf("refund list: %s", l.raw)
		}
	})
	t.Run("365 days", func(t *testing.T) {
		h := newHarness(t, Options{})
		id := h.paidCharge(10000)
		h.sim.Advance(365 * 24 * time.Hour)
		h.must(h.post("/charges/"+id+"/refunds", map[string]any{"amount": 100}), 200)
		h.sim.Advance(time.Second)
		h.wantErr(h.post("/charges/"+id+"/refunds", map[string]any{"amount": 100}), 400, "failed_refund", "charge is too old to be refunded")
	})
	t.Run("concurrent", func(t *testing.T) {
		id := h.paidCharge(10000)
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := h.post("/charges/"+id+"/refunds", map[string]any{"amount": 700})
				if r.status == 200 {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		c := h.must(h.get("/charges/"+id), 200)
		if ok != 14 || c.num("refunded_amount") != 9800 {
			t.Fatalf("%d refunds succeeded, refunded %d", ok, c.num("refunded_amount"))
		}
	})
	t.Run("quiet", func(t *testing.T) {
		id := h.paidCharge(10000)
		r, err := h.sim.RefundQuietly(id, 2500)
		if err != nil || r.Amount != 2500 || r.Charge != id || r.CreatedAt.IsZero() {
			t.Fatalf("RefundQuietly: %+v %v", r, err)
		}
		if _, err := h.sim.RefundQuietly(id, 999999); err == nil {
			t.Fatal("oversized quiet refund accepted")
		}
	})
}

func TestLists(t *testing.T) {
	clk := fakeclock.At(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
	h := newHarness(t, Options{Now: clk.Now})
	var ids []string
	for i := 0; i < 5; i++ {
		ids = append(ids, h.charge(int64(5000+i), "1234567890"))
		clk.Advance(time.Hour)
	}
	page := func(q string) (*resp, []string) {
		r := h.must(h.get("/charges"+q), 200)
		var got []string
		for _, d := range r.body["data"].([]any) {
			got = append(got, d.(map[string]any)["id"].(string))
		}
		return r, got
	}
	cases := []struct {
		q     string
		want  []string
		total int64
		order string
		limit int64
	}{
		{"", ids, 5, "chronological", 20},
		{"?limit=2", ids[:2], 5, "chronological", 2},
		{"?limit=2&offset=2", ids[2:4], 5, "chronological", 2},
		{"?limit=2&order=reverse_chronological", []string{ids[4], ids[3]}, 5, "reverse_chronological", 2},
		{"?offset=1&limit=2&order=reverse_chronological", []string{ids[3], ids[2]}, 5, "reverse_chronological", 2},
		{"?limit=1000", ids, 5, "chronological", 100},
		{"?offset=9", nil, 5, "chronological", 20},
		{"?from=2026-03-01T11:00:00Z&to=2026-03-01T13:00:00Z", ids[1:4], 3, "chronological", 20},
		{"?from=2026-03-01T11:00:00Z&to=2026-03-01T13:00:00Z&order=reverse_chronological&limit=1", ids[3:4], 3, "reverse_chronological", 1},
		{"?from=2026-03-02", nil, 0, "chronological", 20},
		{"?to=2026-03-01", nil, 0, "chronological", 20},
	}
	for _, c := range cases {
		t.Run(c.q, func(t *testing.T) {
			r, got := page(c.q)
			if fmt.Sprint(got) != fmt.Sprint(c.want) || r.num("total") != c.total || r.str("order") != c.order || r.num("limit") != c.limit ||
				r.str("object") != "list" || r.str("location") != "/charges" {
				t.Fatalf("got %v total %d: %s", got, r.num("total"), r.raw)
			}
		})
	}
	r, _ := page("")
	if r.str("from") != "1970-01-01T00:00:00Z" || r.str("to") != "2026-03-01T15:00:00Z" {
		t.Fatalf("from/to: %s %s", r.str("from"), r.str("to"))
	}
	h.wantErr(h.get("/charges?from=yesterday"), 400, "bad_request", "from is invalid")
	h.wantErr(h.get("/charges?offset=-1"), 400, "bad_request", "offset is invalid")

	// /refunds and /events over all charges.
	h.must(h.post("/charges/"+ids[0]+"/mark_as_paid", nil), 200)
	h.must(h.post("/charges/"+ids[0]+"/refunds", map[string]any{"amount": 100}), 200)
	rl := h.must(h.get("/refunds"), 200)
	if rl.num("total") != 1 || rl.str("location") != "/refunds" {
		t.Fatalf("refunds: %s", rl.raw)
	}
	el := h.must(h.get("/events?order=reverse_chronological&limit=2"), 200)
	if k := eventKeys(el); el.num("total") != 7 || strings.Join(k, ",") != "refund.create,charge.complete" {
		t.Fatalf("events: %v %s", k, el.raw)
	}
}

func TestEvents(t *testing.T) {
	h := newHarness(t, Options{AccountVersion: "2017-11-02"})
	id := h.charge(5000, "1234567890")
	h.must(h.call("PATCH", "/charges/"+id, skey, "", map[string]any{"metadata": map[string]any{"k": "v"}}), 200)
	h.must(h.post("/charges/"+id+"/mark_as_paid", nil), 200)
	h.must(h.post("/charges/"+id+"/refunds", map[string]any{"amount": 100}), 200)
	other := h.charge(5000, "1234567890")
	h.must(h.post("/charges/"+other+"/expire", nil), 200)

	l := h.must(h.get("/charges/"+id+"/events"), 200)
	if k := strings.Join(eventKeys(l), ","); k != "charge.create,charge.update,charge.complete,refund.create" {
		t.Fatalf("events of charge: %s", k)
	}
	data := l.body["data"].([]any)
	create := data[0].(map[string]any)
	if create["data"].(map[string]any)["status"] != "pending" {
		t.Fatal("charge.create data should be the charge as it was then")
	}
	complete := data[2].(map[string]any)
	if d := complete["data"].(map[string]any); d["status"] != "successful" || d["metadata"].(map[string]any)["k"] != "v" {
		t.Fatalf("charge.complete data: %v", d)
	}
	rf := data[3].(map[string]any)["data"].(map[string]any)
	if rf["object"] != "refund" || rf["charge"] != id {
		t.Fatalf("refund.create data: %v", rf)
	}
	evID := create["id"].(string)
	g := h.must(h.call("GET", "/events/"+evID, skey, Version2019, nil), 200)
	if g.str("key") != "charge.create" || g.str("location") != "/events/"+evID || g.body["webhook_deliveries"] == nil {
		t.Fatalf("event: %s", g.raw)
	}
	// Event data keeps the account version of its time, whatever the request asks.
	if order := g.body["data"].(map[string]any)["refunds"].(map[string]any)["order"]; order != nil {
		t.Fatalf("event data order %v, want null (2017-11-02)", order)
	}
	h.wantErr(h.get("/events/evnt_test_x"), 404, "not_found", "event evnt_test_x was not found")
	h.wantErr(h.get("/charges/chrg_test_x/events"), 404, "not_found", "charge chrg_test_x was not found")
	if l := h.must(h.get("/charges/"+other+"/events"), 200); strings.Join(eventKeys(l), ",") != "charge.create,charge.expire" {
		t.Fatalf("expire events: %v", eventKeys(l))
	}

	// ForceStatus changes state without any event.
	third := h.charge(5000, "1234567890")
	before := h.sim.Stats().EventsCreated
	if err := h.sim.ForceStatus(third, omise.StatusSuccessful, ""); err != nil {
		t.Fatal(err)
	}
	c := h.must(h.get("/charges/"+third), 200)
	if c.str("status") != "successful" || c.body["paid"] != true || h.sim.Stats().EventsCreated != before {
		t.Fatalf("ForceStatus: %s", c.raw)
	}
	if err := h.sim.ForceStatus(third, omise.StatusFailed, "payment_rejected"); err != nil {
		t.Fatal(err)
	}
	if c := h.must(h.get("/charges/"+third), 200); c.str("failure_code") != "payment_rejected" || c.body["transaction"] != nil {
		t.Fatalf("ForceStatus failed: %s", c.raw)
	}
	if err := h.sim.ForceStatus("chrg_test_x", omise.StatusFailed, ""); err == nil {
		t.Fatal("ForceStatus on unknown charge")
	}
}

func TestVersions(t *testing.T) {
	h := newHarness(t, Options{})
	id := h.paidCharge(5000)
	h.must(h.post("/charges/"+id+"/refunds", map[string]any{"amount": 100}), 200)
	cases := []struct {
		version, echo string
		order         any
	}{
		{"", "2017-11-02", nil},
		{"2017-11-02", "2017-11-02", nil},
		{"2019-05-29", "2019-05-29", "chronological"},
	}
	for _, c := range cases {
		t.Run(c.version, func(t *testing.T) {
			r := h.must(h.call("GET", "/charges/"+id, skey, c.version, nil), 200)
			if r.header.Get("Omise-Version") != c.echo {
				t.Fatalf("Omise-Version %q", r.header.Get("Omise-Version"))
			}
			if r.header.Get("Content-Type") != "application/json; charset=utf-8" || r.header.Get("X-Request-Id") == "" {
				t.Fatalf("headers %v", r.header)
			}
			refunds := r.body["refunds"].(map[string]any)
			if refunds["order"] != c.order {
				t.Fatalf("refunds.order %v, want %v", refunds["order"], c.order)
			}
			// Shape the spec's example shows, in both versions.
			for _, k := range []string{"created_at", "refunded_amount", "fee", "fee_vat", "net", "expires_at", "paid_at"} {
				if _, ok := r.body[k]; !ok {
					t.Errorf("missing %s", k)
				}
			}
			if r.str("currency") != "THB" {
				t.Errorf("currency %s", r.str("currency"))
			}
			// A 2019 list still names its order.
			l := h.must(h.call("GET", "/charges/"+id+"/refunds", skey, c.version, nil), 200)
			if l.str("order") != "chronological" {
				t.Errorf("list order %v", l.body["order"])
			}
		})
	}
	h.wantErr(h.call("GET", "/charges/"+id, skey, "2099-01-01", nil), 400, "bad_request", "version is not supported")

	// The account version decides event data.
	h19 := newHarness(t, Options{AccountVersion: Version2019})
	id19 := h19.charge(5000, "1234567890")
	r := h19.must(h19.call("GET", "/charges/"+id19+"/events", skey, "2017-11-02", nil), 200)
	d := r.body["data"].([]any)[0].(map[string]any)["data"].(map[string]any)
	if d["refunds"].(map[string]any)["order"] != "chronological" {
		t.Fatal("2019 account: event data should have order chronological")
	}
	if r19 := h19.must(h19.get("/charges/"+id19), 200); r19.header.Get("Omise-Version") != Version2019 {
		t.Fatal("account version not used as default")
	}
}

var idRe = regexp.MustCompile(`^(src|chrg|rfnd|evnt|trxn|whdl)_test_[0-9a-z]{19}$`)

func TestIDs(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	const n = 20000
	ids := make([]string, n)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < n; i += 8 {
				ids[i] = s.newID("chrg")
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, id := range ids {
		if !idRe.MatchString(id) || seen[id] {
			t.Fatalf("bad or duplicate id %q", id)
		}
		seen[id] = true
	}
	// Sequential ids sort by creation time (the 13-char prefix).
	a, b := s.newID("evnt"), s.newID("evnt")
	if a[len("evnt_test_"):len("evnt_test_")+13] >= b[len("evnt_test_"):len("evnt_test_")+13] {
		t.Fatalf("ids not ordered: %s %s", a, b)
	}
	seq := make([]string, 100)
	for i := range seq {
		seq[i] = s.newID("chrg")[:len("chrg_test_")+13]
	}
	if !sort.StringsAreSorted(seq) {
		t.Fatal("id prefixes not time-ordered")
	}
}

func TestFaults(t *testing.T) {
	h := newHarness(t, Options{})
	t.Run("5xx then 429", func(t *testing.T) {
		h.sim.SetFaults(Faults{FailNext5xx: 2, FailNext429: 1})
		h.wantErr(h.get("/charges"), 500, "internal_server_error", "")
		h.wantErr(h.post("/charges", nil), 500, "internal_server_error", "")
		h.wantErr(h.get("/charges"), 429, "too_many_requests", "")
		h.must(h.get("/charges"), 200)
		if f := h.sim.Faults(); f.FailNext5xx != 0 || f.FailNext429 != 0 {
			t.Fatalf("counters left: %+v", f)
		}
		if h.sim.CountCharges() != 0 {
			t.Fatal("a faulted POST created a charge")
		}
	})
	t.Run("controls are exempt", func(t *testing.T) {
		id := h.charge(5000, "1234567890")
		h.sim.SetFaults(Faults{FailNext5xx: 1})
		h.must(h.post("/charges/"+id+"/mark_as_paid", nil), 200)
		h.wantErr(h.get("/charges/"+id), 500, "internal_server_error", "")
		h.sim.SetFaults(Faults{})
	})
	t.Run("match", func(t *testing.T) {
		h.sim.SetFaults(Faults{FailNext5xx: 1, Match: func(r *http.Request) bool { return r.Method == "POST" }})
		h.must(h.get("/charges"), 200)
		h.wantErr(h.post("/charges", nil), 500, "internal_server_error", "")
		h.sim.SetFaults(Faults{})
	})
	t.Run("timeout after commit", func(t *testing.T) {
		h.sim.SetFaults(Faults{TimeoutAfterCommitNext: 1})
		before := h.sim.CountCharges()
		client := &http.Client{Timeout: 300 * time.Millisecond}
		req, _ := http.NewRequest("POST", h.srv.URL+"/charges", strings.NewReader(`{"amount":5000,"currency":"thb","source":{"type":"barcode_alipay","barcode":"1234567890"},"metadata":{"sale":"s-1"}}`))
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth(skey, "")
		if res, err := client.Do(req); err == nil {
			res.Body.Close()
			t.Fatalf("answered %d; want a client timeout", res.StatusCode)
		}
		if h.sim.CountCharges() != before+1 {
			t.Fatal("the charge should exist")
		}
		l := h.must(h.get("/charges?order=reverse_chronological&limit=1"), 200)
		if md := l.body["data"].([]any)[0].(map[string]any)["metadata"].(map[string]any); md["sale"] != "s-1" {
			t.Fatalf("found charge metadata %v", md)
		}
		h.must(h.post("/charges", map[string]any{"amount": 5000, "currency": "thb", "source": map[string]any{"type": "barcode_alipay", "barcode": "1234567890"}}), 200)
	})
	t.Run("latency", func(t *testing.T) {
		h.sim.SetFaults(Faults{Latency: 300 * time.Millisecond})
		client := &http.Client{Timeout: 50 * time.Millisecond}
		req, _ := http.NewRequest("GET", h.srv.URL+"/charges", nil)
		req.SetBasicAuth(skey, "")
		if res, err := client.Do(req); err == nil {
			res.Body.Close()
			t.Fatal("latency not applied")
		}
		h.sim.SetFaults(Faults{})
		h.must(h.get("/charges"), 200)
	})
	st := h.sim.Stats()
	if st.FaultsInjected != 6 || st.Requests["GET /charges"] == 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestAutoOutcome(t *testing.T) {
	h := newHarness(t, Options{AutoOutcome: true, AutoOutcomeDelay: 20 * time.Millisecond})
	cases := []struct{ barcode, status, code string }{
		{"2800000000000001", "successful", ""},
		{"2800000000001111", "failed", "insufficient_balance"},
		{"2800000000002222", "failed", "payment_rejected"},
		{"2800000000003333", "failed", "timeout"},
		{"2800000000004444", "failed", "payment_cancelled"},
		{"2800000000005555", "failed", "failed_processing"},
		{"2800000000006666", "failed", "invalid_barcode"},
	}
	// The charge that must stay pending is made first: the scheduler runs
	// outcomes in the order they were set, so once every later charge has
	// its outcome, this one's turn has come and gone.
	pending := h.charge(5000, "2800000000000000")
	ids := map[string]string{}
	for _, c := range cases {
		ids[c.barcode] = h.charge(5000, c.barcode)
	}
	for _, c := range cases {
		id := ids[c.barcode]
		waitFor(t, "auto outcome of "+c.barcode, func() bool { return h.get("/charges/"+id).str("status") != "pending" })
		r := h.get("/charges/" + id)
		if r.str("status") != c.status || (c.code != "" && r.str("failure_code") != c.code) {
			t.Errorf("%s: %s %s", c.barcode, r.str("status"), r.str("failure_code"))
		}
	}
	if s := h.get("/charges/" + pending).str("status"); s != "pending" {
		t.Fatalf("0000 barcode resolved to %s", s)
	}
	if st, code := AutoOutcomeFor("1234567890001111"); st != omise.StatusFailed || code != "insufficient_balance" {
		t.Fatal("AutoOutcomeFor")
	}
}

// TestConcurrentUse drives every endpoint at once for the race detector.
func TestConcurrentUse(t *testing.T) {
	h := newHarness(t, Options{AutoOutcome: true, AutoOutcomeDelay: time.Millisecond, ExpiryInterval: time.Millisecond, ChargeTTL: time.Hour})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 15; i++ {
				id := h.charge(5000, fmt.Sprintf("28000000000%05d", i))
				_ = h.post("/charges/"+id+"/mark_as_paid", nil)
				_ = h.post("/charges/"+id+"/refunds", map[string]any{"amount": 100})
				_ = h.get("/charges?limit=5&order=reverse_chronological")
				_ = h.get("/events?limit=5")
				_ = h.get("/charges/" + id + "/events")
				_ = h.call("PATCH", "/charges/"+id, skey, "", map[string]any{"description": "x"})
				if i%5 == 0 {
					h.sim.Advance(time.Minute)
				}
			}
		}()
	}
	wg.Wait()
	if h.sim.CountCharges() != 120 || h.sim.Stats().ChargesCreated != 120 {
		t.Fatalf("charges %d", h.sim.CountCharges())
	}
}

// TestCloseStopsGoroutines: Close waits for every background goroutine.
func TestCloseStopsGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	rc := newReceiver(t, 500, 500, 500)
	s := New(Options{WebhookURL: rc.srv.URL, AutoOutcome: true, AutoOutcomeDelay: time.Hour, WebhookRetryBase: time.Hour})
	for i := 0; i < 3; i++ {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, benchRequest("POST", "/charges", benchChargeBody))
		if w.Code != 200 {
			t.Fatal(w.Body.String())
		}
	}
	waitFor(t, "first attempts", func() bool { return len(s.Deliveries()) == 3 })
	s.Close()
	s.Close() // idempotent
	rc.srv.CloseClientConnections()
	waitFor(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= before+2 })
}

// With Recorded2017, 2017-11-02 answers in the shape recorded in 2017 (no
// fee, fee_vat, net, paid_at or expires_at; created, refunded, thb), while
// 2019-05-29 still documents the fees. The client decodes the fee as absent.
func TestRecorded2017Shape(t *testing.T) {
	h := newHarness(t, Options{Recorded2017: true})
	id := h.paidCharge(5000)
	h.must(h.post("/charges/"+id+"/refunds", map[string]any{"amount": 100}), 200)
	r := h.must(h.call("GET", "/charges/"+id, skey, "2017-11-02", nil), 200)
	if r.header.Get("Omise-Version") != "2017-11-02" {
		t.Fatalf("Omise-Version %q", r.header.Get("Omise-Version"))
	}
	for _, k := range []string{"fee", "fee_vat", "net", "paid_at", "expires_at", "created_at", "refunded_amount"} {
		if _, ok := r.body[k]; ok {
			t.Errorf("recorded 2017 shape has %s", k)
		}
	}
	if r.str("currency") != "thb" || r.num("refunded") != 100 || r.str("created") == "" {
		t.Fatalf("recorded 2017 keys: %s", r.raw)
	}
	var oc omise.Charge
	if err := json.Unmarshal(r.raw, &oc); err != nil {
		t.Fatal(err)
	}
	if !oc.FeeAbsent || oc.Fee != 0 || oc.RefundedAmount != 100 || oc.CreatedAt.IsZero() || oc.Source == nil {
		t.Fatalf("decoded %+v", oc)
	}
	r19 := h.must(h.call("GET", "/charges/"+id, skey, Version2019, nil), 200)
	if r19.num("fee") == 0 || r19.num("net") == 0 {
		t.Fatalf("2019 shape without fees: %s", r19.raw)
	}
	oc = omise.Charge{}
	if err := json.Unmarshal(r19.raw, &oc); err != nil || oc.FeeAbsent || oc.Fee == 0 {
		t.Fatalf("decoded 2019 %+v %v", oc, err)
	}
	// Lists answer in the same shape.
	l := h.must(h.call("GET", "/charges", skey, "2017-11-02", nil), 200)
	if d := l.body["data"].([]any)[0].(map[string]any); d["fee"] != nil || d["created"] == nil {
		t.Fatalf("list item %v", d)
	}
}
