package web_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/chromedp"

	"instore/web/webtest"
)

const chromiumPath = "/usr/bin/chromium"

// browser starts headless Chromium, or skips (fails under CI=true) when
// there is none. It collects console and security messages, such as
// Content-Security-Policy violations, into the returned log.
func browser(t *testing.T) (context.Context, *consoleLog) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but no Chromium at %s: %v", chromiumPath, err)
		}
		t.Skipf("no Chromium at %s: skipping the browser test (install chromium to run it)", chromiumPath)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath), chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true), chromedp.UserDataDir(t.TempDir()),
	)
	logs := &consoleLog{}
	ctx, cancelCtx := chromedp.NewContext(alloc, chromedp.WithListener(func(ev any) {
		if e, ok := ev.(*cdplog.EventEntryAdded); ok && e.Entry != nil {
			logs.add(string(e.Entry.Source) + ": " + e.Entry.Text)
		}
	}))
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// The first call starts the browser; it must not carry a timeout.
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancel)
	return ctx, logs
}

type consoleLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *consoleLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, s)
}

func (l *consoleLog) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// TestBrowserLoginRolesAndLanguage is the new user's walk: log in with the
// form, see the role's sections, switch to English, log out; a cashier
// typing an admin address gets the refusal in both languages. No page may
// trip the Content-Security-Policy.
func TestBrowserLoginRolesAndLanguage(t *testing.T) {
	ctx, logs := browser(t)
	h := webtest.New(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	login := func(user string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(
			chromedp.Navigate(h.URL("/login")),
			chromedp.WaitVisible(css(`[data-testid=username]`)),
			chromedp.SendKeys(css(`[data-testid=username]`), user),
			chromedp.SendKeys(css(`[data-testid=password]`), webtest.Password),
			chromedp.Click(css(`[data-testid=login-submit]`)),
			chromedp.WaitVisible(css(`[data-testid=whoami]`)),
		)
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(css(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	// Headless Chromium asks for English; the switch makes it Thai.
	err := chromedp.Do(ctx, login("manager"),
		chromedp.Click(css(`[data-testid=lang-th]`)),
		chromedp.WaitVisible(css(`[data-testid=lang-th].current`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if nav, role := text(`[data-testid=nav]`), text(`[data-testid=role]`); !strings.Contains(nav, "กระดานสด") || strings.Contains(nav, "ผู้ดูแลระบบ") || role != "ผู้จัดการ" {
		t.Fatalf("manager sees nav %q, role %q", nav, role)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(css(`[data-testid=lang-en]`)),
		chromedp.WaitVisible(css(`[data-testid=lang-en].current`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if home := text(`[data-testid=home-links]`); !strings.Contains(home, "Live board") {
		t.Fatalf("after switching to English: %q", home)
	}
	if err := chromedp.Do(ctx, chromedp.Click(css(`[data-testid=logout]`)), chromedp.WaitVisible(css(`[data-testid=flash]`))); err != nil {
		t.Fatal(err)
	}
	if flash := text(`[data-testid=flash]`); !strings.Contains(flash, "You have logged out.") {
		t.Fatalf("logout message: %q", flash)
	}

	err = chromedp.Do(ctx,
		login("cashier"),
		chromedp.Navigate(h.URL("/admin/users")),
		chromedp.WaitVisible(css(`[data-testid=error-page]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if refusal := text(`[data-testid=error-message]`); !strings.Contains(refusal, "You do not have access to this page.") || !strings.Contains(refusal, "คุณไม่มีสิทธิ์เข้าถึงหน้านี้") {
		t.Fatalf("cashier refusal: %q", refusal)
	}
	if l := logs.text(); strings.Contains(l, "Content Security Policy") || strings.Contains(l, "Refused to") {
		t.Fatalf("CSP violations:\n%s", l)
	}
}
