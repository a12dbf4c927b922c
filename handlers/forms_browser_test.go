package handlers_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestFormDoubleClickSendsOnce: an admin double-clicks "create user" (a
// habit from desktop programs). One request is sent and the page answers
// it: the user is created once, and no "that name is taken" from a second
// copy of the form greets the admin.
func TestFormDoubleClickSendsOnce(t *testing.T) {
	e := newBOEnv(t)
	ctx := boardBrowser(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=username]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=username]`), "admin"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=password]`), boPassword),
		chromedp.Click(chromedp.CSS(`[data-testid=login-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=whoami]`)),
		chromedp.Navigate(e.srv.URL+"/admin/users"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=new-username]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=new-username]`), "somchai"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=new-password]`), "a long enough password"),
		// Counts the submits that would go to the server (not stopped by
		// a script), across the page change that follows.
		chromedp.Evaluate[chromedp.Void](`window.beforeSubmit = 1; sessionStorage.sent = "0";
			window.addEventListener("submit", function (ev) { if (!ev.defaultPrevented) sessionStorage.sent = String(+sessionStorage.sent + 1); })`),
		// Chromium folds a person's double click or double Enter into one
		// post by itself; other browsers (a shop's iPad) may send both.
		// Two submits 30 ms apart stand in for those browsers' second click.
		chromedp.Evaluate[chromedp.Void](`(function () {
			var f = document.querySelector('[data-testid=create-user]').form;
			f.requestSubmit();
			setTimeout(function () { f.requestSubmit(); }, 30);
		})()`),
	)
	if err != nil {
		t.Fatal(err)
	}
	// The answer is a new page (the marker is gone) listing the new user.
	waitJS(ctx, t, "answer shown", `window.beforeSubmit === undefined && !!document.querySelector('[data-testid="user-somchai"]')`)
	errors, err := chromedp.Run(ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll('.errors,[role=alert]')).map(e => e.textContent).join(" ")`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(errors) != "" {
		t.Fatalf("the double click was answered with an error: %q", errors)
	}
	users, err := e.db.ListUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, u := range users {
		if u.Username == "somchai" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d users named somchai", n)
	}
	// The page's own guard stopped the second.
	sent, err := chromedp.Run(ctx, chromedp.Evaluate[string](`sessionStorage.sent`))
	if err != nil || sent != "1" {
		t.Fatalf("submits let through: %q (%v), want 1", sent, err)
	}
}
