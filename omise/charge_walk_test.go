package omise

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

var chargeWalkCases = []string{
	walkCharge2017,
	walkCharge2019,
	`{"object":"charge","id":"chrg_test_1","amount":400000,"net":384378,"fee":14600,"fee_vat":1022,"currency":"thb",
	  "refunds":{"object":"list","data":[],"limit":20,"offset":0,"total":0,"order":"chronological","from":"1970-01-01T00:00:00Z","to":"2026-12-06T12:26:59Z"},
	  "description":null,"metadata":{"sale_id":"42"},"card":null,"platform_fee":{"fixed":null},
	  "source":{"object":"source","id":"src_1","livemode":false,"amount":400000,"barcode":"1234","bank":null,"created_at":"2026-12-06T12:26:59Z",
	    "currency":"THB","flow":"offline","scannable_code":null,"references":{"expires_at":"2026-12-13T12:26:59Z"},"items":[],
	    "store_id":"s1","store_name":"Main","terminal_id":"POS-01","type":"barcode_alipay","charge_status":"successful","discounts":[]},
	  "transaction":"trxn_1","failure_code":null,"failure_message":null,"status":"successful","created_at":"2026-12-06T12:26:59Z",
	  "paid_at":"2026-12-06T12:26:59Z","expires_at":"2026-12-13T12:26:59Z","expired_at":null,"authorized":true,"capture":true,
	  "livemode":false,"refundable":true,"partially_refundable":true,"reversed":false,"voided":false,"paid":true,"expired":false}`,
	`{"object":"charge","id":"c","source":{"store_name":"ร้าน \"หนึ่ง\"","type":"promptpay","scannable_code":{"object":"barcode","type":"qr","image":{"object":"document","id":"docu_1"}}}}`,
	`{"object":"charge","id":"c","description":"caf\u00e9","failure_message":"bad \"code\"","transaction":"t"}`,
	`{"object":"charge","id":"c","created":"2017-11-05T18:00:00Z","refunded":2500,"refunded_amount":0}`,
	`{"object":"charge","id":"c","created":"2017-11-05T18:00:00Z","created_at":"2026-03-01T08:00:00+07:00","refunded":1,"refunded_amount":3}`,
	`{"object":"charge","id":"c","fee":10,"fee_vat":null,"net":null}`,
	`{"object":"charge","id":"c","fee":null}`,
	`{"object":"charge","id":"c","amount":null,"livemode":null,"created_at":null,"status":null}`,
	`{"object":"charge","id":"c","amount":1.5}`,
	`{"object":"charge","id":"c","amount":1e3}`,
	`{"object":"charge","id":"c","amount":-0}`,
	`{"object":"charge","id":"c","amount":99999999999999999999}`,
	`{"object":"charge","id":"c","amount":"100"}`,
	`{"object":"charge","id":"c","paid":"true"}`,
	`{"object":"charge","id":"c","paid_at":"yesterday"}`,
	`{"object":"charge","id":"c","created_at":"2026-02-30T00:00:00Z"}`,
	`{"object":"charge","id":"c","Amount":5}`,
	`{"object":"charge","id":"c","source":{"Type":"x"}}`,
	`{"object":"charge","id":"c","source":null}`,
	`{"object":"charge","id":"c","source":"src_1"}`,
	`{"object":"charge","id":"c","source":{"type":"a","amount":1},"source":{"flow":"b"}}`,
	`{"object":"charge","id":"c","metadata":{"a":1},"metadata":{"b":[true,null]}}`,
	`{"object":"charge","id":"c","metadata":null,"refunds":null}`,
	`{"object":"charge","id":"c","description":"a","description":null,"transaction":"x","transaction":"y"}`,
	`{"object":"charge","id":"c","refunds":{"object":"list","data":[{"object":"refund","id":"r","amount":5,"currency":"thb","created":"2017-11-05T18:00:00Z"}]}}`,
	`{"object":"charge","id":"c","refunds":{"data":[{"amount":"x"}]}}`,
	`{"object":"charge","id":"c","refunds":{"data":[{"amount":1}],"data":[ ],"limit":1.5}}`,
	`{"object":"charge","id":"c","refunds":{"data":null,"order":null,"from":null,"total":99999999999999999999}}`,
	`{"object":"charge","id":"c","refunds":{"Data":[]}}`,
	`{"object":"charge","id":"c","refunds":[]}`,
	`{"object":"charge","id":"c","refunds":{"object":"list","data":[]},"refunds":{"total":2}}`,
	`{"obj\u0065ct":"charge","id":"c"}`,
	"{\"object\":\"charge\",\"id\":\"bad\xff\"}",
	"{\"object\":\"charge\",\"currency\":\"th\xc3\xa9\"}",
	` { "object" : "charge" , "id" : "c" , "amount" : 7 } `,
	`{}`,
	`[]`,
	`null`,
	`"charge"`,
	`{"object":"charge","id":"c",}`,
	`{"object":"charge","id":"c"`,
	`{"object":"charge","amount":01}`,
}

// decode_test.go's charges (package omise_test), for the walk's tests.

// A pending barcode charge as the 2017-11-02 API serialises it.
const walkCharge2017 = `{
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
const walkCharge2019 = `{
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

// chargeBySlowPath is the charge as encoding/json alone decodes it.
func chargeBySlowPath(b []byte) (Charge, error) {
	var aux chargeIn
	if err := json.Unmarshal(b, &aux); err != nil {
		return Charge{}, err
	}
	var c Charge
	c.from(&aux)
	return c, nil
}

// UnmarshalJSON, walk or not, answers as encoding/json does.
func TestChargeWalkReadsWhatJSONReads(t *testing.T) {
	for _, c := range chargeWalkCases {
		want, err := chargeBySlowPath([]byte(c))
		var got Charge
		gotErr := got.UnmarshalJSON([]byte(c))
		if (gotErr == nil) != (err == nil) || err == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\nUnmarshalJSON %+v (%v)\nencoding/json %+v (%v)", c, got, gotErr, want, err)
		}
	}
}

// The charges Omise and the simulator send are taken by the walk, not
// declined.
func TestChargeWalkTakesCharges(t *testing.T) {
	for _, c := range chargeWalkCases[:4] {
		var aux chargeIn
		if !readChargePlain([]byte(c), &aux) {
			t.Errorf("%.80s: declined", c)
		}
	}
}

// The walk's lists of keys are the ones encoding/json decodes into.
func TestChargeWalkFields(t *testing.T) {
	for _, tc := range []struct {
		typ    reflect.Type
		fields []string
	}{{reflect.TypeFor[chargeIn](), chargeFields}, {reflect.TypeFor[Source](), sourceFields},
		{reflect.TypeFor[List[refundIn]](), listFields}} {
		want := jsonNames(tc.typ)
		got := slices.Clone(tc.fields)
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: walk reads %v, encoding/json %v", tc.typ, got, want)
		}
	}
}

// jsonNames lists the keys of t's fields, embedded structs' included.
func jsonNames(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case f.Anonymous:
			for _, n := range jsonNames(f.Type) {
				if !slices.Contains(names, n) {
					names = append(names, n)
				}
			}
		case name != "-" && name != "" && !slices.Contains(names, name):
			names = append(names, name)
		}
	}
	return names
}

func FuzzChargeWalk(f *testing.F) {
	for _, c := range chargeWalkCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		want, err := chargeBySlowPath(b)
		var got Charge
		gotErr := got.UnmarshalJSON(b)
		if (gotErr == nil) != (err == nil) {
			t.Fatalf("%q: UnmarshalJSON error %v, encoding/json %v", b, gotErr, err)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\nUnmarshalJSON %+v\nencoding/json %+v", b, got, want)
		}
	})
}

// BenchmarkDecodeChargeWalk is the decode of a charge as the simulator
// sends it (empty refunds, one metadata key, a barcode source), walk and
// encoding/json alone.
func BenchmarkDecodeChargeWalk(b *testing.B) {
	body := []byte(chargeWalkCases[2])
	b.Run("walk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var c Charge
			if err := c.UnmarshalJSON(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := chargeBySlowPath(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}
