package sim

import (
	"net/http"
	"net/url"
	"testing"
)

func TestRefuseSourceType(t *testing.T) {
	h := newHarness(t, Options{})
	source := func(typ string) *resp {
		return h.call("POST", "/sources", pkey, "", url.Values{"type": {typ}, "amount": {"10000"}, "currency": {"THB"}, "barcode": {"2810000000000000123"}})
	}
	methods := func() map[string]bool {
		out := map[string]bool{}
		for _, m := range h.must(h.get("/capability"), http.StatusOK).body["payment_methods"].([]any) {
			out[m.(map[string]any)["name"].(string)] = true
		}
		return out
	}
	h.must(source("barcode_alipay"), http.StatusOK)
	h.sim.RefuseSourceType("barcode_alipay")
	h.wantErr(source("barcode_alipay"), http.StatusBadRequest, "bad_request", "type is currently not supported")
	// An inline source on POST /charges is refused the same way.
	h.wantErr(h.post("/charges", url.Values{"amount": {"10000"}, "currency": {"thb"},
		"source[type]": {"barcode_alipay"}, "source[barcode]": {"2810000000000000123"}}), http.StatusBadRequest, "bad_request", "type is currently not supported")
	h.must(source("alipayplus_upm"), http.StatusOK)
	if m := methods(); m["barcode_alipay"] || !m["alipayplus_upm"] {
		t.Fatalf("capability while refused: %v", m)
	}
	h.sim.RefuseSourceType()
	h.must(source("barcode_alipay"), http.StatusOK)
	if m := methods(); !m["barcode_alipay"] {
		t.Fatalf("capability after: %v", m)
	}
}
