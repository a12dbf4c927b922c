package handlers_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"instore/omise"
)

// boardChromium is the browser the board test drives.
const boardChromium = "/usr/bin/chromium"

// boardBrowser starts a headless Chromium with a fresh profile, or skips the
// test when there is none (fails instead under CI=true).
func boardBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(boardChromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but no Chromium at %s: %v", boardChromium, err)
		}
		t.Skipf("no Chromium at %s: skipping the browser test (install chromium to run it)", boardChromium)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(boardChromium),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// The first run starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}

// waitJS polls a JavaScript condition until it is true.
func waitJS(ctx context.Context, t *testing.T, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			html, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('main').outerHTML`))
			t.Fatalf("%s: not true after 15s (%s)\n%s", what, expr, html)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestBoardUpdatesLiveInBrowser: a manager has /board open; a sale starts
// and completes in the simulator; the terminal's tile follows without a
// reload, and a dropped feed shows the banner and comes back by itself.
func TestBoardUpdatesLiveInBrowser(t *testing.T) {
	e := newBOEnv(t)
	ctx := boardBrowser(t) // closed first: its live stream holds the server open
	tile := `document.querySelector('[data-testid="tile-store_1-T1"]')`

	err := chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=username]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=username]`), "manager"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=password]`), boPassword),
		chromedp.Click(chromedp.CSS(`[data-testid=login-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=whoami]`)),
		chromedp.Navigate(e.srv.URL+"/board"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="tile-store_1-T1"]`)),
		// Marks this page: a reload would lose it.
		chromedp.Evaluate[chromedp.Void](`window.boardMarker = 42`),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitJS(ctx, t, "tile idle", tile+`.dataset.state === "idle"`)
	waitJS(ctx, t, "feed connected", `document.querySelector('[data-testid=board]').dataset.live === "up"`)

	// A sale starts at T1 (the customer has not confirmed yet)...
	ch := e.charge("store_1", "T1", 12500, omise.StatusPending)
	waitJS(ctx, t, "tile pending", tile+`.dataset.state === "pending" && `+tile+`.textContent.includes("฿125.00")`)

	// ...and completes in the simulator; Omise's answer is applied (as the
	// webhook or the syncer would).
	if _, err := e.sim.MarkPaid(ch.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SyncCharge(context.Background(), ch.ID); err != nil {
		t.Fatal(err)
	}
	waitJS(ctx, t, "tile paid", tile+`.dataset.state === "idle" && `+
		tile+`.querySelector('[data-testid=tile-last-status]').dataset.status === "successful" && `+
		tile+`.querySelector('[data-testid=tile-today-count]').textContent.trim() === "1"`)
	waitJS(ctx, t, "no reload", `window.boardMarker === 42`)

	// The feed drops: the banner shows, then the page reconnects by itself.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`
		window.sawDown = false;
		new MutationObserver(function () {
			if (document.querySelector('[data-testid=board]').dataset.live === "down") window.sawDown = true;
		}).observe(document.querySelector('[data-testid=board]'), {attributes: true})`)); err != nil {
		t.Fatal(err)
	}
	e.dropConnections()
	waitJS(ctx, t, "banner shown", `window.sawDown === true`)
	waitJS(ctx, t, "reconnected", `document.querySelector('[data-testid=board]').dataset.live === "up" && document.querySelector('[data-testid=live-status]').hidden`)
	waitJS(ctx, t, "still no reload", `window.boardMarker === 42`)
}

// TestChargesListLiveInBrowser: /charges open on its first page; a new
// charge appears on top and a change replaces its row, without a reload.
func TestChargesListLiveInBrowser(t *testing.T) {
	e := newBOEnv(t)
	old := e.charge("store_1", "T1", 4000, omise.StatusSuccessful)
	ctx := boardBrowser(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=username]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=username]`), "manager"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=password]`), boPassword),
		chromedp.Click(chromedp.CSS(`[data-testid=login-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=whoami]`)),
		chromedp.Navigate(e.srv.URL+"/charges"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=charges-table]`)),
		chromedp.Evaluate[chromedp.Void](`window.listMarker = 7`),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitJS(ctx, t, "feed connected", `document.querySelector('[data-testid=charges]').dataset.live === "up"`)
	rows := `document.querySelectorAll('[data-testid=charge-row]')`
	ch := e.charge("store_1", "T2", 6100, omise.StatusPending)
	waitJS(ctx, t, "new row on top", rows+`.length === 2 && `+rows+`[0].dataset.charge === "`+ch.ID+`" && `+rows+`[0].dataset.status === "pending"`)
	if _, err := e.sim.MarkPaid(ch.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SyncCharge(context.Background(), ch.ID); err != nil {
		t.Fatal(err)
	}
	waitJS(ctx, t, "row replaced", rows+`.length === 2 && `+rows+`[0].dataset.status === "successful" && `+rows+`[1].dataset.charge === "`+old.ID+`"`)
	// Another store's charge never reaches this manager's list. The feed
	// keeps order, so once a later charge of the manager's own store is on
	// top, the other store's would already be there if it were sent.
	other := e.charge("store_2", "T1", 9900, omise.StatusSuccessful)
	later := e.charge("store_1", "T1", 7700, omise.StatusPending)
	waitJS(ctx, t, "later own-store charge on top", rows+`[0].dataset.charge === "`+later.ID+`"`)
	waitJS(ctx, t, "other store not shown, no reload", rows+`.length === 3 && !document.querySelector('[data-charge="`+other.ID+`"]') && window.listMarker === 7`)
}
