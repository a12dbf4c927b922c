package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"instore/omise"
	"instore/omise/omisehttp"
	"instore/web/webtest"
)

// TestLiveSeesChargeCompleteWithinASecond opens /live as a manager, lets
// Omise complete a charge and deliver its webhook, and expects the change
// on the stream within 1 s; closing the stream leaves no subscriber.
func TestLiveSeesChargeCompleteWithinASecond(t *testing.T) {
	h := webtest.New(t)
	ctx := context.Background()
	mgr := h.Login("manager")
	cl, err := omisehttp.New(omisehttp.Config{BaseURL: h.Config.APIURL, PublicKey: h.Config.PublicKey, SecretKey: h.Config.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	oc, err := cl.CreateCharge(ctx, omise.CreateChargeParams{Amount: 400000, Currency: "THB",
		InlineSource: &omise.CreateSourceParams{Type: omise.SourceBarcodeAlipay, Barcode: "2810000000000000555",
			StoreID: "store_1234", StoreName: "Some Store", TerminalID: "POS-02"}})
	if err != nil {
		t.Fatal(err)
	}

	res := mgr.Get("/live?terminal=POS-02")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("/live: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if res.Header.Get("Content-Encoding") != "" {
		t.Fatalf("/live must not be compressed")
	}
	got := make(chan map[string]any, 8)
	go func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var m map[string]any
				if json.Unmarshal([]byte(data), &m) == nil {
					got <- m
				}
			}
		}
		close(got)
	}()
	waitFor(t, func() bool { return h.Metrics != nil && liveSubscribers(h) == 1 })

	start := time.Now()
	if _, err := h.Sim.MarkPaid(oc.ID); err != nil {
		t.Fatal(err)
	}
	deliverLatest(t, h, cl, oc.ID, "charge.complete")
	deadline := time.After(time.Second)
	for {
		select {
		case m := <-got:
			if m["charge_id"] == oc.ID && m["status"] == "successful" {
				t.Logf("change on the stream %v after Omise completed it", time.Since(start))
				res.Body.Close()
				waitFor(t, func() bool { return liveSubscribers(h) == 0 })
				return
			}
		case <-deadline:
			t.Fatal("no successful charge on /live within 1s")
		}
	}
}

// TestLiveIsScopedToTheUsersStore: a manager of another store sees nothing.
func TestLiveIsScopedToTheUsersStore(t *testing.T) {
	h := webtest.New(t)
	other := h.Login("manager2")
	res := other.Get("/live?store=store_1234")
	defer res.Body.Close()
	got := make(chan string, 8)
	go func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "data: ") {
				got <- sc.Text()
			}
		}
	}()
	waitFor(t, func() bool { return liveSubscribers(h) == 1 })
	cl, _ := omisehttp.New(omisehttp.Config{BaseURL: h.Config.APIURL, PublicKey: h.Config.PublicKey, SecretKey: h.Config.SecretKey})
	oc, err := cl.CreateCharge(context.Background(), omise.CreateChargeParams{Amount: 5000, Currency: "THB",
		InlineSource: &omise.CreateSourceParams{Type: omise.SourceBarcodeAlipay, Barcode: "2810000000000000777",
			StoreID: "store_1234", StoreName: "Some Store", TerminalID: "POS-01"}})
	if err != nil {
		t.Fatal(err)
	}
	deliverLatest(t, h, cl, oc.ID, "charge.create")
	select {
	case line := <-got:
		t.Fatalf("manager of store_5678 saw a store_1234 change: %s", line)
	case <-time.After(300 * time.Millisecond):
	}
}

func liveSubscribers(h *webtest.Harness) int {
	return int(gaugeValue(h))
}

func gaugeValue(h *webtest.Harness) float64 {
	mfs, err := h.Metrics.Registry.Gather()
	if err != nil {
		return -1
	}
	for _, mf := range mfs {
		if mf.GetName() == "instore_live_subscribers" {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return 0
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition not met within 2s")
}

// deliverLatest posts the newest event of key for a charge to our webhook
// endpoint, as Omise would.
func deliverLatest(t *testing.T, h *webtest.Harness, cl *omisehttp.Client, chargeID, key string) {
	t.Helper()
	list, err := cl.ListEvents(context.Background(), omise.ListParams{Limit: 100, Order: omise.OrderReverseChronological})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range list.Data {
		if ev.Key == key && ev.ChargeID() == chargeID {
			body, _ := json.Marshal(map[string]any{"object": "event", "id": ev.ID, "key": ev.Key, "data": json.RawMessage(ev.Data)})
			res, err := http.Post(h.URL("/webhooks/omise"), "application/json", strings.NewReader(string(body)))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("webhook: %d", res.StatusCode)
			}
			return
		}
	}
	t.Fatalf("no %s event for %s", key, chargeID)
}
