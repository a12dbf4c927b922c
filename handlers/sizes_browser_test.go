package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"instore/db"
	"instore/omise"
	"instore/payments"
)

// busyStoreName is a real-looking Thai store name: a branch in a mall,
// longer than any tile or table column is wide.
const busyStoreName = "ร้านกาแฟสดและเบเกอรี่บ้านสวนริมน้ำ สาขาเซ็นทรัลพระราม๙ ชั้น๔ โซนฟู้ดคอร์ท"

// busyFailure is a failure message as long as a wallet's can be.
const busyFailure = "The payment was declined by the issuer because the customer's wallet balance was insufficient and the daily limit for cross-border transactions had been reached"

// busyBOEnv is newBOEnv as a shop has it after a day: store_1 under its
// long Thai name with twelve terminals (ten with long Thai labels), forty
// sales across them (every fifth failed with a long message, some partly
// refunded with a long note) and one sale still open at T3.
func busyBOEnv(t *testing.T) *boEnv {
	t.Helper()
	e := newBOEnv(t)
	bg := context.Background()
	sys := db.Actor{Username: "test"}
	if _, err := e.db.UpdateStore(bg, sys, db.Store{StoreID: "store_1", StoreName: busyStoreName, Methods: []string{omise.SourceBarcodeAlipay}}); err != nil {
		t.Fatal(err)
	}
	for i := 3; i <= 12; i++ {
		if _, err := e.db.CreateTerminal(bg, sys, db.Terminal{StoreID: "store_1", TerminalID: fmt.Sprintf("T%d", i),
			Label: fmt.Sprintf("เคาน์เตอร์ชำระเงินหน้าร้านฝั่งทางเข้าลานจอดรถ %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 40 {
		st := omise.StatusSuccessful
		if i%5 == 1 {
			st = omise.StatusFailed
		}
		c := e.charge("store_1", fmt.Sprintf("T%d", 1+i%12), int64(123456+i*9999), st)
		if st == omise.StatusSuccessful && i%4 == 0 {
			if _, err := e.svc.Refund(bg, payments.Actor{Username: "manager", Role: "manager"}, payments.RefundRequest{ChargeID: c.ID, Amount: 5000,
				Reason: payments.RefundReasons[0], Note: "ลูกค้าขอคืนเงินเพราะสินค้าชำรุดระหว่างการขนส่งและต้องการเปลี่ยนสินค้าใหม่",
				IdempotencyKey: fmt.Sprintf("busy-refund-%02d", i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.charge("store_1", "T3", 5000, omise.StatusPending)
	if _, err := e.db.W.Exec(`UPDATE charges SET failure_message = ? WHERE status = 'failed'`, busyFailure); err != nil {
		t.Fatal(err)
	}
	return e
}

// screenSizes are the screens the back office is used on: a desktop, a
// laptop, a tablet held upright and a phone.
var screenSizes = []struct{ w, h int64 }{{1920, 1080}, {1366, 768}, {768, 1024}, {390, 844}}

// eachPage logs user in and calls check on every path at every size, in
// Thai and in English.
func eachPage(t *testing.T, ctx context.Context, e *boEnv, user string, paths []string, check func(name string)) {
	t.Helper()
	browserLogin(t, ctx, e, "", user)
	for _, lang := range []string{"th", "en"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/lang/"+lang+"?next=/"), chromedp.WaitVisible(chromedp.CSS(`main`))); err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			for _, sz := range screenSizes {
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(sz.w, sz.h), chromedp.Navigate(e.srv.URL+p),
					chromedp.WaitVisible(chromedp.CSS(`main`)), chromedp.Sleep(100*time.Millisecond)); err != nil {
					t.Fatalf("%s at %d: %v", p, sz.w, err)
				}
				check(fmt.Sprintf("%s %s %s @%d", user, lang, p, sz.w))
			}
		}
	}
}

// evalJSON runs expr (which returns JSON) and decodes it into v.
func evalJSON(t *testing.T, ctx context.Context, name, expr string, v any) {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("%s: %v: %s", name, err, s)
	}
}

// tileProbe lists, per board tile, anything drawn past the tile's right
// edge, and says how wide the page is.
const tileProbe = `(() => {
  const out = {w: innerWidth, scroll: document.documentElement.scrollWidth, spill: []};
  for (const tile of document.querySelectorAll('.tile')) {
    const edge = tile.getBoundingClientRect().right;
    for (const el of tile.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > edge + 1) { out.spill.push(tile.dataset.testid + ': ' + el.tagName.toLowerCase() + ' "' + el.textContent.trim().slice(0, 30) + '"'); break; }
    }
  }
  return JSON.stringify(out);
})()`

// TestBoardTilesHoldLongNames: with long Thai terminal labels and a long
// store name, the board never scrolls sideways and nothing on a tile (its
// name, the last sale's amount and time) is drawn outside the tile.
func TestBoardTilesHoldLongNames(t *testing.T) {
	e := busyBOEnv(t)
	ctx := boardBrowser(t)
	eachPage(t, ctx, e, "manager", []string{"/board"}, func(name string) {
		var r struct {
			W, Scroll int
			Spill     []string
		}
		evalJSON(t, ctx, name, tileProbe, &r)
		if r.Scroll > r.W {
			t.Errorf("%s: the page scrolls sideways (%d px wide in %d)", name, r.Scroll, r.W)
		}
		for _, s := range r.Spill {
			t.Errorf("%s: drawn outside its tile: %s", name, s)
		}
	})
}

// rowsProbe measures each main table on the page: its tallest body row,
// and whether it is inside a box that scrolls. A cell squeezed to a few
// characters (an id broken one letter a line, a select too narrow to
// read) shows as a row many lines tall.
const rowsProbe = `(() => {
  const out = [];
  for (const t of document.querySelectorAll('main table')) {
    if (t.offsetParent === null) continue;
    let tallest = 0, what = '';
    for (const tr of t.querySelectorAll('tbody tr')) {
      if (tr.querySelector('form')) continue; // an edit form wraps its fields on a phone
      const h = tr.getBoundingClientRect().height;
      if (h > tallest) { tallest = h; what = tr.textContent.replace(/\s+/g, ' ').trim().slice(0, 40); }
    }
    let narrowest = 1e9, control = '';
    for (const c of t.querySelectorAll('tbody select, tbody input:not([type=hidden]):not([type=checkbox]):not([type=radio])')) {
      const w = c.getBoundingClientRect().width;
      if (w > 0 && w < narrowest) { narrowest = w; control = c.name || c.tagName; }
    }
    out.push({table: t.dataset.testid || t.className, tallest: Math.round(tallest), row: what,
      narrowest: narrowest === 1e9 ? 0 : Math.round(narrowest), control});
  }
  return JSON.stringify(out);
})()`

// TestTablesStayReadableOnSmallScreens: on a tablet and a phone the lists
// (charges, the daily report, the admin tables) scroll in their own box
// instead of squeezing their columns: no row of data grows past a few
// lines (an id or a masked code broken a letter a line, a long Thai store
// name ten words tall), and no form control in a row is too narrow to read.
func TestTablesStayReadableOnSmallScreens(t *testing.T) {
	e := busyBOEnv(t)
	ctx := boardBrowser(t)
	month := time.Now().In(bangkok(t)).Format("2006-01")
	// The tallest row of each table on the desktop, where nothing is
	// squeezed (the sizes come widest-first for each page).
	desktop := map[string]int{}
	check := func(name string) {
		var tables []struct {
			Table, Row, Control string
			Tallest, Narrowest  int
		}
		evalJSON(t, ctx, name, rowsProbe, &tables)
		page, size, _ := strings.Cut(name, " @")
		for _, tb := range tables {
			if size == "1920" {
				desktop[page+" "+tb.Table] = tb.Tallest
				continue
			}
			// Three lines of Thai text and a button, or twice the desktop's
			// tallest row (a note in a narrow column wraps to twice its
			// lines): past that a column is squeezed out of shape.
			if limit := max(130, desktop[page+" "+tb.Table]*2); tb.Tallest > limit {
				t.Errorf("%s: table %q has a row %d px tall, over %d (%q)", name, tb.Table, tb.Tallest, limit, tb.Row)
			}
			if tb.Narrowest > 0 && tb.Narrowest < 96 {
				t.Errorf("%s: table %q squeezes its %s control to %d px", name, tb.Table, tb.Control, tb.Narrowest)
			}
		}
	}
	eachPage(t, ctx, e, "manager", []string{"/charges", "/reports/daily?month=" + month}, check)
	browserLogin(t, ctx, e, "manager", "")
	eachPage(t, ctx, e, "admin", []string{"/admin/users", "/admin/stores", "/admin/terminals", "/admin/groups", "/admin/audit", "/admin/webhooks"}, check)
}

// targetsProbe lists the controls a finger has to hit (header links and
// buttons, the admin tabs, form fields, buttons, checkboxes by their
// label) that are less than 40 px tall.
const targetsProbe = `(() => {
  const small = [];
  const els = document.querySelectorAll('.site-header a, .site-header button, main nav a, main button, main .button, main select, ' +
    'main form a, main input:not([type=hidden]):not([type=checkbox]):not([type=radio]), main label.check');
  for (const el of els) {
    if (el.offsetParent === null || el.closest('details:not([open])')) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.height < 40) small.push(el.tagName.toLowerCase() + ' "' + (el.innerText || el.value || el.name || '').trim().slice(0, 20) + '" ' + Math.round(r.height) + ' px');
  }
  return JSON.stringify(small);
})()`

// TestTouchTargetsOnTabletAndPhone: on a tablet and a phone every control
// of the header and of the back-office pages is at least 40 px tall, so a
// manager standing at the counter hits the one they mean.
func TestTouchTargetsOnTabletAndPhone(t *testing.T) {
	e := busyBOEnv(t)
	ctx := boardBrowser(t)
	month := time.Now().In(bangkok(t)).Format("2006-01")
	check := func(name string) {
		var small []string
		evalJSON(t, ctx, name, targetsProbe, &small)
		if len(small) == 0 || !touchSize(name) {
			return
		}
		if len(small) > 6 {
			small = append(small[:6], fmt.Sprintf("and %d more", len(small)-6))
		}
		t.Errorf("%s: controls under 40 px: %v", name, small)
	}
	eachPage(t, ctx, e, "manager", []string{"/board", "/charges", "/reports/daily?month=" + month, "/reports/z"}, check)
	browserLogin(t, ctx, e, "manager", "")
	eachPage(t, ctx, e, "admin", []string{"/admin/users", "/admin/terminals"}, check)
}

// touchSize reports whether the page name is for a tablet or phone width.
func touchSize(name string) bool {
	var w int
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '@' {
			fmt.Sscanf(name[i+1:], "%d", &w)
			break
		}
	}
	return w > 0 && w <= 1024
}

// checksProbe lists checkboxes drawn anywhere but just before their words,
// on the same line (a box above or below its name, or far from it).
const checksProbe = `(() => {
  const off = [];
  for (const cb of document.querySelectorAll('main label > input[type=checkbox]')) {
    if (cb.offsetParent === null) continue;
    const label = cb.parentElement, words = document.createRange();
    words.selectNodeContents(label);
    const text = [...words.getClientRects()].filter((r) => r.width > 0 && r.left >= cb.getBoundingClientRect().right - 1);
    const box = cb.getBoundingClientRect();
    const mid = box.top + box.height / 2;
    const line = text.find((r) => r.top <= mid && mid <= r.bottom);
    if (!line || line.left - box.right > 16) off.push((cb.name || '') + '=' + cb.value + ' "' + label.textContent.trim().slice(0, 30) + '"');
  }
  return JSON.stringify(off);
})()`

// TestCheckboxesBesideTheirWords: every checkbox (the charge list's
// statuses, a store's payment methods in its row and in the new-store
// form) sits just before its name on the same line, at every size.
func TestCheckboxesBesideTheirWords(t *testing.T) {
	e := busyBOEnv(t)
	ctx := boardBrowser(t)
	check := func(name string) {
		var off []string
		evalJSON(t, ctx, name, checksProbe, &off)
		for _, o := range off {
			t.Errorf("%s: checkbox not beside its words: %s", name, o)
		}
	}
	eachPage(t, ctx, e, "manager", []string{"/charges"}, check)
	browserLogin(t, ctx, e, "manager", "")
	eachPage(t, ctx, e, "admin", []string{"/admin/stores"}, check)
}
