package handlers_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"instore/omise/sim"
)

// These tests follow what a cashier's hands do at a real counter beyond
// the scan itself: Thai digits typed on the Thai keyboard, a page reloaded
// in the middle of a sale, the shop's network dropping, a phone-size till.

// handKey presses one key with modifiers (Alt=1, Ctrl=2, Meta=4, Shift=8),
// as a person does: key is what the active layout types.
func handKey(code, key string, vk, modifiers int64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		down := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyDown, Code: code, Key: key,
			Text: key, UnmodifiedText: key, WindowsVirtualKeyCode: vk, Modifiers: modifiers}
		if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, down); err != nil {
			return err
		}
		up := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyUp, Code: code, Key: key,
			WindowsVirtualKeyCode: vk, Modifiers: modifiers}
		_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, up)
		return err
	})
}

// kedmaneeHand is the Thai Kedmanee layout under a person's fingers: the
// Thai digits are on the shifted layer, one key off the Arabic digits
// (Shift+Digit2 types ๑, Shift+Digit8 ๕, Shift+KeyQ ๐), and the comma and
// point keys type ม and ใ.
var kedmaneeHand = map[rune]struct {
	code, key string
	vk, mods  int64
}{
	'๑': {"Digit2", "๑", '2', 8}, '๒': {"Digit3", "๒", '3', 8}, '๓': {"Digit4", "๓", '4', 8},
	'๔': {"Digit5", "๔", '5', 8}, '๕': {"Digit8", "๕", '8', 8}, '๖': {"Digit9", "๖", '9', 8},
	'๗': {"Digit0", "๗", '0', 8}, '๘': {"Minus", "๘", 189, 8}, '๙': {"Equal", "๙", 187, 8},
	'๐': {"KeyQ", "๐", 'Q', 8}, ',': {"Comma", "ม", 188, 0}, '.': {"Period", "ใ", 190, 0},
}

// typeKedmanee types s at a person's pace on the Thai layout.
func typeKedmanee(s string) []chromedp.Action[chromedp.Void] {
	var out []chromedp.Action[chromedp.Void]
	for _, r := range s {
		k := kedmaneeHand[r]
		out = append(out, handKey(k.code, k.key, k.vk, k.mods), chromedp.Sleep(160*time.Millisecond))
	}
	return out
}

func TestTillThaiDigitsTypedByHand(t *testing.T) {
	st := newScanTill(t)
	for _, c := range []struct {
		typed string
		want  string
		sat   int64
	}{
		{"๑๐๐", "100", 10000},
		{"๑,๒๕๐.๕๐", "1,250.50", 125050},
		{"๓๗", "37", 3700},
	} {
		st.open(tillTerm, false)
		code := st.code()
		st.do(chromedp.Click(chromedp.CSS(`#till-amount`)))
		st.do(typeKedmanee(c.typed)...)
		if v := st.eval(`document.getElementById("till-amount").value`); v != c.want {
			t.Fatalf("typed %s on the Thai layout: Amount shows %q, want %q", c.typed, v, c.want)
		}
		// The scanner, on the same Thai layout, then types the code.
		st.do(chromedp.Click(chromedp.CSS(`#till-barcode`)),
			(&keyPlan{}).text(code, true, scanner(15*time.Millisecond, 0)).wait(15*time.Millisecond).enter().play())
		if got := st.outcome(8 * time.Second); got != "sale" {
			t.Fatalf("typed %s: %s, want a sale", c.typed, got)
		}
		st.expectSale("Thai digits "+c.typed, c.sat, code)
		st.finish()
	}
}

// The US layout's shifted number row types symbols, not digits: Shift+1
// is "!" and is never read as a 1.
func TestTillShiftedNumberRowIsNoDigit(t *testing.T) {
	st := newScanTill(t)
	st.open(tillTerm, false)
	st.do(chromedp.Click(chromedp.CSS(`#till-amount`)),
		handKey("Digit1", "!", '1', 8), chromedp.Sleep(160*time.Millisecond),
		handKey("Digit5", "%", '5', 8), chromedp.Sleep(160*time.Millisecond))
	if v := st.eval(`document.getElementById("till-amount").value`); strings.ContainsAny(v, "15") {
		t.Fatalf("Shift+1 Shift+5 put %q in Amount", v)
	}
}

// A page reloaded while its sale is being sent (a cashier who thinks it
// hung) must lead back to that sale: the form says the terminal has a sale
// open and links it, and scanning the same code again points to the open
// sale, never "ask the customer for a new code" (which, once the first
// sale is paid, takes a second payment).
func TestTillReloadMidSaleLeadsBackToTheSale(t *testing.T) {
	st := newScanTill(t)
	st.open(tillTerm, true)
	st.env.Sim.SetFaults(sim.Faults{Latency: 1500 * time.Millisecond})
	code := st.code()
	st.sellHundred(code)
	time.Sleep(200 * time.Millisecond)
	if v := st.eval(`location.pathname + " " + document.getElementById("till-submit").disabled`); v != "/till true" {
		t.Fatalf("the sale is not being sent (%s)", v)
	}
	st.open(tillTerm, false) // the reload, while Omise is still answering
	st.env.Sim.SetFaults(sim.Faults{})
	time.Sleep(2 * time.Second) // the first sale is at Omise by now
	list, err := st.env.DB.ListRecentAttempts(context.Background(), "store_1234", tillTerm, 1)
	if err != nil || len(list) != 1 {
		t.Fatalf("no sale recorded (%v)", err)
	}
	open := list[0].AttemptID
	busyLink := `(function(){ var a = document.querySelector('#till-alert:not([hidden]) [data-testid="till-busy-link"]'); return a ? a.getAttribute("href") : ""; })()`
	st.open(tillTerm, false)
	if href := st.eval(busyLink); href != "/till/charges/"+open {
		t.Fatalf("the reloaded form does not lead to the open sale: link %q, alert %q", href,
			st.eval(`document.getElementById("till-alert").textContent`))
	}
	// The cashier scans the customer's code again all the same.
	st.sellHundred(code)
	time.Sleep(1500 * time.Millisecond)
	if f := st.eval(`(document.querySelector('[data-testid="field-error-barcode"]') || {textContent: ""}).textContent`); f != "" {
		t.Fatalf("the same code scanned again on the reloaded till: %q, want the open sale", f)
	}
	if href := st.eval(busyLink); href != "/till/charges/"+open {
		t.Fatalf("the same code scanned again does not lead to the open sale (link %q, alert %q)", href,
			st.eval(`document.getElementById("till-alert").textContent`))
	}
	if n := st.env.Sim.CountCharges(); n != 1 {
		t.Fatalf("%d charges, want 1", n)
	}
}

// setOffline cuts the browser off the network (or restores it).
func setOffline(st *scanTill, offline bool) {
	st.t.Helper()
	type conditions struct {
		Offline            bool    `json:"offline"`
		Latency            float64 `json:"latency"`
		DownloadThroughput float64 `json:"downloadThroughput"`
		UploadThroughput   float64 `json:"uploadThroughput"`
	}
	// The rule-based command refuses a global rule in this Chromium; the
	// older one still cuts every request and tells the page it is offline.
	emulate := cdp.Command[conditions, cdp.Empty]{Method: "Network.emulateNetworkConditions"}
	st.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, emulate, conditions{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1})
		return err
	}))
}

// The shop's network drops while the customer confirms: the waiting
// screen must not go on saying "waiting for the customer" as if it could
// hear the answer; it says it cannot, and catches up when back online.
func TestTillWaitingScreenSaysWhenOffline(t *testing.T) {
	st := newScanTill(t)
	st.open(tillTerm, true)
	code := st.code()
	st.sellHundred(code)
	if got := st.outcome(8 * time.Second); got != "sale" {
		t.Fatal(got)
	}
	st.do(chromedp.WaitReady(chromedp.CSS(`#till-sale[data-ready="true"]`)))
	offline := `(function(){ var e = document.querySelector('[data-testid="till-offline"]'); return e && !e.hidden ? e.textContent : ""; })()`
	if v := st.eval(offline); v != "" {
		t.Fatalf("online, the waiting screen says %q", v)
	}
	setOffline(st, true)
	if _, err := st.env.Sim.MarkPaid(st.lastCharge().ID); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(8 * time.Second)
	said := ""
	for time.Now().Before(deadline) && said == "" {
		time.Sleep(200 * time.Millisecond)
		said = st.eval(offline)
	}
	if said == "" {
		t.Fatal("offline for 8 s, the waiting screen still reads as if it could hear the customer's payment")
	}
	t.Logf("offline: %s", said)
	setOffline(st, false)
	deadline = time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		v, _ := st.try(`(document.querySelector('[data-testid="till-sale"]') || {dataset: {}}).dataset.status || ""`)
		if v == "successful" {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("back online, the waiting screen did not show the payment")
}

// A phone-size till (360×640) and a tablet: no page of the sale scrolls
// sideways.
func TestTillPhoneSizeFits(t *testing.T) {
	st := newScanTill(t)
	for _, size := range [][2]int64{{360, 640}, {768, 1024}} {
		name := fmt.Sprintf("%dx%d", size[0], size[1])
		st.do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
				Width: size[0], Height: size[1], DeviceScaleFactor: 1, Mobile: size[0] < 600})
			return err
		}))
		width := func(page string) {
			t.Helper()
			v := st.eval(`String(document.documentElement.scrollWidth)`)
			if w, _ := strconv.Atoi(v); w > int(size[0]) {
				t.Fatalf("%s: the %s is %s px wide on a %d px screen", name, page, v, size[0])
			}
		}
		st.open(tillTerm, false)
		width("sale form")
		code := st.code()
		st.sellHundred(code)
		if got := st.outcome(8 * time.Second); got != "sale" {
			t.Fatalf("%s: %s", name, got)
		}
		st.do(chromedp.WaitReady(chromedp.CSS(`#till-sale[data-ready="true"]`)))
		width("waiting screen")
		st.finish()
		width("paid screen")
	}
}

// After a failed payment the customer's code is spent (a code pays once):
// scanned again on the result screen, the till says to ask for a new
// code, not that the scan was incomplete (which has the cashier scan the
// same code over and over).
func TestTillSameCodeAfterFailureAsksForANewOne(t *testing.T) {
	st := newScanTill(t)
	st.open(tillTerm, true)
	code := st.code()
	st.sellHundred(code)
	if got := st.outcome(8 * time.Second); got != "sale" {
		t.Fatal(got)
	}
	failed, err := st.env.Sim.MarkFailed(st.lastCharge().ID, "payment_rejected")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.env.svc.ApplyCharge(context.Background(), failed); err != nil {
		t.Fatal(err)
	}
	st.do(chromedp.WaitReady(chromedp.CSS(`#till-sale[data-status="failed"][data-ready="true"]`)))
	st.do((&keyPlan{}).text(code, false, scanner(15*time.Millisecond, 0)).wait(15 * time.Millisecond).enter().play())
	time.Sleep(300 * time.Millisecond)
	note := st.eval(`(function(){ var n = document.getElementById("till-result-note"); return n.hidden ? "" : n.textContent; })()`)
	if !strings.Contains(note, "new code") {
		t.Fatalf("the failed sale's code scanned again: note %q, want to ask the customer for a new code", note)
	}
	if n := st.env.Sim.CountCharges(); n != 1 {
		t.Fatalf("%d charges, want 1", n)
	}
}

// sellHundred is the cashier clicking Amount, typing 100 by hand, and the
// scanner sending code and Enter, as a sale is rung up.
func (st *scanTill) sellHundred(code string) {
	st.do(chromedp.Click(chromedp.CSS(`#till-amount`)),
		(&keyPlan{}).text("100", false, every(150*time.Millisecond)).wait(500*time.Millisecond).
			text(code, false, scanner(15*time.Millisecond, 0)).wait(15*time.Millisecond).enter().play())
}
