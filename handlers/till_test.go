package handlers_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"

	"instore/db"
	"instore/handlers"
	"instore/omise"
	"instore/omise/omisehttp"
	"instore/omise/sim"
	"instore/payments"
	"instore/web"
	"instore/web/webtest"
)

// tillEnv is the whole application (webtest) with the till's payments
// service at hand.
type tillEnv struct {
	*webtest.Harness
	svc *payments.Service
}

const (
	tillStore = "store_1234" // barcode_alipay: codes of 16-24 digits
	tillTerm  = "POS-01"
	tillCode  = "281012345678901234"
)

func newTillEnv(t *testing.T, opts ...webtest.Options) *tillEnv {
	t.Helper()
	env := &tillEnv{}
	opts = append(opts, webtest.Options{Deps: func(d *web.Deps) { env.svc = d.Payments }})
	env.Harness = webtest.New(t, opts...)
	return env
}

// sell posts a sale; accept "" sends a plain form (no JSON).
func (env *tillEnv) sell(c *webtest.Client, attemptID, terminal, amount, code string, asJSON bool) *http.Response {
	env.T.Helper()
	form := url.Values{"attempt_id": {attemptID}, "terminal_id": {terminal}, "amount": {amount}, "barcode": {code}}
	if asJSON {
		return c.PostForm("/till/charges", form, "Accept: application/json")
	}
	return c.PostForm("/till/charges", form)
}

func decodeJSON[T any](t *testing.T, res *http.Response, want int) T {
	t.Helper()
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %s", res.Request.Method, res.Request.URL.Path, res.StatusCode, want, b)
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

func (env *tillEnv) omiseRequests() int64 {
	var n int64
	for _, v := range env.Sim.Stats().Requests {
		n += v
	}
	return n
}

func TestTillPage(t *testing.T) {
	env := newTillEnv(t)
	doc := env.Login("cashier").Page("/till", http.StatusOK)
	id := doc.Find(`[data-testid="till-attempt-id"]`).AttrOr("value", "")
	if !payments.ValidAttemptID(id) {
		t.Fatalf("attempt id %q", id)
	}
	var terms []string
	doc.Find(`[data-testid="till-terminal"] option`).Each(func(_ int, s *goquery.Selection) { terms = append(terms, s.AttrOr("value", "")) })
	if strings.Join(terms, ",") != "POS-01,POS-02" {
		t.Fatalf("terminals %v", terms)
	}
	form := doc.Find(`[data-testid="till-form"]`)
	for _, a := range []string{"data-scan-max-gap-ms", "data-scan-min-len", "data-scan-idle-ms"} {
		if form.AttrOr(a, "") == "" {
			t.Errorf("form lacks %s", a)
		}
	}
	bc := doc.Find(`[data-testid="till-barcode"]`)
	if _, ok := bc.Attr("autofocus"); !ok || bc.AttrOr("autocomplete", "") != "off" || bc.AttrOr("spellcheck", "") != "false" {
		t.Fatal("scan field must autofocus with autocomplete and spellcheck off")
	}
	if doc.Find(`script[src*="/static/till."]`).Length() != 1 || doc.Find("script:not([src])").Length() != 0 {
		t.Fatal("till.js must be loaded, and no inline script")
	}
	// A second visit draws a new sale.
	doc2 := env.Login("cashier").Page("/till", http.StatusOK)
	if doc2.Find(`[data-testid="till-attempt-id"]`).AttrOr("value", "") == id {
		t.Fatal("attempt id reused across page loads")
	}
	// An admin picks a store first, then gets its terminals.
	admin := env.Login("admin")
	if n := admin.Page("/till", http.StatusOK).Find(`[data-testid="till-stores"] a`).Length(); n != 2 {
		t.Fatalf("admin store choices: %d", n)
	}
	adoc := admin.Page("/till?store=store_5678", http.StatusOK)
	if adoc.Find(`input[name="store_id"]`).AttrOr("value", "") != "store_5678" || adoc.Find(`[data-testid="till-terminal"] option`).Length() != 1 {
		t.Fatal("admin till of store_5678")
	}
}

func TestTillChargeJSONAndDoubleSubmit(t *testing.T) {
	env := newTillEnv(t)
	c := env.Login("cashier")
	id := uuid.NewString()
	a := decodeJSON[handlers.TillAttemptJSON](t, env.sell(c, id, tillTerm, "๑,๒๐๐.๕๐", "/คๅจๅ/-ภถุึคตจๅ/-ภ", true), http.StatusOK)
	if a.AttemptID != id || a.Status != "pending" || a.ChargeID == "" || a.Amount != 120050 || a.Currency != "THB" ||
		a.TerminalID != tillTerm || a.MessageTH == "" || a.MessageEN == "" || a.ExpiresAt == "" || a.BarcodeMasked != "28••••••••••••1234" {
		t.Fatalf("answer %+v", a)
	}
	again := decodeJSON[handlers.TillAttemptJSON](t, env.sell(c, id, tillTerm, "1200.50", tillCode, true), http.StatusOK)
	if again.ChargeID != a.ChargeID || env.Sim.CountCharges() != 1 {
		t.Fatalf("double submit made %d charges (%+v)", env.Sim.CountCharges(), again)
	}
	oc, err := env.svc.Omise.GetCharge(context.Background(), a.ChargeID)
	if err != nil || oc.MetadataString("cashier") != "cashier" || oc.MetadataString("attempt_id") != id || oc.Source.StoreID != tillStore {
		t.Fatalf("charge at omise: %+v %v", oc, err)
	}
}

func TestTillConcurrentSubmitsOneCharge(t *testing.T) {
	env := newTillEnv(t)
	env.Sim.SetFaults(sim.Faults{Latency: 100 * time.Millisecond})
	c := env.Login("cashier")
	csrf := c.CSRF()
	id := uuid.NewString()
	form := url.Values{"attempt_id": {id}, "terminal_id": {tillTerm}, "amount": {"50"}, "barcode": {tillCode}, "_csrf": {csrf}}.Encode()
	var wg sync.WaitGroup
	codes := make([]int, 20)
	bodies := make([]handlers.TillAttemptJSON, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, env.URL("/till/charges"), strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Accept", "application/json")
			res, err := c.Client.Do(req)
			if err != nil {
				return
			}
			defer res.Body.Close()
			codes[i] = res.StatusCode
			_ = json.NewDecoder(res.Body).Decode(&bodies[i])
		}()
	}
	wg.Wait()
	for i := range 20 {
		if codes[i] != http.StatusOK || bodies[i].AttemptID != id {
			t.Fatalf("submit %d: %d %+v", i, codes[i], bodies[i])
		}
	}
	if n := env.Sim.CountCharges(); n != 1 {
		t.Fatalf("charges at omise: %d, want 1", n)
	}
}

func TestTillFormPostRedirectsToWaitingScreen(t *testing.T) {
	env := newTillEnv(t)
	c := env.Login("cashier")
	id := uuid.NewString()
	res := env.sell(c, id, "POS-02", "75", tillCode, false)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/till/charges/"+id {
		t.Fatalf("form post: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if c.Page("/till", http.StatusOK).Find(`option[selected]`).AttrOr("value", "") != "POS-02" {
		t.Fatal("terminal not remembered")
	}
	doc := c.Page("/till/charges/"+id, http.StatusOK)
	sale := doc.Find(`[data-testid="till-sale"]`)
	if sale.AttrOr("data-status", "") != "pending" || sale.AttrOr("data-live-url", "") != "/live?attempt="+id {
		t.Fatalf("sale attrs: %v", sale.Nodes[0].Attr)
	}
	if doc.Find(`noscript`).Length() == 0 || !strings.Contains(doc.Find("noscript").Text()+mustHTML(doc.Find("noscript")), `http-equiv="refresh"`) {
		t.Fatal("no no-JS refresh while pending")
	}
	if doc.Find(`[data-testid="till-countdown"]`).Length() != 1 || doc.Find(`[data-testid="till-cancel"]`).Length() != 1 {
		t.Fatal("waiting screen lacks countdown or cancel")
	}
	msg := doc.Find(`[data-testid="till-message"]`).Text()
	if !strings.Contains(msg, "รอลูกค้ายืนยัน") || !strings.Contains(msg, "Waiting for the customer to confirm in Alipay") {
		t.Fatalf("message %q", msg)
	}
	// The sale page remembers the terminal for the next sale.
	if env.Login("cashier").Page("/till?terminal=POS-02", http.StatusOK).Find(`option[selected]`).AttrOr("value", "") != "POS-02" {
		t.Fatal("terminal not preselected")
	}
}

func mustHTML(s *goquery.Selection) string {
	h, _ := s.Html()
	return h
}

func TestTillBadInputNeverReachesOmise(t *testing.T) {
	env := newTillEnv(t)
	c := env.Login("cashier")
	cases := []struct {
		name, amount, code string
		fields             []string
	}{
		{"amount below 20", "19.99", tillCode, []string{"amount"}},
		{"amount not a number", "twelve", tillCode, []string{"amount"}},
		{"letters in code", "50", "2810abcd5678901234", []string{"barcode"}},
		{"code too long for barcode_alipay", "50", strings.Repeat("2", 25), []string{"barcode"}},
		{"both", "", "", []string{"amount", "barcode"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := decodeJSON[handlers.TillRefusalJSON](t, env.sell(c, uuid.NewString(), tillTerm, tc.amount, tc.code, true), http.StatusUnprocessableEntity)
			for _, f := range tc.fields {
				if m := r.Fields[f]; m.Code == "" || m.Message == "" || m.MessageTH == "" {
					t.Fatalf("field %s: %+v", f, r.Fields)
				}
			}
			if len(r.Fields) != len(tc.fields) {
				t.Fatalf("fields %+v", r.Fields)
			}
		})
	}
	// The HTML form re-renders with 422, messages in both languages, the
	// amount and the attempt kept.
	id := uuid.NewString()
	doc := env.Doc(env.sell(c, id, tillTerm, "5", tillCode, false), http.StatusUnprocessableEntity)
	msg := doc.Find(`[data-testid="field-error-amount"]`).Text()
	if !strings.Contains(msg, "จำนวนเงินต้องอยู่ระหว่าง") || !strings.Contains(msg, "The amount must be from ฿20.00") {
		t.Fatalf("amount message %q", msg)
	}
	if doc.Find(`[data-testid="till-attempt-id"]`).AttrOr("value", "") != id || doc.Find(`[data-testid="till-amount"]`).AttrOr("value", "") != "5" {
		t.Fatal("form lost the attempt id or the amount")
	}
	if n := env.omiseRequests(); n != 0 {
		t.Fatalf("bad input made %d Omise requests", n)
	}
}

func TestTillRefusesReusedCodeAndBusyTerminal(t *testing.T) {
	env := newTillEnv(t)
	c := env.Login("cashier")
	first := decodeJSON[handlers.TillAttemptJSON](t, env.sell(c, uuid.NewString(), tillTerm, "50", tillCode, true), http.StatusOK)
	// Same terminal, new code: busy.
	busy := decodeJSON[handlers.TillRefusalJSON](t, env.sell(c, uuid.NewString(), tillTerm, "50", "281099999999999999", true), http.StatusConflict)
	if busy.Error.Code != "terminal_busy" || busy.AttemptID != first.AttemptID || busy.Error.MessageTH == "" {
		t.Fatalf("busy answer %+v", busy)
	}
	// Other terminal, the same code: refused as used.
	before := env.omiseRequests()
	reused := decodeJSON[handlers.TillRefusalJSON](t, env.sell(c, uuid.NewString(), "POS-02", "50", tillCode, true), http.StatusUnprocessableEntity)
	if m := reused.Fields["barcode"]; m.Code != "barcode_reused" || !strings.Contains(m.Message, "new code") || m.MessageTH == "" {
		t.Fatalf("reused answer %+v", reused)
	}
	if env.omiseRequests() != before || env.Sim.CountCharges() != 1 {
		t.Fatal("a refused sale reached Omise")
	}
	// The HTML answer links the open sale.
	doc := env.Doc(env.sell(c, uuid.NewString(), tillTerm, "50", "281088888888888888", false), http.StatusConflict)
	if doc.Find(`[data-testid="till-busy-link"]`).AttrOr("href", "") != "/till/charges/"+first.AttemptID {
		t.Fatal("busy page does not link the open sale")
	}
}

func TestTillStoreBoundaries(t *testing.T) {
	env := newTillEnv(t)
	c := env.Login("cashier")
	res := env.sell(c, uuid.NewString(), "POS-99", "50", tillCode, true)
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign terminal: %d", res.StatusCode)
	}
	a := decodeJSON[handlers.TillAttemptJSON](t, env.sell(c, uuid.NewString(), tillTerm, "50", tillCode, true), http.StatusOK)
	// A cashier of another store cannot see the sale.
	hash, _ := bcrypt.GenerateFromPassword([]byte(webtest.Password), bcrypt.MinCost)
	if _, err := env.DB.CreateUser(context.Background(), db.CLI, db.NewUser{Username: "cashier2", Role: db.RoleCashier,
		StoreID: "store_5678", PasswordHash: string(hash)}); err != nil {
		t.Fatal(err)
	}
	other := env.Login("cashier2")
	for _, p := range []string{"/till/charges/" + a.AttemptID, "/till/charges/" + a.AttemptID + "/receipt"} {
		res := other.Get(p)
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Fatalf("other store GET %s: %d", p, res.StatusCode)
		}
	}
	res = other.PostForm("/till/charges/"+a.AttemptID+"/cancel", nil)
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("other store cancel: %d", res.StatusCode)
	}
	// The admin sees every store's sales and may sell at any store's
	// terminal (store_5678 takes Alipay+ codes of 17-32 digits).
	admin := env.Login("admin")
	admin.Page("/till/charges/"+a.AttemptID, http.StatusOK)
	form := url.Values{"attempt_id": {uuid.NewString()}, "store_id": {"store_5678"}, "terminal_id": {"POS-01"},
		"amount": {"30"}, "barcode": {"2510010201234567890123"}}
	got := decodeJSON[handlers.TillAttemptJSON](t, admin.PostForm("/till/charges", form, "Accept: application/json"), http.StatusOK)
	if got.StoreID != "store_5678" || got.Status != "pending" {
		t.Fatalf("admin sale: %+v", got)
	}
	oc, err := env.svc.Omise.GetCharge(context.Background(), got.ChargeID)
	if err != nil || oc.Source.Type != omise.SourceAlipayPlusUPM || oc.Source.StoreID != "" {
		t.Fatalf("alipayplus_upm source: %+v, %v", oc.Source, err)
	}
}

func TestTillUnknownOutcomeResolvedByMetadata(t *testing.T) {
	var short *omisehttp.Client
	env := newTillEnv(t, webtest.Options{Deps: func(d *web.Deps) {
		var err error
		short, err = omisehttp.New(omisehttp.Config{BaseURL: d.Config.APIURL, PublicKey: d.Config.PublicKey,
			SecretKey: d.Config.SecretKey, Timeout: 300 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		d.Payments.Omise = short
	}})
	env.Sim.SetFaults(sim.Faults{TimeoutAfterCommitNext: 1})
	c := env.Login("cashier")
	id := uuid.NewString()
	a := decodeJSON[handlers.TillAttemptJSON](t, env.sell(c, id, tillTerm, "50", tillCode, true), http.StatusOK)
	if a.Status != "unknown" || a.ChargeID != "" || !strings.Contains(a.MessageEN, "Checking with Omise") {
		t.Fatalf("after a lost answer: %+v", a)
	}
	doc := c.Page("/till/charges/"+id, http.StatusOK)
	if doc.Find(`[data-testid="till-checking"]`).Length() != 1 || doc.Find(`[data-testid="till-cancel"]`).Length() != 0 {
		t.Fatal("unknown sale must say checking, without cancel")
	}
	if err := env.svc.ResolveUnknownAttempts(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := decodeJSON[handlers.TillAttemptJSON](t, c.GetJSON("/till/charges/"+id), http.StatusOK)
	if got.Status != "pending" || got.ChargeID == "" || env.Sim.CountCharges() != 1 {
		t.Fatalf("after resolution: %+v (charges %d)", got, env.Sim.CountCharges())
	}
}

func TestTillCancelRacingPaymentShowsPaid(t *testing.T) {
	env := newTillEnv(t)
	c := env.Login("cashier")
	a := decodeJSON[handlers.TillAttemptJSON](t, env.sell(c, uuid.NewString(), tillTerm, "250", tillCode, true), http.StatusOK)
	if _, err := env.Sim.MarkPaid(a.ChargeID); err != nil {
		t.Fatal(err)
	}
	res := c.PostForm("/till/charges/"+a.AttemptID+"/cancel", nil)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("cancel: %d", res.StatusCode)
	}
	doc := c.Page(res.Header.Get("Location"), http.StatusOK)
	if doc.Find(`[data-testid="till-sale"]`).AttrOr("data-status", "") != "successful" || doc.Find(`[data-testid="receipt"]`).Length() != 1 {
		t.Fatal("cancel after payment must show paid with the receipt")
	}
	// A plain cancel expires the sale and says what to do next.
	b := decodeJSON[handlers.TillAttemptJSON](t, env.sell(c, uuid.NewString(), tillTerm, "250", "281077777777777777", true), http.StatusOK)
	got := decodeJSON[handlers.TillAttemptJSON](t, c.PostForm("/till/charges/"+b.AttemptID+"/cancel", nil, "Accept: application/json"), http.StatusOK)
	if got.Status != "expired" || !strings.Contains(got.MessageEN, "new code") {
		t.Fatalf("cancel: %+v", got)
	}
}

func TestTillFailureAndReceipt(t *testing.T) {
	env := newTillEnv(t)
	c := env.Login("cashier")
	a := decodeJSON[handlers.TillAttemptJSON](t, env.sell(c, uuid.NewString(), tillTerm, "99", tillCode, true), http.StatusOK)
	if _, err := env.Sim.MarkFailed(a.ChargeID, omise.FailureInsufficientBalance); err != nil {
		t.Fatal(err)
	}
	// No webhook in this setup: the till's own poll re-reads the charge.
	env.Clock.Advance(3 * time.Second)
	doc := c.Page("/till/charges/"+a.AttemptID, http.StatusOK)
	msg := doc.Find(`[data-testid="till-message"]`).Text()
	if doc.Find(`[data-testid="till-sale"]`).AttrOr("data-status", "") != "failed" ||
		!strings.Contains(msg, "top up") || !strings.Contains(msg, "เติมเงิน") ||
		doc.Find(`[data-testid="till-failure-code"]`).AttrOr("data-code", "") != omise.FailureInsufficientBalance {
		t.Fatalf("failure page: %q", msg)
	}
	if doc.Find(`noscript`).Length() != 0 || doc.Find(`[data-testid="till-new-sale"]`).Length() != 1 {
		t.Fatal("a final sale must stop refreshing and offer a new sale")
	}

	b := decodeJSON[handlers.TillAttemptJSON](t, env.sell(c, uuid.NewString(), tillTerm, "1234.5", "281066666666666666", true), http.StatusOK)
	if _, err := env.Sim.MarkPaid(b.ChargeID); err != nil {
		t.Fatal(err)
	}
	env.Clock.Advance(3 * time.Second)
	rdoc := c.Page("/till/charges/"+b.AttemptID+"/receipt", http.StatusOK)
	r := rdoc.Find(`[data-testid="receipt"]`)
	year := env.Clock.Now().In(payments.Bangkok).Year() + 543
	if r.Find(`[data-testid="receipt-amount"]`).Text() != "฿1,234.50" || r.Find(`[data-testid="receipt-code"]`).Text() != "28••••••••••••6666" ||
		r.Find(`[data-testid="receipt-charge"]`).Text() != b.ChargeID || r.Find(`[data-testid="receipt-terminal"]`).Text() != tillTerm ||
		!strings.Contains(r.Find(`[data-testid="receipt-time"]`).Text(), itoa(year)) ||
		r.Find(`[data-testid="receipt-store"]`).Text() != "Some Store" {
		h, _ := r.Html()
		t.Fatalf("receipt: %s", h)
	}
	if strings.Contains(mustHTML(rdoc.Selection), "281066666666666666") {
		t.Fatal("the full payment code is on a page")
	}
	// In English the receipt uses the Gregorian year.
	c.SetCookie(handlers.LangCookie, "en")
	edoc := c.Page("/till/charges/"+b.AttemptID+"/receipt", http.StatusOK)
	if !strings.Contains(edoc.Find(`[data-testid="receipt-time"]`).Text(), itoa(year-543)) || !strings.Contains(edoc.Find(`[data-testid="receipt-paid"]`).Text(), "PAID") {
		t.Fatal("English receipt")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
