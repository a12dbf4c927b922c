package handlers_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"instore/handlers"
	"instore/web/webtest"
)

// getBody reads a GET's status and body.
func getBody(t *testing.T, c *webtest.Client, path string) (int, string) {
	t.Helper()
	res := c.Get(path)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// The display's QR address names its sale: once that sale has ended, the
// address shows nothing, never the next sale's QR beside the old amount
// (a display that read the state just before the cashier cancelled and
// started again would otherwise show the new sale's QR under the old
// amount, and keep it cached under that address).
func TestDisplayQRIsOnlyItsSalesOwn(t *testing.T) {
	env := newTillEnv(t)
	enablePromptPay(t, env)
	c := env.Login("cashier")
	statePath := "/till/display/state?terminal=" + tillTerm

	a := decodeJSON[handlers.TillAttemptJSON](t, env.sellQR(c, uuid.NewString(), "150"), http.StatusOK)
	st := displayState(t, c, statePath)
	if st.State != "waiting" || st.QR == "" || !strings.HasPrefix(st.QR, "/till/display/qr?") {
		t.Fatalf("display of a waiting PromptPay sale: %+v", st)
	}
	oldQR := st.QR
	_, tillA := getBody(t, c, a.QRURL)
	if code, body := getBody(t, c, oldQR); code != http.StatusOK || body != tillA {
		t.Fatalf("display QR of the sale: %d, same as the till's: %v", code, body == tillA)
	}

	// The cashier cancels and rings up another amount.
	res := c.PostForm("/till/charges/"+a.AttemptID+"/cancel", nil, "Accept: application/json")
	res.Body.Close()
	b := decodeJSON[handlers.TillAttemptJSON](t, env.sellQR(c, uuid.NewString(), "990"), http.StatusOK)
	_, tillB := getBody(t, c, b.QRURL)
	if code, body := getBody(t, c, oldQR); code != http.StatusNotFound {
		t.Fatalf("the ended sale's display QR address: %d (the new sale's QR: %v), want 404", code, body == tillB)
	}
	st = displayState(t, c, statePath)
	if st.Amount != "฿990.00" || st.QR == oldQR {
		t.Fatalf("display of the second sale: %+v", st)
	}
	if code, body := getBody(t, c, st.QR); code != http.StatusOK || body != tillB {
		t.Fatalf("display QR of the second sale: %d, same as the till's: %v", code, body == tillB)
	}
}

// The display's page as served already shows a waiting PromptPay sale's
// QR and the hint to scan it, not "show your code": the script's first
// state read may come seconds later (or never, without a script).
func TestDisplayPageServedWithTheQR(t *testing.T) {
	env := newTillEnv(t)
	enablePromptPay(t, env)
	c := env.Login("cashier")
	decodeJSON[handlers.TillAttemptJSON](t, env.sellQR(c, uuid.NewString(), "150"), http.StatusOK)
	st := displayState(t, c, "/till/display/state?terminal="+tillTerm)
	code, page := getBody(t, c, "/till/display?terminal="+tillTerm)
	if code != http.StatusOK {
		t.Fatalf("display page: %d", code)
	}
	d := doc(t, page)
	img := d.Find(`[data-testid="display-qr"]`)
	if src, _ := img.Attr("src"); src != st.QR || img.AttrOr("hidden", "no") != "no" {
		t.Fatalf("served QR image: src %q hidden %v, want src %q shown", src, img.AttrOr("hidden", "no") != "no", st.QR)
	}
	if _, hidden := d.Find(`[data-qr-hint]`).Attr("hidden"); hidden {
		t.Fatal("the scan hint is hidden on a PromptPay sale")
	}
	if _, hidden := d.Find(`[data-code-hint]`).Attr("hidden"); !hidden {
		t.Fatal("the display asks a PromptPay customer to show their code")
	}
}
