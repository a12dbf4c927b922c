package handlers_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"instore/omise"
	"instore/web"
	"instore/web/webtest"
)

const tillChromium = "/usr/bin/chromium"

// tillBrowser starts a fresh headless Chromium for one test. Without Chromium
// the test is skipped, except under CI=true, where a skipped browser test
// would hide a broken till.
func tillBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(tillChromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is missing: the till browser test cannot run", tillChromium)
		}
		t.Skipf("%s not installed: skipping the real-browser till test (install the Debian chromium package)", tillChromium)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(tillChromium),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// tillThaiKey is what the Thai Kedmanee layout types on the number row.
var tillThaiKey = map[byte]string{'1': "ๅ", '2': "/", '3': "-", '4': "ภ", '5': "ถ", '6': "ุ", '7': "ึ", '8': "ค", '9': "ต", '0': "จ"}

// tillKeystroke presses one physical key the way a wedge scanner does: the
// code names the key, key and text are what the active layout produces.
func tillKeystroke(code, key, text string, vk int64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		down := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyDown, Code: code, Key: key,
			Text: text, UnmodifiedText: text, WindowsVirtualKeyCode: vk}
		if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, down); err != nil {
			return err
		}
		up := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyUp, Code: code, Key: key, WindowsVirtualKeyCode: vk}
		_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, up)
		return err
	})
}

// tillTypeCode types digits gap apart (and waits gap after the last), in
// the US layout or the Thai one; each key carries its planned time, as a
// scanner's keys do.
func tillTypeCode(code string, thai bool, gap time.Duration) chromedp.Action[chromedp.Void] {
	return (&keyPlan{}).text(code, thai, every(gap)).wait(gap).play()
}

func tillEnter() chromedp.Action[chromedp.Void] { return tillKeystroke("Enter", "Enter", "\r", 13) }

func TestTillInRealBrowser(t *testing.T) {
	ctx := tillBrowser(t)
	// Real time for the app (the till's poll re-reads a pending charge
	// every few seconds); no webhooks here, so that path is what shows paid.
	env := newTillEnv(t, webtest.Options{Deps: func(d *web.Deps) {
		d.Now = time.Now
		d.Payments.Now = time.Now
	}})
	base := env.Server.URL
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }

	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(css(`input[name="username"]`)),
		chromedp.SetValue(css(`input[name="username"]`), "cashier"),
		chromedp.SetValue(css(`input[name="password"]`), webtest.Password),
		chromedp.Submit(css(`input[name="password"]`)),
		chromedp.WaitVisible(css(`[data-testid="whoami"]`)),
	)
	if err != nil {
		t.Fatalf("login: %v", err)
	}

	// sale opens the till, types the amount like a person, then lets the
	// scanner type the code; it returns the sale page's status.
	sale := func(code string, thai, doubleEnter bool) string {
		t.Helper()
		err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/till?terminal="+tillTerm),
			chromedp.WaitVisible(css(`#till-barcode`)),
		)
		if err != nil {
			t.Fatal(err)
		}
		active, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`))
		if err != nil || active != "till-amount" {
			t.Fatalf("a new sale does not start in Amount (focus on %q, %v)", active, err)
		}
		steps := []chromedp.Action[chromedp.Void]{
			chromedp.Click(css(`#till-amount`)),
			tillTypeCode("120", thai, 150*time.Millisecond), // a person types 120.50
			tillKeystroke("Period", ".", ".", 190),
			tillTypeCode("50", thai, 150*time.Millisecond),
			chromedp.Click(css(`#till-barcode`)),
			tillTypeCode(code, thai, 10*time.Millisecond),
			tillEnter(),
		}
		if doubleEnter {
			steps = append(steps, tillEnter())
		}
		steps = append(steps, chromedp.WaitVisible(css(`[data-testid="till-sale"]`)))
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
		status, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="till-sale"]').dataset.status`))
		if err != nil {
			t.Fatal(err)
		}
		return status
	}

	// US layout, with a double Enter.
	const usCode = "281012345678901234"
	if st := sale(usCode, false, true); st != "pending" {
		t.Fatalf("US sale: %s", st)
	}
	if n := env.Sim.CountCharges(); n != 1 {
		t.Fatalf("charges after a double Enter: %d, want 1", n)
	}
	charges, err := env.svc.Omise.ListCharges(context.Background(), omise.ListParams{Limit: 10})
	if err != nil || len(charges.Data) != 1 {
		t.Fatal(err)
	}
	first := charges.Data[0]
	if first.Source.Barcode != usCode || first.Amount != 12050 {
		t.Fatalf("charge: barcode %q amount %d", first.Source.Barcode, first.Amount)
	}

	// The customer confirms: the page shows paid within 5 s.
	if _, err := env.Sim.MarkPaid(first.ID); err != nil {
		t.Fatal(err)
	}
	paidCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = chromedp.Do(paidCtx, chromedp.WaitVisible(css(`[data-testid="till-sale"][data-status="successful"] [data-testid="receipt"]`)))
	cancel()
	if err != nil {
		t.Fatalf("paid not shown within 5 s: %v", err)
	}

	// Thai layout: the keys give Thai characters, the till still reads digits.
	const thaiCode = "281098765432109876"
	if st := sale(thaiCode, true, false); st != "pending" {
		t.Fatalf("Thai sale: %s", st)
	}
	if n := env.Sim.CountCharges(); n != 2 {
		t.Fatalf("charges after the Thai sale: %d, want 2", n)
	}
	charges, err = env.svc.Omise.ListCharges(context.Background(), omise.ListParams{Limit: 10, Order: omise.OrderReverseChronological})
	if err != nil {
		t.Fatal(err)
	}
	if got := charges.Data[0]; got.Source.Barcode != thaiCode || got.Amount != 12050 {
		t.Fatalf("Thai layout sale reached Omise as %q, amount %d", got.Source.Barcode, got.Amount)
	}

	// A person typing in the Thai layout: no Thai character ever lands in
	// the scan field (the script types the digit of the physical key).
	if _, err := env.Sim.MarkPaid(charges.Data[0].ID); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/till?terminal="+tillTerm),
		chromedp.WaitVisible(css(`#till-barcode`)),
		chromedp.Click(css(`#till-barcode`)),
		tillTypeCode("2810", true, 150*time.Millisecond),
	)
	if err != nil {
		t.Fatal(err)
	}
	value, err := chromedp.Run(ctx, chromedp.Value(css(`#till-barcode`)))
	if err != nil {
		t.Fatal(err)
	}
	if value != "2810" {
		t.Fatalf("scan field holds %s after Thai-layout typing, want 2810", strconv.Quote(value))
	}
	// Typed by a person, the code is not sent by itself. The scan engine
	// decides on a page timer of at most 600 ms after the last key (its idle
	// time); a page timer set now for longer fires after that decision, so
	// the check sees the outcome instead of racing it.
	settled, err := chromedp.Run(ctx, chromedp.Evaluate[string](`new Promise(function (done) {
		setTimeout(function () {
			done(location.pathname + " " + document.getElementById("till-submit").disabled);
		}, 650);
	})`, chromedp.EvalAwaitPromise))
	if err != nil || settled != "/till false" {
		t.Fatalf("slow typing submitted the sale (page %q, %v)", settled, err)
	}

	// Pasted text goes through the same normaliser.
	pasted, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(function () {
		var f = document.getElementById("till-barcode");
		f.value = "";
		var dt = new DataTransfer();
		dt.setData("text/plain", " /คๅจ ๑๒๓๔ ");
		f.dispatchEvent(new ClipboardEvent("paste", {clipboardData: dt, bubbles: true, cancelable: true}));
		return f.value;
	})()`))
	if err != nil || pasted != "28101234" {
		t.Fatalf("pasted code became %q (%v)", pasted, err)
	}

	// A scanner that sends no Enter: the burst ends in silence and is
	// charged. (POS-01 still waits for the sale above: its page was left
	// before it learnt of the payment, so the next sale goes to POS-02.)
	const silentCode = "281055555555555512"
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/till?terminal=POS-02"),
		chromedp.WaitVisible(css(`#till-barcode`)),
		chromedp.SetValue(css(`#till-amount`), "20"),
		chromedp.Click(css(`#till-barcode`)),
		tillTypeCode(silentCode, false, 10*time.Millisecond),
		chromedp.WaitVisible(css(`[data-testid="till-sale"]`)),
	)
	if err != nil {
		t.Fatalf("scan without Enter: %v", err)
	}
	if n := env.Sim.CountCharges(); n != 3 {
		t.Fatalf("charges after a scan without Enter: %d, want 3", n)
	}
}
