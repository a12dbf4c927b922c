package handlers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	"github.com/PuerkitoBio/goquery"

	"instore/omise"
	"instore/payments"
)

// walkAllowed are words that stay as they are in both languages: names
// of companies, payment methods and currencies, file formats, and the
// test wiring's own data (usernames, store and terminal names and ids).
var walkAllowed = []string{
	"Alipay+", "Alipay", "PromptPay", "Omise", "THB", "CSV", "PDF", "QR", "API", "ID", "VAT", "Z-report",
	"ร้านกาแฟ", "Other", "Front", "store_1", "store_2", "POS-01", "T1", "T2", "somchai",
	"manager2", "manager", "finance", "cashier", "admin",
}

// walkMessage is one catalog entry whose two languages differ.
type walkMessage struct {
	id, en, th string
}

// loadWalkCatalog reads every message of both languages from the catalog
// files, ids as go-i18n builds them (nested tables joined by dots).
func loadWalkCatalog(t *testing.T) []walkMessage {
	t.Helper()
	read := func(lang string) map[string]string {
		files, err := filepath.Glob(filepath.Join("..", "i18n", "locales", "*."+lang+".toml"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no %s catalog files (%v)", lang, err)
		}
		out := map[string]string{}
		var flat func(prefix string, m map[string]any)
		flat = func(prefix string, m map[string]any) {
			for k, v := range m {
				switch v := v.(type) {
				case string:
					out[prefix+k] = v
				case map[string]any:
					if other, ok := v["other"].(string); ok {
						out[prefix+k] = other
						continue
					}
					flat(prefix+k+".", v)
				}
			}
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := toml.Unmarshal(b, &m); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			flat("", m)
		}
		return out
	}
	en, th := read("en"), read("th")
	var out []walkMessage
	for id, e := range en {
		if tv, ok := th[id]; ok && tv != e {
			out = append(out, walkMessage{id, e, tv})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

var walkPlaceholder = regexp.MustCompile(`\{\{[^}]*\}\}`)

// walkFragments splits a message at its placeholders into the pieces a
// page shows verbatim, keeping only those that carry words of the
// language: English pieces with a word of three letters or more that is
// not an allowed name, Thai pieces with two Thai letters or more.
func walkFragments(msg string, thai bool) []string {
	var out []string
	for _, f := range walkPlaceholder.Split(msg, -1) {
		f = strings.TrimFunc(f, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) || r == '·' || r == '฿' })
		if f == "" {
			continue
		}
		if thai {
			n := 0
			for _, r := range f {
				if r >= 0x0E01 && r <= 0x0E4F {
					n++
				}
			}
			if n >= 2 {
				out = append(out, f)
			}
			continue
		}
		rest := f
		for _, a := range walkAllowed {
			rest = strings.ReplaceAll(rest, a, " ")
		}
		words := strings.FieldsFunc(rest, func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsLetter(r) })
		for _, w := range words {
			if len(w) >= 3 {
				out = append(out, f)
				break
			}
		}
	}
	return out
}

// walkText is what a person reads on the page in its language: the text
// and the labels read aloud or shown on hover, leaving out scripts, raw
// data marked translate="no" (an event's JSON for admins) and any element
// marked as being in the other language (the till's second language, the
// language switch).
func walkText(doc *goquery.Document, other string) string {
	doc.Find("script, style, template, [translate=no], [lang=" + other + "]").Remove()
	var b strings.Builder
	b.WriteString(doc.Find("title").Text())
	b.WriteString("\n")
	doc.Find("body").Each(func(_ int, s *goquery.Selection) { b.WriteString(s.Text()) })
	doc.Find("[placeholder], [title], [aria-label], [alt], input[type=submit][value], input[type=button][value]").Each(func(_ int, s *goquery.Selection) {
		for _, a := range []string{"placeholder", "title", "aria-label", "alt", "value"} {
			if v, ok := s.Attr(a); ok && (a != "value" || s.Is("input[type=submit], input[type=button]")) {
				b.WriteString("\n" + v)
			}
		}
	})
	return b.String()
}

// leftovers returns the catalog messages of the other language found on
// a page in lang.
func leftovers(text, lang string, msgs []walkMessage) []string {
	for _, a := range walkAllowed {
		text = strings.ReplaceAll(text, a, " ")
	}
	var found []string
	for _, m := range msgs {
		src, own := m.en, m.th
		if lang == "en" {
			src, own = m.th, m.en
		}
		for _, f := range walkFragments(src, lang == "en") {
			// A fragment this page's own message also holds is no leftover.
			if strings.Contains(own, f) {
				continue
			}
			at := -1
			if lang == "th" {
				re := regexp.MustCompile(`(^|[^A-Za-z_])` + regexp.QuoteMeta(f) + `($|[^A-Za-z_])`)
				if loc := re.FindStringIndex(text); loc != nil {
					at = loc[0]
				}
			} else {
				at = strings.Index(text, f)
			}
			if at < 0 {
				continue
			}
			found = append(found, fmt.Sprintf("%q (%s) in %q", f, m.id, around(text, at, len(f))))
		}
	}
	return found
}

// TestThaiCompletePages opens every page of every role in Thai and fails
// on any English sentence or label of the product's own catalog left on
// it (and, the other way round, on Thai catalog text on English pages).
// Names that stay as they are (Omise, Alipay, PromptPay, THB, ids) are
// allowed.
func TestThaiCompletePages(t *testing.T) {
	msgs := loadWalkCatalog(t)
	e := newBOEnv(t)
	waiting, done, rejected := axeSales(t, e)
	paid := e.charge("store_1", "T1", 48000, omise.StatusSuccessful)
	failed := e.charge("store_1", "T2", 2500, omise.StatusFailed)
	e.charge("store_1", "T1", 12050, omise.StatusPending)
	if _, err := e.svc.Refund(t.Context(), payments.Actor{Username: "manager", Role: "manager"},
		payments.RefundRequest{ChargeID: paid.ID, Amount: 10000, Reason: payments.RefundReasons[0], IdempotencyKey: "walk-refund-1"}); err != nil {
		t.Fatal(err)
	}
	// One delivered webhook, so the admin's inbox has a row to read.
	events, err := e.client.ListEvents(t.Context(), omise.ListParams{Limit: 1, Order: omise.OrderReverseChronological})
	if err != nil || len(events.Data) == 0 {
		t.Fatalf("events: %v", err)
	}
	ev := events.Data[0]
	body, _ := json.Marshal(map[string]any{"object": "event", "id": ev.ID, "key": ev.Key, "data": json.RawMessage(ev.Data)})
	res, err := http.Post(e.srv.URL+"/webhooks/omise", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	now := time.Now().In(bangkok(t))
	month, day := now.Format("2006-01"), now.Format("2006-01-02")
	pages := map[string][]string{
		"cashier": {"/", "/account/password", "/till?terminal=T1", "/till/charges/" + waiting, "/till/charges/" + done,
			"/till/charges/" + rejected, "/till/charges/" + done + "/receipt", "/till/display/pair"},
		"manager": {"/", "/board", "/charges", "/charges?status=failed", "/charges/" + paid.ID, "/charges/" + failed.ID,
			"/reports/daily?month=" + month, "/reports/z?date=" + day},
		"finance": {"/", "/charges", "/reports/daily?month=" + month, "/reports/z?date=" + day, "/reconcile"},
		"admin": {"/", "/admin/users", "/admin/stores", "/admin/groups", "/admin/terminals", "/admin/audit", "/admin/webhooks",
			"/charges/" + paid.ID, "/charges/" + failed.ID},
	}
	checked, found := 0, 0
	for _, lang := range []string{"th", "en"} {
		anon := e.anonymous()
		anon.get("/lang/" + lang + "?next=/login")
		for _, p := range []string{"/login", "/display"} {
			found += walkPage(t, anon, lang, "anonymous", p, msgs)
			checked++
		}
		for _, user := range []string{"cashier", "manager", "finance", "admin"} {
			c := e.login(user)
			c.get("/lang/" + lang + "?next=/")
			for _, p := range pages[user] {
				found += walkPage(t, c, lang, user, p, msgs)
				checked++
			}
		}
	}
	t.Logf("walk: %d pages checked (both languages), %d leftovers", checked, found)
}

func walkPage(t *testing.T, c *boClient, lang, user, path string, msgs []walkMessage) int {
	t.Helper()
	status, body := c.get(path)
	if status != http.StatusOK {
		t.Errorf("%s %s (%s): status %d", user, path, lang, status)
		return 0
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.Find("html").AttrOr("lang", ""); got != lang {
		t.Errorf("%s %s: <html lang=%q>, want %q", user, path, got, lang)
	}
	other := "en"
	if lang == "en" {
		other = "th"
	}
	text := walkText(doc, other)
	left := leftovers(text, lang, msgs)
	for _, l := range left {
		t.Errorf("%s %s (%s): %s text left: %s", user, path, lang, other, l)
	}
	for _, loc := range walkISODate.FindAllStringIndex(text, -1) {
		left = append(left, "")
		t.Errorf("%s %s (%s): a date shown as stored, not for reading: %q", user, path, lang, around(text, loc[0], loc[1]-loc[0]))
	}
	for _, loc := range walkRawCode.FindAllStringIndex(text, -1) {
		left = append(left, "")
		t.Errorf("%s %s (%s): a code shown as stored, not in words: %q", user, path, lang, around(text, loc[0], loc[1]-loc[0]))
	}
	return len(left)
}

// walkISODate matches a day or month as stored (2026-12-06, 2026-12): a
// page shows dates for reading (Buddhist era in Thai); only inputs, URLs
// and CSV files keep this form.
var walkISODate = regexp.MustCompile(`\b(19|20)\d\d-[01]\d(-[0-3]\d)?\b`)

// walkRawCode matches the codes a page must say in words: Omise failure
// codes, webhook event types and audit actions (a copyable id marked
// translate="no" is not read as text).
var walkRawCode = regexp.MustCompile(`\b(payment_cancelled|failed_processing|insufficient_balance|payment_rejected|invalid_barcode|method_not_enabled|` +
	`(charge|refund|user|store|terminal|display|webhook|reconcile)\.(create|complete|expire|sync|update|disable|enable|password|unlock|pair|pair_code|revoke|reprocess|resync|start))\b`)

// around is the page text near a find, so a failure says where it is.
func around(text string, at, n int) string {
	from, to := max(0, at-40), min(len(text), at+n+40)
	for from > 0 && !utf8.RuneStart(text[from]) {
		from--
	}
	for to < len(text) && !utf8.RuneStart(text[to]) {
		to++
	}
	return strings.Join(strings.Fields(text[from:to]), " ")
}
