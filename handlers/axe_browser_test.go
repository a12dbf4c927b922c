package handlers_test

import (
	"context"
	_ "embed"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"instore/handlers"
	"instore/omise"
)

// axeSource is axe-core, kept beside the tests with its licence (see
// testdata/axe/README.md). It is evaluated through the DevTools protocol,
// which the pages' Content-Security-Policy does not govern, so no page
// has to allow a script it would never load in a shop.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// axeRun runs every axe rule on the page and returns the serious and
// critical violations, one line per failing element.
const axeRun = `axe.run(document, {resultTypes: ['violations']}).then((r) => JSON.stringify(
  r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').flatMap((v) =>
    v.nodes.map((n) => ({id: v.id, impact: v.impact, help: v.help, target: n.target.join(' '),
      summary: (n.failureSummary || '').replace(/\s+/g, ' ').slice(0, 300)})))))`

type axeViolation struct {
	ID, Impact, Help, Target, Summary string
}

// TestAxeFindsNothingSerious opens the pages people use most (the till,
// its waiting and result screens, the board, the charge list and page, the
// daily report, the admin's users) in Thai and in English, runs axe-core
// on each and fails on any serious or critical violation.
func TestAxeFindsNothingSerious(t *testing.T) {
	e := newBOEnv(t)
	ctx := tillBrowser(t)
	waiting, done, rejected := axeSales(t, e)
	paid := e.charge("store_1", "T1", 48000, omise.StatusSuccessful)
	e.charge("store_1", "T2", 2500, omise.StatusFailed)
	e.charge("store_1", "T1", 12050, omise.StatusPending)

	month := time.Now().In(bangkok(t)).Format("2006-01")
	pages := []struct{ user, path, wait string }{
		{"cashier", "/till?terminal=T1", "#till-amount"},
		{"cashier", "/till/charges/" + waiting, `[data-testid="till-sale"]`},
		{"cashier", "/till/charges/" + done, `[data-testid="till-sale"]`},
		{"cashier", "/till/charges/" + rejected, `[data-testid="till-sale"]`},
		{"manager", "/board", "main"},
		{"manager", "/charges", "main"},
		{"manager", "/charges/" + paid.ID, "main"},
		{"manager", "/reports/daily?month=" + month, "main"},
		{"admin", "/admin/users", "main"},
	}
	checked, found, stops := 0, 0, 0
	user := ""
	for _, lang := range []string{"th", "en"} {
		for _, p := range pages {
			if p.user != user {
				browserLogin(t, ctx, e, user, p.user)
				user = p.user
				if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/lang/"+lang+"?next=/"), chromedp.WaitVisible(chromedp.CSS(`main`))); err != nil {
					t.Fatal(err)
				}
			}
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 900), chromedp.Navigate(e.srv.URL+p.path),
				chromedp.WaitVisible(chromedp.CSS(p.wait))); err != nil {
				t.Fatalf("%s %s: %v", lang, p.path, err)
			}
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axeSource+";true")); err != nil {
				t.Fatalf("inject axe: %v", err)
			}
			out, err := chromedp.Run(ctx, chromedp.Evaluate[string](axeRun, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatalf("%s %s: axe: %v", lang, p.path, err)
			}
			var vs []axeViolation
			if err := json.Unmarshal([]byte(out), &vs); err != nil {
				t.Fatalf("%s: %v", out, err)
			}
			checked++
			found += len(vs)
			for _, v := range vs {
				t.Errorf("%s %s (%s): %s [%s] at %s: %s — %s", p.user, p.path, lang, v.ID, v.Impact, v.Target, v.Help, v.Summary)
			}
			if lang == "th" {
				stops += tabThrough(t, ctx, p.user+" "+p.path)
			}
		}
		browserLogin(t, ctx, e, user, "")
		user = ""
	}
	t.Logf("axe: %d pages checked, %d serious or critical violations; %d keyboard stops, each with a visible focus", checked, found, stops)
}

// focusProbe describes the focused element and whether its focus shows:
// an outline, a ring (box-shadow), or for a chart bar its outlined hit area.
const focusProbe = `(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return JSON.stringify({name: ''});
  if (el.dataset.tabSeen) return JSON.stringify({name: '', again: true});
  el.dataset.tabSeen = '1';
  const cs = getComputedStyle(el);
  const hit = el.querySelector && el.querySelector('.hit');
  const shown = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) || cs.boxShadow !== 'none' ||
    (!!hit && getComputedStyle(hit).stroke !== 'none');
  const r = el.getBoundingClientRect();
  const name = el.tagName.toLowerCase() + (el.dataset.testid ? '[' + el.dataset.testid + ']' : el.name ? '[' + el.name + ']' : '') +
    ' "' + (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 30) + '"';
  return JSON.stringify({name, shown, size: r.width > 0 && r.height > 0});
})()`

// tabThrough presses Tab through the page (up to 150 stops, until focus
// comes round again) and fails on a stop whose focus cannot be seen; it
// returns how many stops it made.
func tabThrough(t *testing.T, ctx context.Context, page string) int {
	t.Helper()
	// Start from the top, wherever the page's script put the focus.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const b = document.body; b.tabIndex = -1; b.focus(); b.removeAttribute('tabindex'); return true; })()`)); err != nil {
		t.Fatalf("%s: %v", page, err)
	}
	seen := map[string]bool{}
	n := 0
	for range 150 {
		if err := chromedp.Do(ctx, tillKeystroke("Tab", "Tab", "", 9)); err != nil {
			t.Fatalf("%s: Tab: %v", page, err)
		}
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](focusProbe))
		if err != nil {
			t.Fatalf("%s: %v", page, err)
		}
		var f struct {
			Name               string
			Shown, Size, Again bool
		}
		if err := json.Unmarshal([]byte(s), &f); err != nil {
			t.Fatal(err)
		}
		if f.Again {
			break
		}
		if f.Name == "" && n == 0 && !seen[""] {
			// Focus began on the last stop: the first Tab left the page.
			seen[""] = true
			continue
		}
		if f.Name == "" {
			break
		}
		n++
		if os.Getenv("TAB_DEBUG") != "" { // lists every stop, to see where focus went
			t.Logf("%s: stop %d: %s", page, n, f.Name)
		}
		if f.Size && !f.Shown {
			t.Errorf("%s: keyboard focus on %s cannot be seen (no outline or ring)", page, f.Name)
		}
	}
	if n == 0 {
		t.Errorf("%s: Tab reaches nothing", page)
	}
	t.Logf("%s: %d keyboard stops", page, n)
	return n
}

// browserLogin logs the browser out of from (if any) and into to (if any).
func browserLogin(t *testing.T, ctx context.Context, e *boEnv, from, to string) {
	t.Helper()
	if from != "" {
		if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/"), chromedp.Click(chromedp.CSS(`[data-testid="logout"]`)),
			chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`))); err != nil {
			t.Fatalf("logout %s: %v", from, err)
		}
	}
	if to == "" {
		return
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
		chromedp.SetValue(chromedp.CSS(`input[name="username"]`), to),
		chromedp.SetValue(chromedp.CSS(`input[name="password"]`), boPassword),
		chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="whoami"]`)),
	); err != nil {
		t.Fatalf("login %s: %v", to, err)
	}
}

// axeSales makes three till sales at T1 as the cashier: one still waiting,
// one paid and one the wallet refused, and returns their attempt ids.
func axeSales(t *testing.T, e *boEnv) (waiting, paid, rejected string) {
	t.Helper()
	c := e.login("cashier")
	c.get("/till?terminal=T1")
	sale := func(terminal, code string) handlers.TillAttemptJSON {
		t.Helper()
		status, body := c.post("/till/charges", url.Values{"attempt_id": {uuid.NewString()}, "terminal_id": {terminal},
			"amount": {"120.50"}, "barcode": {code}}, "Accept", "application/json")
		if status != http.StatusOK {
			t.Fatalf("till sale: %d %.300s", status, body)
		}
		var a handlers.TillAttemptJSON
		if err := json.NewDecoder(strings.NewReader(body)).Decode(&a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	// Each sale is answered and read back before the next one: a terminal
	// takes one open sale at a time.
	p := sale("T1", "281012345678905678")
	if _, err := e.sim.MarkPaid(p.ChargeID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SyncCharge(context.Background(), p.ChargeID); err != nil {
		t.Fatal(err)
	}
	r := sale("T1", "281012345678909012")
	if _, err := e.sim.MarkFailed(r.ChargeID, "payment_rejected"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SyncCharge(context.Background(), r.ChargeID); err != nil {
		t.Fatal(err)
	}
	w := sale("T2", "281012345678901234")
	return w.AttemptID, p.AttemptID, r.AttemptID
}
