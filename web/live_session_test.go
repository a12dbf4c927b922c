package web_test

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"instore/web"
	"instore/web/webtest"
)

// TestLiveEndsWithTheSession: a /live stream is authorised once, when it
// opens, and may then run for hours. Logging out, being disabled, a
// password change elsewhere or a new store must end it soon after, not
// leave it streaming the old store's sales (amounts, charge ids) to a
// browser that no longer has the right to them.
func TestLiveEndsWithTheSession(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		end  func(t *testing.T, h *webtest.Harness, viewer *webtest.Client)
	}{
		{"logout", func(t *testing.T, h *webtest.Harness, viewer *webtest.Client) {
			postOK(t, viewer, "/logout", nil)
		}},
		{"disabled", func(t *testing.T, h *webtest.Harness, viewer *webtest.Client) {
			postOK(t, h.Login("admin"), "/admin/users/"+userID(t, h, "manager")+"/status", url.Values{"disabled": {"1"}})
		}},
		{"password changed in another session", func(t *testing.T, h *webtest.Harness, viewer *webtest.Client) {
			postOK(t, h.Login("manager"), "/account/password",
				url.Values{"current": {webtest.Password}, "password": {"a-new-password-1"}, "confirm": {"a-new-password-1"}})
		}},
		{"moved to another store", func(t *testing.T, h *webtest.Harness, viewer *webtest.Client) {
			postOK(t, h.Login("admin"), "/admin/users/"+userID(t, h, "manager"), url.Values{"role": {"manager"}, "store_id": {"store_5678"}})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := webtest.New(t, webtest.Options{Deps: func(d *web.Deps) { d.Broker.Recheck = 50 * time.Millisecond }})
			viewer := h.Login("manager")
			res := viewer.Get("/live")
			defer res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("/live: %d", res.StatusCode)
			}
			ended := make(chan struct{})
			go func() {
				sc := bufio.NewScanner(res.Body)
				for sc.Scan() {
				}
				close(ended)
			}()
			waitFor(t, func() bool { return liveSubscribers(h) == 1 })
			select {
			case <-ended:
				t.Fatal("stream ended before the session did")
			case <-time.After(200 * time.Millisecond):
			}
			tc.end(t, h, viewer)
			select {
			case <-ended:
			case <-time.After(3 * time.Second):
				t.Fatal("/live still streaming 3s after the session lost its right to it")
			}
			waitFor(t, func() bool { return liveSubscribers(h) == 0 })
		})
	}
	// A stream whose session is untouched goes on (the check is not a timer).
	t.Run("untouched", func(t *testing.T) {
		t.Parallel()
		h := webtest.New(t, webtest.Options{Deps: func(d *web.Deps) { d.Broker.Recheck = 50 * time.Millisecond }})
		res := h.Login("manager").Get("/live")
		defer res.Body.Close()
		ended := make(chan struct{})
		go func() {
			sc := bufio.NewScanner(res.Body)
			for sc.Scan() {
			}
			close(ended)
		}()
		select {
		case <-ended:
			t.Fatal("a valid session's stream ended")
		case <-time.After(500 * time.Millisecond):
		}
	})
}

func postOK(t *testing.T, c *webtest.Client, path string, form url.Values) {
	t.Helper()
	res := c.PostForm(path, form)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST %s: %d", path, res.StatusCode)
	}
}

func userID(t *testing.T, h *webtest.Harness, name string) string {
	t.Helper()
	u, err := h.DB.GetUserByUsername(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(itoa(u.ID))
}
