package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"instore/web/webtest"
)

// TestDisplayEventsEndForADisabledCashier: a cashier's own browser may
// watch a terminal's display feed; once the cashier is disabled the open
// feed ends, as a revoked display's does, instead of telling that browser
// of every sale at the terminal for as long as the tab stays open.
func TestDisplayEventsEndForADisabledCashier(t *testing.T) {
	h := webtest.New(t)
	cashier := h.Login("cashier")
	events := displayEvents(t, h, cashier, "/till/display/events?terminal=POS-01")
	u, err := h.DB.GetUserByUsername(context.Background(), "cashier")
	if err != nil {
		t.Fatal(err)
	}
	res := h.Login("admin").PostForm("/admin/users/"+strconv.FormatInt(u.ID, 10)+"/status", url.Values{"disabled": {"1"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", res.StatusCode)
	}
	deadline := time.After(8 * time.Second)
	for {
		select {
		case _, open := <-events:
			if !open {
				return
			}
		case <-deadline:
			t.Fatal("the disabled cashier's display feed still open 8s later")
		}
	}
}
