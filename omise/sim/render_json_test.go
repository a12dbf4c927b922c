package sim

import (
	"bytes"
	"encoding/json"
	"net/url"
	"testing"
	"time"
)

// appendJSON writes json.Marshal's bytes for charges in every state, in
// both versions' shapes, with strings to escape and without.
func TestChargeAppendJSONIsMarshal(t *testing.T) {
	// A fixed clock: the GET's rendering and the test's show the same "to".
	at := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	h := newHarness(t, Options{Now: func() time.Time { return at }})
	make := func(form url.Values) string {
		t.Helper()
		return h.must(h.post("/charges", form), 200).str("id")
	}
	barcode := func(desc string) url.Values {
		return url.Values{"amount": {"400000"}, "currency": {"thb"}, "source[type]": {"barcode_alipay"},
			"source[barcode]": {"1234567890123456"}, "source[store_id]": {"s<1>"}, "source[store_name]": {"ร้าน \"หนึ่ง\" & co"},
			"source[terminal_id]": {"POS-01"}, "description": {desc}, "metadata[sale_id]": {"42"}, "metadata[note]": {"a<b>&\u2028c"}}
	}
	pending := make(barcode("plain"))
	paid := make(barcode("café <b>"))
	if _, err := h.sim.MarkPaid(paid); err != nil {
		t.Fatal(err)
	}
	failed := make(url.Values{"amount": {"2000"}, "currency": {"thb"}, "source[type]": {"barcode_alipay"},
		"source[barcode]": {"1234567890123456"}})
	if _, err := h.sim.MarkFailed(failed, "insufficient_balance"); err != nil {
		t.Fatal(err)
	}
	expired := make(barcode("tab\there"))
	h.must(h.post("/charges/"+expired+"/expire", nil), 200)
	refunded := make(barcode(""))
	if _, err := h.sim.MarkPaid(refunded); err != nil {
		t.Fatal(err)
	}
	h.must(h.post("/charges/"+refunded+"/refunds", url.Values{"amount": {"1000"}}), 200)
	qr := make(url.Values{"amount": {"5000"}, "currency": {"thb"}, "source[type]": {"promptpay"}})

	for _, id := range []string{pending, paid, failed, expired, refunded, qr} {
		sn := h.sim.snapshot(id)
		for _, v := range []string{"2017-11-02", Version2019} {
			j := renderChargeJSON(sn, v, h.sim.stamp())
			want, err := json.Marshal(j)
			if err != nil {
				t.Fatal(err)
			}
			if got := j.appendJSON(nil); !bytes.Equal(got, want) {
				t.Errorf("%s %s:\nappendJSON %s\njson.Marshal %s", id, v, got, want)
			}
		}
		// And through the handler, as a GET answers.
		r := h.must(h.call("GET", "/charges/"+id, skey, Version2019, nil), 200)
		j := renderChargeJSON(h.sim.snapshot(id), Version2019, h.sim.stamp())
		if want, _ := json.Marshal(j); !bytes.Equal(r.raw, append(want, '\n')) {
			t.Errorf("GET %s:\n%s\nwant %s", id, r.raw, want)
		}
	}
}

func TestAppendStringIsMarshal(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote`, `back\slash`, "<>&", "ctl\x01\x1f\x7f", "ไทย", "bad\xff", "\u2028\u2029", "tab\tnl\n"} {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("%q: %s, json.Marshal %s", s, got, want)
		}
	}
}
