package omise_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"instore/omise"
)

// A pending barcode charge as the 2017-11-02 API serialises it.
const charge2017 = `{
  "object":"charge","id":"chrg_test_59vbnbnjorfk2x5nand","livemode":false,
  "location":"/charges/chrg_test_59vbnbnjorfk2x5nand","amount":100000,"currency":"thb",
  "description":null,"metadata":{"attempt_id":"att_1"},"status":"successful","capture":true,
  "authorized":true,"reversed":false,"paid":true,"transaction":"trxn_test_59vbnbo",
  "refunded":25000,
  "refunds":{"object":"list","from":"1970-01-01T00:00:00+00:00","to":"2017-11-05T17:46:12Z","offset":0,"limit":20,"total":1,"order":null,
    "location":"/charges/chrg_test_59vbnbnjorfk2x5nand/refunds",
    "data":[{"object":"refund","id":"rfnd_test_59vbp","location":"/charges/chrg_test_59vbnbnjorfk2x5nand/refunds/rfnd_test_59vbp",
      "amount":25000,"currency":"thb","voided":false,"charge":"chrg_test_59vbnbnjorfk2x5nand","transaction":"trxn_test_59vbq","created":"2017-11-05T18:00:00Z"}]},
  "reference":"ofsp_test_59vbnbnlmlkeauu9yxq","failure_code":null,"failure_message":null,
  "card":null,"customer":null,"ip":null,"dispute":null,"created":"2017-11-05T17:46:12Z",
  "source":{"object":"source","id":"src_test_59vbms154ab4pe4jh2i","type":"barcode_alipay","flow":"offline","amount":100000,"currency":"thb"}
}`

// The same charge in the 2019-05-29 shape.
const charge2019 = `{
  "object":"charge","id":"chrg_test_59vbnbnjorfk2x5nand","livemode":false,
  "location":"/charges/chrg_test_59vbnbnjorfk2x5nand","amount":100000,"currency":"THB",
  "fee":1650,"fee_vat":116,"net":98234,"refunded_amount":25000,
  "refunds":{"object":"list","data":[{"object":"refund","id":"rfnd_test_59vbp","amount":25000,"currency":"THB","status":"closed",
    "voided":false,"charge":"chrg_test_59vbnbnjorfk2x5nand","transaction":"trxn_test_59vbq","metadata":{},"created_at":"2017-11-05T18:00:00Z"}],
    "limit":20,"offset":0,"total":1,"order":"chronological","location":"/charges/chrg_test_59vbnbnjorfk2x5nand/refunds",
    "from":"1970-01-01T00:00:00Z","to":"2017-11-05T17:46:12Z"},
  "description":null,"metadata":{"attempt_id":"att_1"},"status":"successful","capture":true,
  "authorized":true,"paid":true,"reversed":false,"expired":false,"voided":false,
  "refundable":true,"partially_refundable":true,"transaction":"trxn_test_59vbnbo",
  "failure_code":null,"failure_message":null,"created_at":"2017-11-05T17:46:12Z",
  "paid_at":"2017-11-05T17:47:00Z","expires_at":"2017-11-12T17:46:12Z","expired_at":null,
  "source":{"object":"source","id":"src_test_59vbms154ab4pe4jh2i","type":"barcode_alipay","flow":"offline",
    "amount":100000,"currency":"THB","barcode":"1234567890123456","store_id":"1","store_name":"Main Store",
    "terminal_id":null,"charge_status":"successful","created_at":"2017-11-05T17:46:00Z"}
}`

func TestChargeDecodesBothVersions(t *testing.T) {
	created := time.Date(2017, 11, 5, 17, 46, 12, 0, time.UTC)
	for name, body := range map[string]string{"2017-11-02": charge2017, "2019-05-29": charge2019} {
		t.Run(name, func(t *testing.T) {
			var c omise.Charge
			if err := json.Unmarshal([]byte(body), &c); err != nil {
				t.Fatal(err)
			}
			if c.ID != "chrg_test_59vbnbnjorfk2x5nand" || c.Amount != 100000 || c.Status != omise.StatusSuccessful {
				t.Errorf("basic fields: %+v", c)
			}
			if c.Currency != "THB" {
				t.Errorf("currency %q, want THB", c.Currency)
			}
			if !c.CreatedAt.Equal(created) {
				t.Errorf("created %v, want %v", c.CreatedAt, created)
			}
			if c.RefundedAmount != 25000 {
				t.Errorf("refunded %d, want 25000", c.RefundedAmount)
			}
			if c.MetadataString("attempt_id") != "att_1" {
				t.Errorf("metadata %v", c.Metadata)
			}
			if c.Refunds == nil || len(c.Refunds.Data) != 1 {
				t.Fatalf("refunds %+v", c.Refunds)
			}
			r := c.Refunds.Data[0]
			if r.Currency != "THB" || r.CreatedAt.IsZero() || r.Charge != c.ID || r.Amount != 25000 {
				t.Errorf("embedded refund %+v", r)
			}
			if c.Source == nil || c.Source.Type != omise.SourceBarcodeAlipay {
				t.Errorf("source %+v", c.Source)
			}
			if c.Transaction == nil || *c.Transaction != "trxn_test_59vbnbo" || c.FailureCode != nil {
				t.Errorf("transaction/failure %v %v", c.Transaction, c.FailureCode)
			}
		})
	}
}

func TestDecodeEvent(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantErr bool
		key     string
		charge  string
		created time.Time
	}{
		{"2019 charge.complete",
			`{"object":"event","id":"evnt_test_1","livemode":false,"location":"/events/evnt_test_1","key":"charge.complete",
			  "created_at":"2026-03-01T08:00:00Z","data":` + charge2019 + `,"webhook_deliveries":[]}`,
			false, "charge.complete", "chrg_test_59vbnbnjorfk2x5nand", time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)},
		{"2017 refund.create with +07:00",
			`{"object":"event","id":"evnt_test_2","key":"refund.create","created":"2017-11-04T19:12:35+07:00",
			  "data":{"object":"refund","id":"rfnd_test_1","charge":"chrg_test_9","amount":100,"currency":"thb","created":"2017-11-04T19:12:35+07:00"}}`,
			false, "refund.create", "chrg_test_9", time.Date(2017, 11, 4, 12, 12, 35, 0, time.UTC)},
		{"not JSON", `<xml/>`, true, "", "", time.Time{}},
		{"empty", ``, true, "", "", time.Time{}},
		{"null", `null`, true, "", "", time.Time{}},
		{"array", `[{"object":"event","id":"evnt_1"}]`, true, "", "", time.Time{}},
		{"a charge, not an event", charge2019, true, "", "", time.Time{}},
		{"event without id", `{"object":"event","key":"charge.create","data":{}}`, true, "", "", time.Time{}},
		{"trailing garbage", `{"object":"event","id":"evnt_1"} {}`, true, "", "", time.Time{}},
		{"bad created", `{"object":"event","id":"evnt_1","created_at":"tomorrow"}`, true, "", "", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := omise.DecodeEvent([]byte(tt.body))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("want error, got %+v", e)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.Key != tt.key || e.ChargeID() != tt.charge || !e.CreatedAt.Equal(tt.created) {
				t.Errorf("got key=%q charge=%q created=%v", e.Key, e.ChargeID(), e.CreatedAt)
			}
		})
	}
}

func FuzzDecodeEvent(f *testing.F) {
	f.Add(testEventBody)
	f.Add([]byte(charge2017))
	f.Add([]byte(`{"object":"event","id":"e","created":"2017-11-04T19:12:35+07:00","data":null}`))
	f.Add([]byte(`{"object":"event","id":"e","data":{"object":"refund","charge":"c"}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := omise.DecodeEvent(body)
		if err != nil {
			if e != nil {
				t.Fatal("an error must come without an event")
			}
			return
		}
		if e.Object != "event" || e.ID == "" {
			t.Fatalf("accepted %q as event %+v", body, e)
		}
		// Helpers on an accepted event must not panic either.
		_ = e.ChargeID()
		_, _ = e.DataObject()
	})
}

func BenchmarkDecodeEvent(b *testing.B) {
	body := []byte(`{"object":"event","id":"evnt_test_1","livemode":false,"location":"/events/evnt_test_1","key":"charge.complete",` +
		`"created_at":"2026-03-01T08:00:00Z","data":` + strings.TrimSpace(charge2019) + `,"webhook_deliveries":[]}`)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := omise.DecodeEvent(body); err != nil {
			b.Fatal(err)
		}
	}
}

// A body without fee (the recorded 2017 shape) decodes as "fee absent", not
// as a fee of 0; a 2019 body with fee but no net gets Omise's net formula.
func TestChargeFeeAbsent(t *testing.T) {
	var c omise.Charge
	if err := json.Unmarshal([]byte(charge2017), &c); err != nil {
		t.Fatal(err)
	}
	if !c.FeeAbsent || c.Fee != 0 || c.Net != 0 {
		t.Fatalf("2017: FeeAbsent=%v fee=%d net=%d", c.FeeAbsent, c.Fee, c.Net)
	}
	c = omise.Charge{}
	if err := json.Unmarshal([]byte(charge2019), &c); err != nil {
		t.Fatal(err)
	}
	if c.FeeAbsent || c.Fee != 1650 || c.FeeVat != 116 || c.Net != 98234 {
		t.Fatalf("2019: %+v", c)
	}
	c = omise.Charge{}
	if err := json.Unmarshal([]byte(`{"object":"charge","id":"chrg_1","amount":10000,"fee":365,"fee_vat":26,"net":null}`), &c); err != nil {
		t.Fatal(err)
	}
	if c.FeeAbsent || c.Net != 9609 {
		t.Fatalf("derived net: %+v", c)
	}
	c = omise.Charge{}
	if err := json.Unmarshal([]byte(`{"object":"charge","id":"chrg_1","amount":10000,"fee":null,"net":0}`), &c); err != nil {
		t.Fatal(err)
	}
	if !c.FeeAbsent {
		t.Fatal("null fee must count as absent")
	}
}
