package handlers_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"instore/web"
	"instore/web/webtest"
)

// A display paired in a real browser shows the amount of the cashier's
// sale, then paid, then the welcome screen again, live.
func TestDisplayInRealBrowser(t *testing.T) {
	ctx := tillBrowser(t)
	// Real time: the display's poll re-reads the pending charge (at most
	// every 2 s), and no webhook arrives, so that path is what shows paid.
	h := webtest.New(t, webtest.Options{Deps: func(d *web.Deps) {
		d.Now = time.Now
		d.Payments.Now = time.Now
	}})
	cashier := h.Login("cashier")
	code := displayPairCode(t, cashier, url.Values{"terminal_id": {"POS-01"}})
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	within := func(d time.Duration, what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		if err := chromedp.Do(c, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	// The first action starts the browser: it must run on ctx itself, not
	// on a shorter-lived child that would close the browser with it.
	if err := chromedp.Do(ctx, chromedp.Navigate(h.URL("/display"))); err != nil {
		t.Fatal(err)
	}
	within(20*time.Second, "pairing",
		chromedp.WaitVisible(css(`[data-testid="display-code"]`)),
		chromedp.SendKeys(css(`[data-testid="display-code"]`), code),
		chromedp.Click(css(`[data-testid="display-enter-submit"]`)),
		chromedp.WaitVisible(css(`[data-testid="display"][data-state="idle"][data-live="up"] [data-testid="display-idle"]`)),
	)
	path, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + location.search`))
	if err != nil || path != "/till/display?terminal=POS-01" {
		t.Fatalf("after pairing the display is at %q (%v)", path, err)
	}

	sale := displaySell(t, cashier, "POS-01", "120.50", tillCode)
	within(5*time.Second, "the amount to pay",
		chromedp.WaitVisible(css(`[data-testid="display"][data-state="waiting"] [data-testid="display-amount"]`)))
	amount, err := chromedp.Run(ctx, chromedp.Text(css(`[data-testid="display-amount"]`)))
	if err != nil || strings.TrimSpace(amount) != "฿120.50" {
		t.Fatalf("amount shown %q (%v)", amount, err)
	}

	if _, err := h.Sim.MarkPaid(sale.ChargeID); err != nil {
		t.Fatal(err)
	}
	within(10*time.Second, "paid",
		chromedp.WaitVisible(css(`[data-testid="display"][data-state="paid"] [data-testid="display-paid"]`)))
	paid, err := chromedp.Run(ctx, chromedp.Text(css(`[data-testid="display-paid"]`)))
	if err != nil || !strings.Contains(paid, "฿120.50") || !strings.Contains(paid, "Paid") || !strings.Contains(paid, "ชำระเงินแล้ว") {
		t.Fatalf("paid screen %q (%v)", paid, err)
	}
	within(15*time.Second, "back to the welcome screen",
		chromedp.WaitVisible(css(`[data-testid="display"][data-state="idle"] [data-testid="display-idle"]`)))
}
