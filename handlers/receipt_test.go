package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"instore/db"
	"instore/handlers"
	"instore/omise"
	"instore/payments"
	"instore/web/webtest"
)

// paidTillSale sells amount at the till and has the customer pay it.
func paidTillSale(t *testing.T, env *tillEnv, amount, code string) handlers.TillAttemptJSON {
	t.Helper()
	c := env.Login("cashier")
	a := decodeJSON[handlers.TillAttemptJSON](t, env.sell(c, uuid.NewString(), tillTerm, amount, code, true), http.StatusOK)
	if _, err := env.Sim.MarkPaid(a.ChargeID); err != nil {
		t.Fatal(err)
	}
	env.Clock.Advance(3 * time.Second)
	got := decodeJSON[handlers.TillAttemptJSON](t, c.GetJSON("/till/charges/"+a.AttemptID), http.StatusOK)
	if got.Status != "successful" {
		t.Fatalf("sale not paid: %+v", got)
	}
	return got
}

// TestReceiptReprintShowsRefunds: a reprint of a sale refunded since must
// not tell the customer (or an auditor) that the whole amount stands paid.
// It names the refunded amount and what remains paid, and a full refund
// no longer reads "paid" at all.
func TestReceiptReprintShowsRefunds(t *testing.T) {
	env := newTillEnv(t)
	c := env.Login("cashier")
	a := paidTillSale(t, env, "1234.5", "281066666666666666")
	refund := func(amount int64) {
		t.Helper()
		if _, err := env.svc.Refund(context.Background(), payments.Actor{Username: "manager", Role: "manager"},
			payments.RefundRequest{ChargeID: a.ChargeID, Amount: amount, Reason: payments.RefundReasons[0], IdempotencyKey: uuid.NewString()}); err != nil {
			t.Fatal(err)
		}
	}

	// Before any refund there is no refund line.
	doc := c.Page("/till/charges/"+a.AttemptID+"/receipt", http.StatusOK)
	if doc.Find(`[data-testid="receipt-refunded"]`).Length() != 0 {
		t.Fatal("refund line on a sale never refunded")
	}

	refund(23450)
	for _, p := range []string{"/till/charges/" + a.AttemptID + "/receipt", "/till/charges/" + a.AttemptID} {
		r := c.Page(p, http.StatusOK).Find(`[data-testid="receipt"]`)
		if r.Find(`[data-testid="receipt-amount"]`).Text() != "฿1,234.50" ||
			r.Find(`[data-testid="receipt-refunded"]`).Text() != "-฿234.50" ||
			r.Find(`[data-testid="receipt-net"]`).Text() != "฿1,000.00" ||
			!strings.Contains(r.Find(`[data-testid="receipt-paid"]`).Text(), "คืนเงินบางส่วน") {
			h, _ := r.Html()
			t.Fatalf("%s after a partial refund: %s", p, h)
		}
	}

	refund(100000)
	r := c.Page("/till/charges/"+a.AttemptID+"/receipt", http.StatusOK).Find(`[data-testid="receipt"]`)
	paid := r.Find(`[data-testid="receipt-paid"]`).Text()
	if r.Find(`[data-testid="receipt-refunded"]`).Text() != "-฿1,234.50" || r.Find(`[data-testid="receipt-net"]`).Text() != "฿0.00" ||
		strings.Contains(paid, "ชำระเงินแล้ว") || !strings.Contains(paid, "คืนเงินเต็มจำนวน") {
		h, _ := r.Html()
		t.Fatalf("after a full refund: %s", h)
	}
	c.SetCookie(handlers.LangCookie, "en")
	paid = c.Page("/till/charges/"+a.AttemptID+"/receipt", http.StatusOK).Find(`[data-testid="receipt-paid"]`).Text()
	if strings.Contains(paid, "PAID") || !strings.Contains(paid, "REFUNDED") {
		t.Fatalf("English, fully refunded: %q", paid)
	}
}

// receiptFit lists what of the receipt a print at the page's width would
// cut off (anything drawn past the page's right edge or the receipt's),
// and how much paper the page takes beyond the receipt: a roll printer
// feeds paper for the whole page, blank or not.
const receiptFit = `(() => {
  const r = document.querySelector('[data-testid="receipt"]');
  const box = r.getBoundingClientRect();
  const out = {page: innerWidth, receipt: box.width, top: box.top + scrollY,
    tail: document.documentElement.scrollHeight - (box.bottom + scrollY), spill: []};
  for (const el of [r, ...r.querySelectorAll('*')]) {
    const b = el.getBoundingClientRect();
    if (b.width > 0 && (b.right > innerWidth + 0.5 || b.right > box.right + 0.5 || b.left < -0.5)) {
      out.spill.push(el.tagName.toLowerCase() + ' "' + el.textContent.trim().slice(0, 30) + '" ' + Math.round(b.left) + '-' + Math.round(b.right));
    }
  }
  return JSON.stringify(out);
})()`

// TestReceiptPrintsOnNarrowRolls prints (print media) the receipt page and
// the paid sale's page on the printable width of a 58 mm roll (48 mm) and
// of an 80 mm roll (72 mm), in Thai and English, with a long Thai store
// name and a partial refund: every word and amount lies on the paper, and
// the paper ends where the receipt does, with no blank length after it.
func TestReceiptPrintsOnNarrowRolls(t *testing.T) {
	ctx := tillBrowser(t)
	env := newTillEnv(t)
	if _, err := env.DB.UpdateStore(context.Background(), db.Actor{Username: "test"}, db.Store{StoreID: tillStore,
		StoreName: busyStoreName, Methods: []string{omise.SourceBarcodeAlipay}, ConfirmAbove: db.DefaultConfirmAbove}); err != nil {
		t.Fatal(err)
	}
	a := paidTillSale(t, env, "123456.75", tillCode)
	if _, err := env.svc.Refund(context.Background(), payments.Actor{Username: "manager", Role: "manager"},
		payments.RefundRequest{ChargeID: a.ChargeID, Amount: 2345675, Reason: payments.RefundReasons[0], IdempotencyKey: uuid.NewString()}); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(env.Server.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
		chromedp.SetValue(chromedp.CSS(`input[name="username"]`), "cashier"),
		chromedp.SetValue(chromedp.CSS(`input[name="password"]`), webtest.Password),
		chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="whoami"]`)),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
			return err
		}),
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, page := range []string{"/till/charges/" + a.AttemptID + "/receipt", "/till/charges/" + a.AttemptID} {
		for _, lang := range []string{"th", "en"} {
			for _, mm := range []int64{48, 72} {
				// A short window, so the page's height is its content's.
				px := mm * 96 * 10 / 254
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(px, 50),
					chromedp.Navigate(env.Server.URL+"/lang/"+lang+"?next="+page),
					chromedp.WaitReady(chromedp.CSS(`[data-testid="receipt"]`))); err != nil {
					t.Fatal(err)
				}
				var fit struct {
					Page, Receipt, Top, Tail float64
					Spill                    []string
				}
				evalJSON(t, ctx, "receipt", receiptFit, &fit)
				if len(fit.Spill) > 0 || fit.Receipt > fit.Page+0.5 {
					t.Errorf("%s %s on a %d mm print width (%.0f px): receipt %.0f px wide, cut off: %v", page, lang, mm, fit.Page, fit.Receipt, fit.Spill)
				}
				if fit.Top > 1 || fit.Tail > 1 {
					t.Errorf("%s %s at %d mm: the receipt starts %.0f px down and %.0f px of blank paper follow it", page, lang, mm, fit.Top, fit.Tail)
				}
			}
		}
	}
}

// TestReceiptNamesTheCashierNotTheirLogin: the receipt goes home with
// every customer, so it names the cashier by the name the shop gave them
// and never prints the username they sign in with.
func TestReceiptNamesTheCashierNotTheirLogin(t *testing.T) {
	env := newTillEnv(t)
	c := env.Login("cashier")
	a := paidTillSale(t, env, "50", tillCode)
	for _, p := range []string{"/till/charges/" + a.AttemptID + "/receipt", "/till/charges/" + a.AttemptID} {
		r := c.Page(p, http.StatusOK).Find(`[data-testid="receipt"]`)
		if r.Find(`[data-testid="receipt-cashier"]`).Length() != 0 || strings.Contains(r.Text(), "cashier") {
			h, _ := r.Html()
			t.Fatalf("%s: the login name is printed: %s", p, h)
		}
	}
	u, err := env.DB.GetUserByUsername(context.Background(), "cashier")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.SetUserDisplayName(context.Background(), db.Actor{Username: "test"}, u.ID, "สมศรี"); err != nil {
		t.Fatal(err)
	}
	r := c.Page("/till/charges/"+a.AttemptID+"/receipt", http.StatusOK).Find(`[data-testid="receipt"]`)
	if r.Find(`[data-testid="receipt-cashier"]`).Text() != "สมศรี" || strings.Contains(r.Text(), "cashier") {
		h, _ := r.Html()
		t.Fatalf("with a display name: %s", h)
	}
}
