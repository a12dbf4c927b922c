package handlers_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"instore/config"
	"instore/db"
	"instore/handlers"
	"instore/web/webtest"
)

// displayPairCode asks for a pairing code as c (a cashier or an admin).
func displayPairCode(t *testing.T, c *webtest.Client, form url.Values) string {
	t.Helper()
	p := decodeJSON[handlers.PairCodeJSON](t, c.PostForm("/till/display/pair", form, "Accept: application/json"), http.StatusOK)
	if !regexp.MustCompile(`^\d{6}$`).MatchString(p.Code) {
		t.Fatalf("pairing code %q is not 6 digits", p.Code)
	}
	return p.Code
}

// displayEnter types code on a display; it returns the response.
func displayEnter(c *webtest.Client, code string, headers ...string) *http.Response {
	return c.PostForm("/display", url.Values{"code": {code}}, headers...)
}

// displayPair pairs a fresh display device with code and fails unless it
// lands on the terminal's display.
func displayPair(t *testing.T, h *webtest.Harness, code, terminal string) *webtest.Client {
	t.Helper()
	d := h.Anonymous()
	res := displayEnter(d, code)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/till/display?terminal="+terminal {
		t.Fatalf("pairing: %d Location %q", res.StatusCode, res.Header.Get("Location"))
	}
	return d
}

func displayState(t *testing.T, c *webtest.Client, path string) handlers.DisplayStateJSON {
	t.Helper()
	res := c.GetJSON(path)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, b)
	}
	// The display learns the amount and the state, nothing else.
	for _, leak := range []string{"chrg_", "attempt", "cashier", "2810", "charge"} {
		if strings.Contains(string(b), leak) {
			t.Fatalf("display state shows %q: %s", leak, b)
		}
	}
	var s handlers.DisplayStateJSON
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func displaySell(t *testing.T, c *webtest.Client, terminal, amount, code string) handlers.TillAttemptJSON {
	t.Helper()
	form := url.Values{"attempt_id": {uuid.NewString()}, "terminal_id": {terminal}, "amount": {amount}, "barcode": {code}}
	return decodeJSON[handlers.TillAttemptJSON](t, c.PostForm("/till/charges", form, "Accept: application/json"), http.StatusOK)
}

func TestDisplayPairingGivesADisplayOnlyCredential(t *testing.T) {
	h := webtest.New(t)
	cashier := h.Login("cashier")
	doc := cashier.Page("/till/display/pair?terminal=POS-02", http.StatusOK)
	if doc.Find(`[data-testid="pair-terminal"] option[selected]`).AttrOr("value", "") != "POS-02" {
		t.Fatal("the pairing page does not preselect the terminal asked for")
	}
	// The HTML answer shows the code once, where to type it, and a link.
	res := cashier.PostForm("/till/display/pair", url.Values{"terminal_id": {"POS-01"}})
	doc = h.Doc(res, http.StatusOK)
	code := strings.TrimSpace(doc.Find(`[data-testid="pair-code"]`).Text())
	if !regexp.MustCompile(`^\d{6}$`).MatchString(code) || !strings.HasSuffix(doc.Find(`[data-testid="pair-enter-url"]`).Text(), "/display") {
		t.Fatalf("pairing page: code %q", code)
	}
	if href := doc.Find(`[data-testid="pair-open-here"]`).AttrOr("href", ""); href != "/till/display?terminal=POS-01" {
		t.Fatalf("open-here link %q", href)
	}

	display := h.Anonymous()
	if display.Page("/display", http.StatusOK).Find(`[data-testid="display-enter-form"]`).Length() != 1 {
		t.Fatal("no code form on /display")
	}
	res = displayEnter(display, code)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/till/display?terminal=POS-01" {
		t.Fatalf("pairing: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	set := strings.Join(res.Header.Values("Set-Cookie"), "\n")
	if !regexp.MustCompile(`instore_display=[A-Za-z0-9_-]{43}; Path=/till/display; Max-Age=\d+; HttpOnly; SameSite=Strict`).MatchString(set) {
		t.Fatalf("display cookie: %s", set)
	}
	token := display.Cookie(handlers.DisplayCookie)

	page := display.Page("/till/display", http.StatusOK)
	body := page.Find(`[data-testid="display"]`)
	if body.AttrOr("data-state", "") != "idle" || !strings.Contains(page.Find(`[data-testid="display-store"]`).Text(), "Some Store") ||
		!strings.Contains(body.Text(), "ยินดีต้อนรับ") || !strings.Contains(body.Text(), "Welcome") {
		t.Fatalf("idle display: %s", mustHTML(body))
	}
	if page.Find(`script:not([src])`).Length() != 0 || page.Find(`[data-testid="nav"]`).Length() != 0 {
		t.Fatal("the display page has inline script or the site navigation")
	}
	if s := displayState(t, display, "/till/display/state"); s.State != "idle" {
		t.Fatalf("state %+v", s)
	}

	// Another terminal's display, even of the same store, is refused.
	for _, p := range []string{"/till/display?terminal=POS-02", "/till/display/state?terminal=POS-02",
		"/till/display?terminal=POS-01&store=store_5678", "/till/display/events?terminal=POS-02"} {
		res := display.Get(p)
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("display GET %s: %d, want 403", p, res.StatusCode)
		}
	}
	// Everything else treats the device as a stranger, even with the
	// credential sent to every path.
	display.SetCookie(handlers.DisplayCookie, token)
	for _, p := range []string{"/till", "/charges", "/board", "/live", "/till/display/pair", "/admin/terminals", "/"} {
		res := display.Get(p)
		res.Body.Close()
		if res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Errorf("display GET %s: %d %q, want a login redirect", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
	for _, p := range []string{"/api/charges", "/live", "/api/charges/chrg_x"} {
		res := display.GetJSON(p)
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("display GET %s as JSON: %d, want 401", p, res.StatusCode)
		}
	}
	res = display.PostForm("/till/charges", url.Values{"terminal_id": {"POS-01"}, "amount": {"100"}, "barcode": {tillCode}})
	res.Body.Close()
	if res.StatusCode != http.StatusFound || h.Sim.CountCharges() != 0 {
		t.Fatalf("display POST /till/charges: %d, %d charges", res.StatusCode, h.Sim.CountCharges())
	}
	res = display.PostForm("/till/display/pair", url.Values{"terminal_id": {"POS-01"}})
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("display asking for a pairing code: %d", res.StatusCode)
	}

	// The code was used up.
	res = displayEnter(h.Anonymous(), code)
	res.Body.Close()
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("code reused: %d", res.StatusCode)
	}
	entries, err := h.DB.ListAudit(context.Background(), db.AuditFilter{Target: "store_1234/POS-01"})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action+":"+e.Username)
	}
	if got := strings.Join(actions, ","); !strings.Contains(got, "display.pair:") || !strings.Contains(got, "display.pair_code:cashier") {
		t.Fatalf("audit: %s", got)
	}
}

func TestDisplayRefusesWrongExpiredAndMalformedCodes(t *testing.T) {
	h := webtest.New(t)
	cashier := h.Login("cashier")
	code := displayPairCode(t, cashier, url.Values{"terminal_id": {"POS-01"}})
	wrong := "000000"
	if code == wrong {
		wrong = "000001"
	}
	cases := []struct {
		name, code string
		status     int
		msg        string
	}{
		{"wrong", wrong, http.StatusUnprocessableEntity, "Wrong or expired code"},
		{"letters", "12ab56", http.StatusUnprocessableEntity, "6 digits"},
		{"short", "12345", http.StatusUnprocessableEntity, "6 digits"},
	}
	for _, tc := range cases {
		doc := h.Doc(displayEnter(h.Anonymous(), tc.code, "Accept-Language: en"), tc.status)
		if !strings.Contains(doc.Find(`[data-testid="alert"]`).Text(), tc.msg) {
			t.Errorf("%s: alert %q", tc.name, doc.Find(`[data-testid="alert"]`).Text())
		}
	}
	// Thai digits and spaces are read as the code.
	thai := strings.NewReplacer("0", "๐", "1", "๑", "2", "๒", "3", "๓", "4", "๔", "5", "๕", "6", "๖", "7", "๗", "8", "๘", "9", "๙").Replace(code)
	displayPair(t, h, thai[:len(thai)/2]+" "+thai[len(thai)/2:], "POS-01")

	// A code left unused for more than 10 minutes no longer pairs.
	code = displayPairCode(t, cashier, url.Values{"terminal_id": {"POS-01"}})
	h.Clock.Advance(10*time.Minute + time.Second)
	res := displayEnter(h.Anonymous(), code)
	res.Body.Close()
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("expired code: %d", res.StatusCode)
	}
	// A new code replaces the terminal's unused one.
	old := displayPairCode(t, cashier, url.Values{"terminal_id": {"POS-01"}})
	fresh := displayPairCode(t, cashier, url.Values{"terminal_id": {"POS-01"}})
	if old != fresh {
		res = displayEnter(h.Anonymous(), old)
		res.Body.Close()
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("replaced code still pairs: %d", res.StatusCode)
		}
	}
	displayPair(t, h, fresh, "POS-01")
}

func TestDisplayPairingIsThrottled(t *testing.T) {
	h := webtest.New(t, webtest.Options{Config: func(c *config.Config) { c.TrustProxy = true }})
	cashier := h.Login("cashier")
	code := displayPairCode(t, cashier, url.Values{"terminal_id": {"POS-01"}})
	wrong := func(i int) string {
		w := []byte(code)
		w[i%6] = '0' + (w[i%6]-'0'+1)%10
		return string(w)
	}
	// One address: after 10 wrong codes, even the right one is refused
	// with the time to retry.
	guesser := h.Anonymous()
	for i := 0; i < 10; i++ {
		res := displayEnter(guesser, wrong(i), "X-Forwarded-For: 203.0.113.1")
		res.Body.Close()
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("guess %d: %d", i, res.StatusCode)
		}
	}
	res := displayEnter(guesser, code, "X-Forwarded-For: 203.0.113.1", "Accept: application/json")
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(b), "Too many wrong codes") {
		t.Fatalf("11th try from one address: %d %s", res.StatusCode, b)
	}
	// That code is used up too: ten wrong guesses were made while it was
	// live, so guessing from many addresses gains nothing either.
	res = displayEnter(h.Anonymous(), code, "X-Forwarded-For: 203.0.113.2")
	res.Body.Close()
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("code after 10 wrong guesses: %d", res.StatusCode)
	}
	// Guesses spread over many addresses: one each.
	code = displayPairCode(t, cashier, url.Values{"terminal_id": {"POS-02"}})
	for i := 0; i < 10; i++ {
		res := displayEnter(h.Anonymous(), wrong(i), "X-Forwarded-For: 198.51.100."+itoa(i+1))
		res.Body.Close()
	}
	res = displayEnter(h.Anonymous(), code, "X-Forwarded-For: 203.0.113.3")
	res.Body.Close()
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("code after 10 wrong guesses from 10 addresses: %d", res.StatusCode)
	}
	// The blocked address is free again after the window.
	h.Clock.Advance(16 * time.Minute)
	code = displayPairCode(t, cashier, url.Values{"terminal_id": {"POS-02"}})
	res = displayEnter(h.Anonymous(), code, "X-Forwarded-For: 203.0.113.1")
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the window: %d", res.StatusCode)
	}
}

func TestDisplayWhoMayOpenAndPair(t *testing.T) {
	h := webtest.New(t)
	ctx := context.Background()
	hash, err := db.HashPassword(webtest.Password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.DB.CreateUser(ctx, db.CLI, db.NewUser{Username: "cashier2", Role: db.RoleCashier, StoreID: "store_5678", PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	get := func(c *webtest.Client, path string) int {
		res := c.Get(path)
		res.Body.Close()
		return res.StatusCode
	}
	cashier, cashier2, admin, manager := h.Login("cashier"), h.Login("cashier2"), h.Login("admin"), h.Login("manager")
	cases := []struct {
		who  string
		c    *webtest.Client
		path string
		want int
	}{
		{"cashier, own terminal", cashier, "/till/display?terminal=POS-01", 200},
		{"cashier, no terminal named", cashier, "/till/display", 200},
		{"cashier of another store, a terminal it lacks", cashier2, "/till/display?terminal=POS-02", 403},
		{"cashier of another store naming a store", cashier2, "/till/display/state?terminal=POS-02&store=store_1234", 403},
		{"manager", manager, "/till/display?terminal=POS-01", 403},
		{"admin with store", admin, "/till/display?store=store_1234&terminal=POS-02", 200},
		{"admin without store", admin, "/till/display?terminal=POS-02", 404},
		{"admin pairing page without store", admin, "/till/display/pair", 200},
		{"manager pairing page", manager, "/till/display/pair", 403},
	}
	for _, tc := range cases {
		if got := get(tc.c, tc.path); got != tc.want {
			t.Errorf("%s: GET %s = %d, want %d", tc.who, tc.path, got, tc.want)
		}
	}
	// A cashier pairs only their store's terminals.
	res := cashier2.PostForm("/till/display/pair", url.Values{"terminal_id": {"POS-02"}, "store_id": {"store_1234"}})
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("cashier of another store pairing POS-02: %d", res.StatusCode)
	}
	// cashier2's own POS-01 is store_5678's, not store_1234's.
	code := displayPairCode(t, cashier2, url.Values{"terminal_id": {"POS-01"}, "store_id": {"store_1234"}})
	other := displayPair(t, h, code, "POS-01")
	if !strings.Contains(other.Page("/till/display", 200).Find(`[data-testid="display-store"]`).Text(), "ร้านที่สอง") {
		t.Fatal("store_5678's display does not show its store")
	}
	// An admin pairs any store's terminal.
	code = displayPairCode(t, admin, url.Values{"terminal_id": {"POS-02"}, "store_id": {"store_1234"}})
	displayPair(t, h, code, "POS-02")
	// An anonymous visitor is sent to the pairing page, which links to login.
	res = h.Anonymous().Get("/till/display?terminal=POS-01")
	res.Body.Close()
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusFound || !strings.HasPrefix(loc, "/display?next=") {
		t.Fatalf("anonymous: %d %q", res.StatusCode, loc)
	}
}

// displayEvents opens the display's live stream and returns a channel of
// its event names; the stream ends with the test.
func displayEvents(t *testing.T, h *webtest.Harness, c *webtest.Client, path string) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.URL(path), nil)
	client := &http.Client{Jar: c.Jar} // no timeout: the stream lives for the test
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("events: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	out := make(chan string, 16)
	go func() {
		defer close(out)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if name, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
				out <- name
			}
			if line := sc.Text(); strings.HasPrefix(line, "data: ") && line != "data: {}" {
				out <- "leak " + line
			}
		}
	}()
	return out
}

func waitEvent(t *testing.T, events <-chan string, want string, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case got, ok := <-events:
			if !ok {
				t.Fatalf("stream ended before %q", want)
			}
			if strings.HasPrefix(got, "leak") {
				t.Fatalf("display stream carries data: %s", got)
			}
			if got == want {
				return
			}
		case <-deadline:
			t.Fatalf("no %q event within %s", want, within)
		}
	}
}

func TestDisplayShowsAmountThenPaid(t *testing.T) {
	h := webtest.New(t)
	cashier := h.Login("cashier")
	display := displayPair(t, h, displayPairCode(t, cashier, url.Values{"terminal_id": {"POS-01"}}), "POS-01")
	admin := h.Login("admin")
	other := displayPair(t, h, displayPairCode(t, admin, url.Values{"terminal_id": {"POS-01"}, "store_id": {"store_5678"}}), "POS-01")
	events := displayEvents(t, h, display, "/till/display/events")

	sale := displaySell(t, cashier, "POS-01", "1,234.50", tillCode)
	waitEvent(t, events, "change", 5*time.Second)
	if s := displayState(t, display, "/till/display/state"); s.State != "waiting" || s.Amount != "฿1,234.50" {
		t.Fatalf("waiting: %+v", s)
	}
	page := display.Page("/till/display", http.StatusOK)
	if page.Find(`[data-testid="display"]`).AttrOr("data-state", "") != "waiting" ||
		page.Find(`[data-testid="display-amount"]`).Text() != "฿1,234.50" || page.Find(`[data-testid="display-waiting"][hidden]`).Length() != 0 {
		t.Fatalf("waiting page: %s", mustHTML(page.Find("main")))
	}
	if html := mustHTML(page.Selection); strings.Contains(html, sale.ChargeID) || strings.Contains(html, sale.AttemptID) || strings.Contains(html, "2810") {
		t.Fatal("the display page shows an id or the payment code")
	}
	// The cashier's own session reads the same display.
	if s := displayState(t, cashier, "/till/display/state?terminal=POS-01"); s.State != "waiting" {
		t.Fatalf("cashier's view: %+v", s)
	}
	if s := displayState(t, other, "/till/display/state"); s.State != "idle" {
		t.Fatalf("another store's POS-01 display: %+v", s)
	}

	// The customer pays; no webhook, no till page: the display's own read
	// learns of it (re-reads of a pending charge are at most every 2 s).
	if _, err := h.Sim.MarkPaid(sale.ChargeID); err != nil {
		t.Fatal(err)
	}
	h.Clock.Advance(3 * time.Second)
	s := displayState(t, display, "/till/display/state")
	if s.State != "paid" || s.Amount != "฿1,234.50" || s.HoldMs <= 0 || s.HoldMs > 10000 {
		t.Fatalf("paid: %+v", s)
	}
	waitEvent(t, events, "change", 5*time.Second)
	page = display.Page("/till/display", http.StatusOK)
	if page.Find(`[data-testid="display"]`).AttrOr("data-state", "") != "paid" || !strings.Contains(page.Find(`[data-testid="display-paid"]`).Text(), "ชำระเงินแล้ว") {
		t.Fatalf("paid page: %s", mustHTML(page.Find("main")))
	}
	h.Clock.Advance(11 * time.Second)
	if s := displayState(t, display, "/till/display/state"); s.State != "idle" {
		t.Fatalf("after the result: %+v", s)
	}

	// A sale that is not paid shows so, with its amount.
	sale = displaySell(t, cashier, "POS-01", "20", "281077777777777777")
	res := cashier.PostForm("/till/charges/"+sale.AttemptID+"/cancel", nil, "Accept: application/json")
	res.Body.Close()
	if s := displayState(t, display, "/till/display/state"); s.State != "not_paid" || s.Amount != "฿20.00" {
		t.Fatalf("not paid: %+v", s)
	}
}

func TestDisplayRevokedStopsAtOnce(t *testing.T) {
	h := webtest.New(t)
	admin := h.Login("admin")
	display := displayPair(t, h, displayPairCode(t, admin, url.Values{"terminal_id": {"POS-01"}, "store_id": {"store_1234"}}), "POS-01")
	keep := displayPair(t, h, displayPairCode(t, admin, url.Values{"terminal_id": {"POS-01"}, "store_id": {"store_1234"}}), "POS-01")
	events := displayEvents(t, h, display, "/till/display/events")

	doc := admin.Page("/admin/terminals?store=store_1234", http.StatusOK)
	rows := doc.Find(`[data-testid="displays"] tbody tr`)
	if rows.Length() != 2 || !strings.Contains(rows.First().Text(), "admin") {
		t.Fatalf("admin list: %s", mustHTML(doc.Find(`[data-testid="displays"]`)))
	}
	action := rows.First().Find("form").AttrOr("action", "")
	if !strings.HasPrefix(action, "/admin/displays/") {
		t.Fatalf("revoke form action %q", action)
	}
	res := display.PostForm(action, nil) // not the display's to do
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("display revoking itself: %d", res.StatusCode)
	}
	res = admin.PostForm(action, nil)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	waitEvent(t, events, "revoked", 8*time.Second)

	res = display.Get("/till/display")
	res.Body.Close()
	if res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), "/display") {
		t.Fatalf("revoked display page: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	res = display.GetJSON("/till/display/state")
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("revoked display state: %d", res.StatusCode)
	}
	if s := displayState(t, keep, "/till/display/state"); s.State != "idle" {
		t.Fatalf("the other display: %+v", s)
	}
	res = admin.PostForm(action, nil)
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("revoking twice: %d", res.StatusCode)
	}
	if doc := admin.Page("/admin/terminals?store=store_1234", http.StatusOK); doc.Find(`[data-testid="displays"] tbody tr`).Length() != 1 {
		t.Fatal("the revoked display is still listed")
	}
	entries, err := h.DB.ListAudit(context.Background(), db.AuditFilter{Action: "display.revoke"})
	if err != nil || len(entries) != 1 || entries[0].Username != "admin" || entries[0].Target != "store_1234/POS-01" {
		t.Fatalf("audit: %+v %v", entries, err)
	}
}
