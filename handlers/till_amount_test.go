package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"instore/handlers"
	"instore/money"
	"instore/web/webtest"
)

// sellForm posts a sale with any fields, as JSON.
func (env *tillEnv) sellForm(c *webtest.Client, form url.Values) *http.Response {
	env.T.Helper()
	if form.Get("attempt_id") == "" {
		form.Set("attempt_id", uuid.NewString())
	}
	if form.Get("terminal_id") == "" {
		form.Set("terminal_id", tillTerm)
	}
	return c.PostForm("/till/charges", form, "Accept: application/json")
}

// cancel frees the terminal for the next sale.
func (env *tillEnv) cancel(c *webtest.Client, attemptID string) {
	env.T.Helper()
	got := decodeJSON[handlers.TillAttemptJSON](env.T, c.PostForm("/till/charges/"+attemptID+"/cancel", nil, "Accept: application/json"), http.StatusOK)
	if got.Status != "expired" {
		env.T.Fatalf("cancel: %+v", got)
	}
}

// Every worked example of the amount grammar, typed into the till: what
// the grammar refuses is refused with 422 and never reaches Omise; what it
// accepts is charged for exactly that amount (or refused for the till's
// range).
func TestTillAmountGrammar(t *testing.T) {
	env := newTillEnv(t)
	c := env.Login("cashier")
	charges := 0
	for i, tc := range money.ParseBahtCases {
		code := "2810" + strings.Repeat("0", 10) + itoa(1000+i) // a fresh code per sale
		for _, confirmed := range []bool{false, true} {
			form := url.Values{"amount": {tc.In}, "barcode": {code}}
			if confirmed {
				form.Set("amount_confirmed", tc.In)
			}
			res := env.sellForm(c, form)
			if !tc.OK || tc.Want < money.MinCharge || tc.Want > money.MaxCharge {
				r := decodeJSON[handlers.TillRefusalJSON](t, res, http.StatusUnprocessableEntity)
				want := "amount_range"
				switch {
				case strings.TrimSpace(tc.In) == "":
					want = "amount_empty"
				case !tc.OK:
					want = "amount_format"
				}
				if m := r.Fields["amount"]; m.Code != want || m.Message == "" || m.MessageTH == "" {
					t.Errorf("amount %q (confirmed %v): %+v, want %s", tc.In, confirmed, r.Fields, want)
				}
				if n := env.Sim.CountCharges(); n != charges {
					t.Fatalf("amount %q: %d charges at Omise, want %d", tc.In, n, charges)
				}
				continue
			}
			a := decodeJSON[handlers.TillAttemptJSON](t, res, http.StatusOK)
			charges++
			if a.Amount != tc.Want || env.Sim.CountCharges() != charges {
				t.Fatalf("amount %q charged %d (charges %d), want %d", tc.In, a.Amount, env.Sim.CountCharges(), tc.Want)
			}
			env.cancel(c, a.AttemptID)
			code = "2811" + code[4:] // a used code is refused for 10 minutes
		}
	}
	if charges == 0 {
		t.Fatal("no example was charged")
	}
}

func TestTillAmountConfirmed(t *testing.T) {
	env := newTillEnv(t)
	c := env.Login("cashier")
	cases := []struct {
		name      string
		amount    string
		confirmed *string // nil: field absent
		charged   int64   // 0: refused as amount_unconfirmed
	}{
		{"scan digits after the cashier's last keystroke", "10028", ptr("100"), 0},
		{"empty confirmation", "100", ptr(""), 0},
		{"confirmation not an amount", "100", ptr("abc"), 0},
		{"comma confirmation", "2550", ptr("25,50"), 0},
		{"huge amount says changed, not out of range", "10028100000000", ptr("100"), 0},
		{"same text", "100", ptr("100"), 10000},
		{"same amount written differently", "1,234.5", ptr("1234.50"), 123450},
		{"absent: API callers", "75", nil, 7500},
	}
	attempts := func() int {
		l, err := env.DB.ListRecentAttempts(context.Background(), tillStore, tillTerm, 1000)
		if err != nil {
			t.Fatal(err)
		}
		return len(l)
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, attemptsBefore := env.Sim.CountCharges(), attempts()
			form := url.Values{"amount": {tc.amount}, "barcode": {"28200000000000" + itoa(1000+i)}}
			if tc.confirmed != nil {
				form["amount_confirmed"] = []string{*tc.confirmed}
			}
			res := env.sellForm(c, form)
			if tc.charged == 0 {
				r := decodeJSON[handlers.TillRefusalJSON](t, res, http.StatusUnprocessableEntity)
				m := r.Fields["amount"]
				if m.Code != "amount_unconfirmed" || !strings.Contains(m.Message, "Type the amount again") || m.MessageTH == "" || len(r.Fields) != 1 {
					t.Fatalf("refusal %+v", r)
				}
				if env.Sim.CountCharges() != before {
					t.Fatal("an unconfirmed amount reached Omise")
				}
				if n := attempts(); n != attemptsBefore {
					t.Fatalf("an attempt was recorded (%d, was %d)", n, attemptsBefore)
				}
				return
			}
			a := decodeJSON[handlers.TillAttemptJSON](t, res, http.StatusOK)
			if a.Amount != tc.charged || env.Sim.CountCharges() != before+1 {
				t.Fatalf("charged %+v", a)
			}
			env.cancel(c, a.AttemptID)
		})
	}
	// A form page shows the message under the amount, with the amount kept.
	form := url.Values{"attempt_id": {uuid.NewString()}, "terminal_id": {tillTerm}, "amount": {"10028"},
		"amount_confirmed": {"100"}, "barcode": {"2830000000000000123"}}
	doc := env.Doc(c.PostForm("/till/charges", form), http.StatusUnprocessableEntity)
	if msg := doc.Find(`[data-testid="field-error-amount"]`).Text(); !strings.Contains(msg, "The amount changed") || !strings.Contains(msg, "จำนวนเงินเปลี่ยนไป") {
		t.Fatalf("form message %q", msg)
	}
}

func ptr(s string) *string { return &s }

func TestTillAlipayPrefixRule(t *testing.T) {
	env := newTillEnv(t)
	c := env.Login("cashier")
	for _, code := range []string{
		"10000000000000123",   // what a scan split by the amount field leaves behind
		"2410000000000000123", // 24 is not an Alipay prefix
		"3110000000000000123",
	} {
		r := decodeJSON[handlers.TillRefusalJSON](t, env.sellForm(c, url.Values{"amount": {"100"}, "barcode": {code}}), http.StatusUnprocessableEntity)
		if m := r.Fields["barcode"]; m.Code != "barcode_not_alipay" || !strings.Contains(m.Message, "begin with 25–30") || m.MessageTH == "" {
			t.Fatalf("code %s: %+v", code, r.Fields)
		}
	}
	if n := env.omiseRequests(); n != 0 {
		t.Fatalf("refused codes made %d Omise requests", n)
	}
	// Every Alipay prefix sells.
	for i, p := range []string{"25", "26", "27", "28", "29", "30"} {
		a := decodeJSON[handlers.TillAttemptJSON](t, env.sellForm(c, url.Values{"amount": {"100"}, "barcode": {p + "1000000000000" + itoa(1000+i)}}), http.StatusOK)
		env.cancel(c, a.AttemptID)
	}
	// Alipay+ (store_5678) keeps its length rule only.
	admin := env.Login("admin")
	a := decodeJSON[handlers.TillAttemptJSON](t, admin.PostForm("/till/charges", url.Values{"attempt_id": {uuid.NewString()},
		"store_id": {"store_5678"}, "terminal_id": {"POS-01"}, "amount": {"30"}, "barcode": {"10000000000000123"}}, "Accept: application/json"), http.StatusOK)
	if a.StoreID != "store_5678" {
		t.Fatalf("alipay+ sale %+v", a)
	}
}

// The till page gets the store's payment method and the code shape the
// server enforces, and the store's large-amount threshold.
func TestTillPageCodeShape(t *testing.T) {
	env := newTillEnv(t)
	form := env.Login("cashier").Page("/till", http.StatusOK).Find(`[data-testid="till-form"]`)
	for attr, want := range map[string]string{
		"data-source-type": "barcode_alipay", "data-scan-min-len": "16", "data-scan-max-len": "24",
		"data-code-prefixes": "25,26,27,28,29,30", "data-confirm-above": "500000",
	} {
		if got := form.AttrOr(attr, ""); got != want {
			t.Errorf("%s = %q, want %q", attr, got, want)
		}
	}
	if form.Find(`input[name="amount_confirmed"]`).Length() != 1 {
		t.Error("no amount_confirmed field")
	}
	upm := env.Login("admin").Page("/till?store=store_5678", http.StatusOK).Find(`[data-testid="till-form"]`)
	for attr, want := range map[string]string{
		"data-source-type": "alipayplus_upm", "data-scan-min-len": "17", "data-scan-max-len": "32", "data-code-prefixes": "",
	} {
		if got := upm.AttrOr(attr, "x"); got != want {
			t.Errorf("alipay+ %s = %q, want %q", attr, got, want)
		}
	}
	// A refused sale's page keeps the shape.
	res := env.Login("cashier").PostForm("/till/charges", url.Values{"attempt_id": {uuid.NewString()}, "terminal_id": {tillTerm},
		"amount": {"5"}, "barcode": {tillCode}})
	if got := env.Doc(res, http.StatusUnprocessableEntity).Find(`[data-testid="till-form"]`).AttrOr("data-code-prefixes", ""); got != "25,26,27,28,29,30" {
		t.Errorf("422 page prefixes %q", got)
	}
}
