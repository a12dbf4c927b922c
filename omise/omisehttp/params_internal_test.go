package omisehttp

import (
	"net/url"
	"testing"
	"time"

	"instore/omise"
)

func TestListParamsValues(t *testing.T) {
	bkk := time.FixedZone("ICT", 7*3600)
	tests := []struct {
		name string
		p    omise.ListParams
		want string
	}{
		{"zero values are left out", omise.ListParams{}, ""},
		{"negative values are left out", omise.ListParams{Offset: -1, Limit: -5}, ""},
		{"limit is clamped to 100", omise.ListParams{Limit: 1000}, "limit=100"},
		{"times are sent in UTC", omise.ListParams{
			From: time.Date(2026, 1, 2, 7, 0, 0, 0, bkk),
			To:   time.Date(2026, 1, 3, 6, 59, 59, 0, bkk),
		}, "from=2026-01-02T00%3A00%3A00Z&to=2026-01-02T23%3A59%3A59Z"},
		{"all set", omise.ListParams{Offset: 40, Limit: 20, Order: omise.OrderReverseChronological},
			"limit=20&offset=40&order=reverse_chronological"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := listValues(tt.p).Encode(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCreateChargeForm(t *testing.T) {
	tests := []struct {
		name string
		p    omise.CreateChargeParams
		want url.Values
	}{
		{"source id", omise.CreateChargeParams{Amount: 400000, Currency: "THB", SourceID: "src_test_1",
			Metadata: map[string]string{"attempt_id": "a1"}},
			url.Values{"amount": {"400000"}, "currency": {"THB"}, "source": {"src_test_1"}, "metadata[attempt_id]": {"a1"}}},
		{"inline barcode_alipay sends store and terminal", omise.CreateChargeParams{Amount: 2000, Currency: "thb",
			Description: "sale 7", InlineSource: &omise.CreateSourceParams{Type: omise.SourceBarcodeAlipay, Barcode: "281234567890123456",
				StoreID: "S1", StoreName: "Main", TerminalID: "T1", Amount: 99}},
			url.Values{"amount": {"2000"}, "currency": {"thb"}, "description": {"sale 7"},
				"source[type]": {"barcode_alipay"}, "source[barcode]": {"281234567890123456"},
				"source[store_id]": {"S1"}, "source[store_name]": {"Main"}, "source[terminal_id]": {"T1"}}},
		{"empty store fields are left out", omise.CreateChargeParams{Amount: 2000, Currency: "THB",
			InlineSource: &omise.CreateSourceParams{Type: omise.SourceAlipayPlusUPM, Barcode: "251001020123456789012345"}},
			url.Values{"amount": {"2000"}, "currency": {"THB"},
				"source[type]": {"alipayplus_upm"}, "source[barcode]": {"251001020123456789012345"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := chargeForm(tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if got.Encode() != tt.want.Encode() {
				t.Errorf("got  %s\nwant %s", got.Encode(), tt.want.Encode())
			}
		})
	}
}

func TestCreateChargeFormNeedsOneSource(t *testing.T) {
	for _, p := range []omise.CreateChargeParams{
		{Amount: 2000},
		{Amount: 2000, SourceID: "src_1", InlineSource: &omise.CreateSourceParams{Type: omise.SourceBarcodeAlipay}},
	} {
		if _, err := chargeForm(p); err == nil {
			t.Errorf("form(%+v): want error", p)
		}
	}
}

func TestCreateSourceAndRefundForm(t *testing.T) {
	src := omise.CreateSourceParams{Type: omise.SourceBarcodeAlipay, Amount: 2500, Currency: "THB", Barcode: "1234567890123456",
		StoreID: "1", StoreName: "Main Store", TerminalID: "POS-01"}
	want := "amount=2500&barcode=1234567890123456&currency=THB&store_id=1&store_name=Main+Store&terminal_id=POS-01&type=barcode_alipay"
	if got := sourceForm(src).Encode(); got != want {
		t.Errorf("source form\ngot  %s\nwant %s", got, want)
	}
	ref := omise.CreateRefundParams{Amount: 100, Void: true, Metadata: map[string]string{"refund_id": "r9"}}
	if got, want := refundForm(ref).Encode(), "amount=100&metadata%5Brefund_id%5D=r9&void=true"; got != want {
		t.Errorf("refund form got %s, want %s", got, want)
	}
}
