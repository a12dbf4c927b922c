package handlers_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"instore/omise"
	"instore/payments"
)

// screenshotDir, when set, makes the layout test write a PNG of every page
// it measures, so a reviewer can look at them (they are never committed).
var screenshotDir = flag.String("screenshots", "", "directory for page screenshots written by TestPagesFitTheScreen")

// layoutProbe measures one page: page-level overflow, each table's scroll
// box, whether the columns people come for are inside the viewport, and
// overlapping boxes in the charge summary.
const layoutProbe = `(() => {
  const out = {w: innerWidth, scroll: document.documentElement.scrollWidth, tables: [], cols: [], overlaps: []};
  for (const t of document.querySelectorAll('main table')) {
    const box = t.closest('.table-wrap') || t.parentElement;
    if (t.closest('details:not([open])') || t.offsetParent === null) continue;
    const first = t.querySelector('thead th, tbody td');
    out.tables.push({id: t.dataset.testid || t.className, scroll: box.scrollWidth, client: box.clientWidth,
      sticky: !!first && getComputedStyle(first).position === 'sticky'});
    const heads = [...t.querySelectorAll('thead th')];
    heads.forEach((th) => {
      const k = th.dataset.col || '';
      if (!['amount', 'method', 'status', 'net', 'refunds'].includes(k)) return;
      const r = th.getBoundingClientRect();
      out.cols.push({table: t.dataset.testid || '', col: k, right: Math.round(r.right)});
    });
  }
  const sum = document.querySelector('[data-testid="charge-summary"]');
  if (sum) {
    const boxes = [...sum.querySelectorAll('[data-box]')].map((e) => [e.dataset.box, e.getBoundingClientRect()]);
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const [a, ra] = boxes[i], [b, rb] = boxes[j];
      if (ra.width === 0 || rb.width === 0) continue;
      if (ra.left < rb.right - 1 && rb.left < ra.right - 1 && ra.top < rb.bottom - 1 && rb.top < ra.bottom - 1) out.overlaps.push(a + '/' + b);
    }
  }
  return JSON.stringify(out);
})()`

type layoutResult struct {
	W, Scroll int
	Tables    []struct {
		ID             string
		Scroll, Client int
		Sticky         bool
	}
	Cols []struct {
		Table, Col string
		Right      int
	}
	Overlaps []string
}

// TestPagesFitTheScreen opens every page for its role at the sizes shops
// use (a 1366 laptop, a 1024 tablet, a 390 phone for the pages used
// standing up) and fails when a page scrolls sideways, when a table needs
// sideways scrolling on a laptop, when the money and status columns are out
// of view, or when the charge summary's boxes overlap.
func TestPagesFitTheScreen(t *testing.T) {
	e := newBOEnv(t)
	ctx := boardBrowser(t)
	paid := e.charge("store_1", "T1", 48000, omise.StatusSuccessful)
	e.charge("store_1", "T2", 2500, omise.StatusFailed)
	e.charge("store_1", "T1", 12050, omise.StatusPending)
	if _, err := e.svc.Refund(context.Background(), payments.Actor{Username: "manager", Role: "manager"},
		payments.RefundRequest{ChargeID: paid.ID, Amount: 10000, Reason: payments.RefundReasons[0], IdempotencyKey: "layout-refund-1"}); err != nil {
		t.Fatal(err)
	}
	month := time.Now().In(bangkok(t)).Format("2006-01")
	pages := map[string][]string{
		"cashier": {"/till", "/till?terminal=T1"},
		"manager": {"/board", "/charges", "/charges/" + paid.ID, "/reports/daily?month=" + month, "/reports/z"},
		"finance": {"/charges", "/reports/daily?month=" + month, "/reconcile"},
		"admin":   {"/admin/users", "/admin/stores", "/admin/groups", "/admin/terminals", "/admin/audit", "/admin/webhooks", "/charges/" + paid.ID},
	}
	// The columns people come for must be there to be checked at all.
	mustHave := map[string][]string{"/charges": {"amount", "method", "status", "refunds"}, "/reports/daily?month=" + month: {"amount", "net", "refunds"}}
	phone := map[string]bool{"/till?terminal=T1": true, "/board": true, "/charges/" + paid.ID: true}
	sizes := []struct{ w, h int64 }{{1366, 900}, {1024, 768}, {390, 844}}

	for _, user := range []string{"cashier", "manager", "finance", "admin"} {
		if err := chromedp.Do(ctx,
			chromedp.Navigate(e.srv.URL+"/login"),
			chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
			chromedp.SetValue(chromedp.CSS(`input[name="username"]`), user),
			chromedp.SetValue(chromedp.CSS(`input[name="password"]`), boPassword),
			chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="whoami"]`)),
		); err != nil {
			t.Fatalf("login %s: %v", user, err)
		}
		for _, lang := range []string{"th", "en"} {
			if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/lang/"+lang+"?next=/"), chromedp.WaitVisible(chromedp.CSS(`main`))); err != nil {
				t.Fatal(err)
			}
			for _, p := range pages[user] {
				for _, sz := range sizes {
					if sz.w == 390 && !phone[p] {
						continue
					}
					r := measure(ctx, t, e.srv.URL+p, sz.w, sz.h)
					name := fmt.Sprintf("%s %s %s @%d", user, lang, p, sz.w)
					t.Logf("%s: page %d/%d tables %v", name, r.Scroll, r.W, r.Tables)
					if r.Scroll > r.W {
						t.Errorf("%s: the page scrolls sideways (%d px wide in %d)", name, r.Scroll, r.W)
					}
					if sz.w == 1366 {
						for _, tb := range r.Tables {
							if tb.Scroll > tb.Client+1 {
								t.Errorf("%s: table %q scrolls sideways (%d px in %d)", name, tb.ID, tb.Scroll, tb.Client)
							}
						}
						seen := map[string]bool{}
						for _, c := range r.Cols {
							seen[c.Col] = true
							if c.Right > r.W {
								t.Errorf("%s: column %s of %q ends at %d, outside %d", name, c.Col, c.Table, c.Right, r.W)
							}
						}
						for _, k := range mustHave[p] {
							if !seen[k] {
								t.Errorf("%s: no %s column found", name, k)
							}
						}
					}
					// Narrower than a laptop a table may scroll, but in its own
					// box and with its first column kept in view.
					for _, tb := range r.Tables {
						if tb.Scroll > tb.Client+1 && !tb.Sticky {
							t.Errorf("%s: table %q scrolls without a sticky first column", name, tb.ID)
						}
					}
					if len(r.Overlaps) > 0 {
						t.Errorf("%s: charge summary boxes overlap: %v", name, r.Overlaps)
					}
					if *screenshotDir != "" {
						shoot(ctx, t, filepath.Join(*screenshotDir, fmt.Sprintf("%s-%s-%s-%d.png", user, lang, slug(p), sz.w)))
					}
				}
			}
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/"), chromedp.Click(chromedp.CSS(`[data-testid="logout"]`)),
			chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`))); err != nil {
			t.Fatalf("logout %s: %v", user, err)
		}
	}
}

func bangkok(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Bangkok")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func measure(ctx context.Context, t *testing.T, url string, w, h int64) layoutResult {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(w, h),
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`main`)),
		chromedp.Sleep(150*time.Millisecond),
	)
	if err != nil {
		t.Fatalf("%s at %d: %v", url, w, err)
	}
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](layoutProbe))
	if err != nil {
		t.Fatalf("%s: probe: %v", url, err)
	}
	var r layoutResult
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return r
}

func shoot(ctx context.Context, t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	res, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", path, err)
	}
	if err := os.WriteFile(path, res, 0o644); err != nil {
		t.Fatal(err)
	}
}

func slug(p string) string {
	r := strings.NewReplacer("/", "_", "?", "_", "=", "_")
	return strings.Trim(r.Replace(p), "_")
}
