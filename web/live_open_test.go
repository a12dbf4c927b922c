package web_test

import (
	"bufio"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"instore/payments"
	"instore/web"
	"instore/web/webtest"
)

// TestLiveHasEveryChangeAfterItsAnswer: a browser reads the page, opens
// /live and, once the answer has begun, counts on every later change. A
// change published the moment the 200 arrives must reach the stream, not
// fall between the answer and the stream's joining the broker.
func TestLiveHasEveryChangeAfterItsAnswer(t *testing.T) {
	t.Parallel()
	var broker *web.Broker
	h := webtest.New(t, webtest.Options{Deps: func(d *web.Deps) { broker = d.Broker }})
	viewer := h.Login("admin")
	for i := range 40 {
		res := viewer.Get("/live")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("/live: %d", res.StatusCode)
		}
		id := fmt.Sprintf("chrg_test_open%04d", i)
		broker.Publish(payments.Change{Kind: "charge", ChargeID: id, StoreID: "store_1234", TerminalID: "POS-01", Status: "pending", At: time.Now()})
		got := make(chan bool, 1)
		go func() {
			sc := bufio.NewScanner(res.Body)
			for sc.Scan() {
				if strings.HasPrefix(sc.Text(), "data: ") && strings.Contains(sc.Text(), id) {
					got <- true
					return
				}
			}
			got <- false
		}()
		select {
		case ok := <-got:
			if !ok {
				t.Fatalf("stream %d ended without the change published after its answer", i)
			}
		case <-time.After(3 * time.Second):
			t.Fatalf("stream %d: the change published after its answer never came", i)
		}
		res.Body.Close()
	}
}
