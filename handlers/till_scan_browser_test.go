package handlers_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"instore/omise"
	"instore/web"
	"instore/web/webtest"
)

// These tests drive the till as a cashier's hands and a wedge scanner do:
// every key carries the time it was pressed (the browser's event
// timestamp), so a scanner's 15 ms gaps stay 15 ms however busy the test
// machine is, and real time passes between keys too, so the page's
// timers see what they would at a counter.

// scanKey is one key press at an offset from the start of a sequence.
type scanKey struct {
	code, key string
	vk        int64
	at        time.Duration
}

// keyPlan builds a sequence of key presses.
type keyPlan struct {
	keys []scanKey
	t    time.Duration
}

func (p *keyPlan) wait(d time.Duration) *keyPlan {
	p.t += d
	return p
}

func (p *keyPlan) press(code, key string, vk int64) *keyPlan {
	p.keys = append(p.keys, scanKey{code: code, key: key, vk: vk, at: p.t})
	return p
}

// text types digits and points; gap(i) is the pause before the i-th key
// (i >= 1). thai gives the characters of the Thai Kedmanee layout.
func (p *keyPlan) text(s string, thai bool, gap func(i int) time.Duration) *keyPlan {
	for i := 0; i < len(s); i++ {
		if i > 0 {
			p.t += gap(i)
		}
		c := s[i]
		switch {
		case c == '.':
			key := "."
			if thai {
				key = "ใ"
			}
			p.press("Period", key, 190)
		default:
			key := string(c)
			if thai {
				key = tillThaiKey[c]
			}
			p.press("Digit"+string(c), key, int64(c))
		}
	}
	return p
}

func (p *keyPlan) enter() *keyPlan { return p.press("Enter", "Enter", 13) }

// every gives the same gap between all keys.
func every(d time.Duration) func(int) time.Duration { return func(int) time.Duration { return d } }

// scanner gives a cheap wedge scanner's timing: the first few gaps slow
// (it wakes up), then 10–20 ms.
func scanner(first time.Duration, slow int) func(int) time.Duration {
	return func(i int) time.Duration {
		if i <= slow {
			return first
		}
		return time.Duration(10+(i*7)%11) * time.Millisecond
	}
}

// play presses the keys at their times: real time passes between them,
// and each event carries its planned timestamp.
func (p *keyPlan) play() chromedp.Action[chromedp.Void] {
	keys, end := p.keys, p.t
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		base := time.Now()
		// A wait planned after the last key passes too.
		defer func() {
			if d := time.Until(base.Add(end)); d > 0 {
				time.Sleep(d)
			}
		}()
		for _, k := range keys {
			at := base.Add(k.at)
			if d := time.Until(at); d > 0 {
				time.Sleep(d)
			} else if -d > 60*time.Millisecond {
				// This process fell behind (a loaded machine): the page has
				// really waited, so the keys from here on say so too rather
				// than claim a pace the page never saw.
				base = base.Add(-d)
				at = base.Add(k.at)
			}
			ts := input.TimeSinceEpoch(float64(at.UnixNano()) / 1e9)
			text := k.key
			if k.code == "Enter" {
				text = "\r"
			}
			down := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyDown, Code: k.code, Key: k.key,
				Text: text, UnmodifiedText: text, WindowsVirtualKeyCode: k.vk, Timestamp: ts}
			if _, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, down); err != nil {
				return err
			}
			up := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyUp, Code: k.code, Key: k.key,
				WindowsVirtualKeyCode: k.vk, Timestamp: ts}
			if _, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, up); err != nil {
				return err
			}
		}
		return nil
	})
}

// scanTill is a browser at the till, logged in as the cashier.
type scanTill struct {
	t    *testing.T
	ctx  context.Context
	env  *tillEnv
	base string
	seq  atomic.Int64
}

func newScanTill(t *testing.T) *scanTill {
	t.Helper()
	ctx := tillBrowser(t)
	env := newTillEnv(t, webtest.Options{Deps: func(d *web.Deps) {
		d.Now = time.Now
		d.Payments.Now = time.Now
	}})
	st := &scanTill{t: t, ctx: ctx, env: env, base: env.Server.URL}
	err := chromedp.Do(ctx,
		chromedp.Navigate(st.base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
		chromedp.SetValue(chromedp.CSS(`input[name="username"]`), "cashier"),
		chromedp.SetValue(chromedp.CSS(`input[name="password"]`), webtest.Password),
		chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="whoami"]`)),
	)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	return st
}

// code draws a new Alipay payment code (18 digits, beginning with 28).
func (st *scanTill) code() string {
	return fmt.Sprintf("28%012d%04d", time.Now().UnixNano()%1e12, 1000+st.seq.Add(1))
}

func (st *scanTill) do(actions ...chromedp.Action[chromedp.Void]) {
	st.t.Helper()
	ctx, cancel := context.WithTimeout(st.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		path, _ := st.try(`location.pathname + location.search`)
		st.t.Fatalf("%v (page %s)", err, path)
	}
}

// try evaluates js with a short deadline: a page navigating away can
// leave an evaluation unanswered, which must not stall the test.
func (st *scanTill) try(js string) (string, error) {
	ctx, cancel := context.WithTimeout(st.ctx, 3*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[string](js))
}

func (st *scanTill) eval(js string) string {
	st.t.Helper()
	v, err := st.try(js)
	if err != nil {
		time.Sleep(200 * time.Millisecond)
		if v, err = st.try(js); err != nil {
			st.t.Fatalf("%s: %v", js, err)
		}
	}
	return v
}

// open shows a fresh sale form for terminal; forget drops what the browser
// learnt of the terminal's scanner.
func (st *scanTill) open(terminal string, forget bool) {
	st.t.Helper()
	ready := chromedp.WaitReady(chromedp.CSS(`#till-form[data-ready="true"]`))
	st.do(chromedp.Navigate(st.base+"/till?terminal="+terminal), ready)
	if forget {
		st.eval(`(function(){ localStorage.removeItem("instore.till.scanner.` + terminal + `"); return ""; })()`)
		st.do(chromedp.Navigate(st.base+"/till?terminal="+terminal), ready)
	}
}

// outcome waits up to limit for the sale to be sent (the page moves to the
// sale) or for the check prompt; it returns "sale", "check:<reason>" or
// "none".
func (st *scanTill) outcome(limit time.Duration) string {
	st.t.Helper()
	end := time.Now().Add(limit)
	for time.Now().Before(end) {
		v, _ := st.try(`(function(){
			if (location.pathname.indexOf("/till/charges/") === 0) return "sale";
			var c = document.getElementById("till-check");
			if (c && !c.hidden) return "check:" + c.getAttribute("data-reason");
			return "";
		})()`)
		if v != "" {
			return v
		}
		time.Sleep(40 * time.Millisecond)
	}
	return "none"
}

// lastCharge is the newest charge at the simulator.
func (st *scanTill) lastCharge() omise.Charge {
	st.t.Helper()
	list, err := st.env.svc.Omise.ListCharges(context.Background(), omise.ListParams{Limit: 1, Order: omise.OrderReverseChronological})
	if err != nil || len(list.Data) == 0 {
		st.t.Fatalf("no charge at the simulator (%v)", err)
	}
	return list.Data[0]
}

// finish pays the sale shown and waits for the paid screen, which frees
// the terminal for the next sale.
func (st *scanTill) finish() {
	st.t.Helper()
	ch := st.lastCharge()
	paid, err := st.env.Sim.MarkPaid(ch.ID)
	if err != nil {
		st.t.Fatal(err)
	}
	// As the webhook would: the product learns of the payment now.
	if _, err := st.env.svc.ApplyCharge(context.Background(), paid); err != nil {
		st.t.Fatal(err)
	}
	// The page hears of it live and reloads itself; a page that missed it
	// is opened again.
	url := "/till/charges/"
	deadline := time.Now().Add(8 * time.Second)
	reopened := false
	for time.Now().Before(deadline) {
		v, err := st.try(`(function(){
			var s = document.querySelector('[data-testid="till-sale"][data-ready="true"]');
			return s ? s.dataset.status + "|" + location.pathname : "|" + location.pathname;
		})()`)
		if err == nil {
			status, path, _ := strings.Cut(v, "|")
			if status == "successful" {
				return
			}
			if strings.HasPrefix(path, url) {
				url = path
			}
		}
		if !reopened && time.Until(deadline) < 7*time.Second {
			reopened = true
			nctx, cancel := context.WithTimeout(st.ctx, 3*time.Second)
			_ = chromedp.Do(nctx, chromedp.Navigate(st.base+url))
			cancel()
		}
		time.Sleep(50 * time.Millisecond)
	}
	st.t.Fatalf("the paid sale was not shown (page %s)", url)
}

// expectSale checks the newest charge is exactly amount for code.
func (st *scanTill) expectSale(what string, amount int64, code string) {
	st.t.Helper()
	ch := st.lastCharge()
	if ch.Amount != amount || ch.Source == nil || ch.Source.Barcode != code {
		barcode := ""
		if ch.Source != nil {
			barcode = ch.Source.Barcode
		}
		st.t.Fatalf("%s: charged %d for code %q, want %d for %q", what, ch.Amount, barcode, amount, code)
	}
}

// answerCheck presses Enter by hand on the check prompt.
func (st *scanTill) answerCheck() {
	st.t.Helper()
	time.Sleep(600 * time.Millisecond)
	st.do((&keyPlan{}).enter().play())
}

func TestTillScanWhileFocusInAmount(t *testing.T) {
	st := newScanTill(t)
	for _, thai := range []bool{false, true} {
		for _, pause := range []time.Duration{600 * time.Millisecond, 200 * time.Millisecond} {
			for _, first := range []int{20, 40, 55, 65, 80} {
				name := fmt.Sprintf("thai=%v pause=%v first=%dms", thai, pause, first)
				st.open(tillTerm, true) // no scanner profile yet
				code := st.code()
				before := st.env.Sim.CountCharges()
				plan := (&keyPlan{}).text("100", thai, every(150*time.Millisecond)).wait(pause).
					text(code, thai, scanner(time.Duration(first)*time.Millisecond, 3)).wait(15 * time.Millisecond).enter()
				st.do(chromedp.Click(chromedp.CSS(`#till-amount`)), plan.play())
				got := st.outcome(8 * time.Second)
				switch {
				case got == "sale":
				case strings.HasPrefix(got, "check:"):
					// Nothing was sent; the cashier sees the amount and the
					// code kept, and confirms by hand.
					if n := st.env.Sim.CountCharges(); n != before {
						t.Fatalf("%s: the check prompt is up but %d charge(s) were sent", name, n-before)
					}
					if v := st.eval(`document.getElementById("till-amount").value`); v != "100" {
						t.Fatalf("%s: Amount holds %q while asking to check", name, v)
					}
					if v := st.eval(`document.getElementById("till-barcode").value`); v != code {
						t.Fatalf("%s: the code field holds %q, want the whole code %q", name, v, code)
					}
					st.answerCheck()
					if got2 := st.outcome(8 * time.Second); got2 != "sale" {
						t.Fatalf("%s: after confirming the check: %s", name, got2)
					}
				default:
					t.Fatalf("%s: neither a sale nor a check prompt (amount %q, code %q, alert %q)", name,
						st.eval(`document.getElementById("till-amount").value`), st.eval(`document.getElementById("till-barcode").value`),
						st.eval(`document.getElementById("till-alert").textContent`))
				}
				if n := st.env.Sim.CountCharges(); n != before+1 {
					t.Fatalf("%s: %d charges made, want 1", name, n-before)
				}
				st.expectSale(name, 10000, code)
				t.Logf("%s: %s", name, got)
				st.finish()
			}
		}
	}
}

// A scanner slower to wake than any we planned for (first gaps of 100 ms
// and more) may leave its first digits where the amount was: the till
// may then ask, or refuse, but never charges another amount or code.
func TestTillSleepyScannerNeverChargesWrongly(t *testing.T) {
	st := newScanTill(t)
	for _, first := range []int{100, 130, 180} {
		name := fmt.Sprintf("first=%dms", first)
		st.open(tillTerm, true)
		code := st.code()
		before := st.env.Sim.CountCharges()
		plan := (&keyPlan{}).text("100", false, every(150*time.Millisecond)).wait(600*time.Millisecond).
			text(code, false, scanner(time.Duration(first)*time.Millisecond, 3)).wait(15 * time.Millisecond).enter()
		st.do(chromedp.Click(chromedp.CSS(`#till-amount`)), plan.play())
		got := st.outcome(8 * time.Second)
		t.Logf("%s: %s (amount %q, code %q)", name, got, st.eval(`document.getElementById("till-amount").value`),
			st.eval(`document.getElementById("till-barcode").value`))
		if strings.HasPrefix(got, "check:") {
			st.answerCheck()
			got = st.outcome(8 * time.Second)
		}
		if got == "none" {
			// Told to scan again, the cashier scans in the code field;
			// the leftover digits in Amount are not charged unchecked.
			code = st.code()
			st.do(chromedp.Click(chromedp.CSS(`#till-barcode`)),
				(&keyPlan{}).text(code, false, scanner(15*time.Millisecond, 0)).wait(15*time.Millisecond).enter().play())
			if got = st.outcome(8 * time.Second); got != "check:check_uncertain" {
				t.Fatalf("%s: rescan after a cut scan: %s, want the amount check", name, got)
			}
			// The prompt selects Amount: the cashier types it again.
			st.do((&keyPlan{}).wait(400*time.Millisecond).text("100", false, every(150*time.Millisecond)).wait(500 * time.Millisecond).enter().play())
			got = st.outcome(8 * time.Second)
		}
		switch n := st.env.Sim.CountCharges(); {
		case n == before:
		case n == before+1:
			st.expectSale(name, 10000, code)
			st.finish()
		default:
			t.Fatalf("%s: %d charges", name, n-before)
		}
	}
}

func TestTillScannerCheckThenScansSellFirstTry(t *testing.T) {
	st := newScanTill(t)
	st.open(tillTerm, true)
	// The scanner check: any code, once.
	st.do(chromedp.Click(chromedp.CSS(`#till-scanner-check-open`)), chromedp.WaitVisible(chromedp.CSS(`#till-scanner-check`)))
	check := (&keyPlan{}).wait(200*time.Millisecond).text("8851234567895", false, scanner(65*time.Millisecond, 3)).wait(15 * time.Millisecond).enter()
	st.do(check.play())
	time.Sleep(200 * time.Millisecond)
	result := st.eval(`document.getElementById("till-scanner-result").textContent`)
	learnt := st.eval(`JSON.stringify(window.instoreTill.state())`)
	// The slowest gap shown is 65 ms, or more if this machine was too busy
	// to keep the pace (the keys then say so).
	if !strings.Contains(result, "13") || !strings.Contains(result, "Enter") || !strings.Contains(learnt, `"learned":true`) {
		t.Fatalf("scanner check result %q, state %s: want 13 digits, ending with Enter, learnt", result, learnt)
	}
	st.do(chromedp.Click(chromedp.CSS(`#till-scanner-check-done`)))
	if n := st.env.Sim.CountCharges(); n != 0 {
		t.Fatalf("the scanner check charged %d time(s)", n)
	}
	for _, first := range []int{10, 20, 40, 55, 65} {
		for _, thai := range []bool{false, true} {
			name := fmt.Sprintf("profiled first=%dms thai=%v", first, thai)
			st.open(tillTerm, false)
			code := st.code()
			plan := (&keyPlan{}).text("100", thai, every(150*time.Millisecond)).wait(300*time.Millisecond).
				text(code, thai, scanner(time.Duration(first)*time.Millisecond, 3)).wait(15 * time.Millisecond).enter()
			st.do(chromedp.Click(chromedp.CSS(`#till-amount`)), plan.play())
			if got := st.outcome(8 * time.Second); got != "sale" {
				t.Fatalf("%s: %s, want a sale on the first try", name, got)
			}
			st.expectSale(name, 10000, code)
			st.finish()
		}
	}
}

func TestTillScanEdgeCases(t *testing.T) {
	st := newScanTill(t)

	// A scanner with no Enter stalls 120 ms mid-code on a loaded machine:
	// never a part of the code is sent, only the whole of it.
	st.open("POS-02", true)
	code := st.code()
	plan := (&keyPlan{}).text("30", false, every(150*time.Millisecond)).wait(700*time.Millisecond).
		text(code[:10], false, scanner(20*time.Millisecond, 1)).wait(120*time.Millisecond).
		text(code[10:], false, scanner(15*time.Millisecond, 0))
	st.do(chromedp.Click(chromedp.CSS(`#till-barcode`)))
	st.do(chromedp.Click(chromedp.CSS(`#till-amount`)), plan.play())
	if got := st.outcome(8 * time.Second); got != "sale" {
		t.Fatalf("paused scan without Enter: %s", got)
	}
	st.expectSale("paused scan without Enter", 3000, code)
	st.finish()

	// The same pause with Enter at the end: one charge, whole code.
	st.open(tillTerm, true)
	code = st.code()
	plan = (&keyPlan{}).text("31", false, every(150*time.Millisecond)).wait(700*time.Millisecond).
		text(code[:9], false, scanner(50*time.Millisecond, 2)).wait(120*time.Millisecond).
		text(code[9:], false, scanner(15*time.Millisecond, 0)).wait(15 * time.Millisecond).enter()
	st.do(chromedp.Click(chromedp.CSS(`#till-amount`)), plan.play())
	if got := st.outcome(8 * time.Second); got != "sale" {
		t.Fatalf("paused scan with Enter: %s", got)
	}
	st.expectSale("paused scan with Enter", 3100, code)
	st.finish()

	// A scan cut short (the scanner stops after 12 digits): nothing is
	// sent, the cashier is told to scan again.
	st.open(tillTerm, false)
	before := st.env.Sim.CountCharges()
	code = st.code()
	plan = (&keyPlan{}).text("40", false, every(150*time.Millisecond)).wait(700*time.Millisecond).
		text(code[:12], false, scanner(20*time.Millisecond, 2))
	st.do(chromedp.Click(chromedp.CSS(`#till-amount`)), plan.play())
	if got := st.outcome(1500 * time.Millisecond); got != "none" {
		t.Fatalf("cut-short scan: %s", got)
	}
	if n := st.env.Sim.CountCharges(); n != before {
		t.Fatalf("cut-short scan sent %d charge(s)", n-before)
	}
	if m := st.eval(`document.getElementById("till-alert").getAttribute("data-msg") || ""`); m != "scan_again" {
		t.Fatalf("cut-short scan: alert %q, want scan_again", m)
	}
	if v := st.eval(`document.getElementById("till-amount").value`); v != "40" {
		t.Fatalf("cut-short scan left Amount %q, want 40", v)
	}

	// An amount typed with no delay between keys (a keypad macro) stays in
	// Amount character for character; as it came at machine speed, the
	// cashier confirms it before it is charged.
	st.open(tillTerm, false)
	before = st.env.Sim.CountCharges()
	st.do(chromedp.Click(chromedp.CSS(`#till-amount`)), (&keyPlan{}).text("4000.00", false, every(0)).play())
	time.Sleep(100 * time.Millisecond)
	if v := st.eval(`document.getElementById("till-amount").value`); v != "4000.00" {
		t.Fatalf("keypad amount became %q, want 4000.00", v)
	}
	if v := st.eval(`document.getElementById("till-barcode").value`); v != "" {
		t.Fatalf("keypad amount put %q in the code field", v)
	}
	code = st.code()
	st.do(chromedp.Click(chromedp.CSS(`#till-barcode`)), (&keyPlan{}).text(code, false, scanner(15*time.Millisecond, 0)).wait(15*time.Millisecond).enter().play())
	if got := st.outcome(8 * time.Second); got != "check:check_amount" {
		t.Fatalf("keypad amount then scan: %s, want the amount check", got)
	}
	if n := st.env.Sim.CountCharges(); n != before {
		t.Fatal("a machine-speed amount was charged without a check")
	}
	st.answerCheck()
	if got := st.outcome(8 * time.Second); got != "sale" {
		t.Fatalf("keypad amount after the check: %s", got)
	}
	st.expectSale("keypad amount", 400000, code)
	st.finish()

	// A scan on the result screen starts the next sale with the code kept;
	// nothing is sent until the cashier types the amount and presses Enter.
	before = st.env.Sim.CountCharges()
	next := st.code()
	st.do((&keyPlan{}).text(next, false, scanner(40*time.Millisecond, 2)).wait(15 * time.Millisecond).enter().play())
	st.do(chromedp.WaitReady(chromedp.CSS(`#till-form[data-ready="true"]`)))
	time.Sleep(800 * time.Millisecond)
	if v := st.eval(`document.getElementById("till-barcode").value`); v != next {
		t.Fatalf("code scanned on the result screen: code field %q, want %q", v, next)
	}
	if v := st.eval(`document.activeElement.id + "|" + document.getElementById("till-amount").value`); v != "till-amount|" {
		t.Fatalf("after a scan on the result screen: focus|amount = %q, want till-amount and empty", v)
	}
	if n := st.env.Sim.CountCharges(); n != before {
		t.Fatal("a scan on the result screen was charged before the amount was typed")
	}
	st.do((&keyPlan{}).text("25", false, every(180*time.Millisecond)).wait(250 * time.Millisecond).enter().play())
	if got := st.outcome(8 * time.Second); got != "sale" {
		t.Fatalf("kept code, amount typed: %s", got)
	}
	st.expectSale("kept code", 2500, next)
	st.finish()

	// A large amount is confirmed once more; a scanner's double Enter is
	// not that confirmation.
	st.open(tillTerm, false)
	before = st.env.Sim.CountCharges()
	code = st.code()
	plan = (&keyPlan{}).text("6000", false, every(150*time.Millisecond)).wait(700*time.Millisecond).
		text(code, false, scanner(40*time.Millisecond, 2)).wait(15 * time.Millisecond).enter().wait(8 * time.Millisecond).enter()
	st.do(chromedp.Click(chromedp.CSS(`#till-amount`)), plan.play())
	if got := st.outcome(8 * time.Second); got != "check:check_large" {
		t.Fatalf("large amount: %s, want the large-amount check", got)
	}
	time.Sleep(300 * time.Millisecond)
	if n := st.env.Sim.CountCharges(); n != before {
		t.Fatal("a large amount was charged on the scanner's double Enter")
	}
	if v := st.eval(`document.getElementById("till-check-amount").textContent`); v != "฿6,000.00" {
		t.Fatalf("large-amount check shows %q", v)
	}
	st.answerCheck()
	if got := st.outcome(8 * time.Second); got != "sale" {
		t.Fatalf("large amount confirmed: %s", got)
	}
	st.expectSale("large amount", 600000, code)
	if n := st.env.Sim.CountCharges(); n != before+1 {
		t.Fatalf("large amount: %d charges, want 1", n-before)
	}
}
