package omise

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

var eventWalkCases = []string{
	`{"object":"event","id":"evnt_test_1","livemode":false,"location":"/events/evnt_test_1","webhook_deliveries":[],"data":{"object":"charge","id":"chrg_test_1","metadata":{"id":"x"}},"key":"charge.complete","created_at":"2026-03-01T08:00:00Z"}`,
	` { "object" : "event" , "id" : "e" , "livemode" : true , "data" : { "object" : "refund" , "charge" : "chrg_1" } } `,
	`{"object":"event","id":"e","created":"2017-11-05T18:00:00Z"}`,
	`{"object":"event","id":"e","created":"2017-11-05T18:00:00Z","created_at":"2026-03-01T08:00:00+07:00"}`,
	`{"object":"event","id":"e","created_at":"yesterday"}`,
	`{"object":"event","id":"e","created_at":"2026-03-01T08:00:00Z","created_at":"2026-03-02T08:00:00Z"}`,
	`{"object":"event","id":"a","id":"b","data":{"id":"1"},"data":{"id":"2"}}`,
	`{"object":"event","ID":"b"}`,
	`{"Object":"event","id":"b"}`,
	`{"object":"event","id":"e","Data":{"id":"x"}}`,
	`{"object":"event","id":"e","livemode":null}`,
	`{"object":"event","id":"e","livemode":1}`,
	`{"object":"event","id":"e","livemode":"true"}`,
	`{"object":"event","id":null}`,
	`{"object":"event","id":12}`,
	`{"object":"event","id":"e\"x"}`,
	`{"object":"event","id":"caf\u00e9"}`,
	"{\"object\":\"event\",\"id\":\"caf\xc3\xa9\"}",
	"{\"object\":\"event\",\"id\":\"bad\xff\"}",
	`{"obj\u0065ct":"event","id":"e"}`,
	`{"object":"event","id":"e","data":null}`,
	`{"object":"event","id":"e","data":[{"id":"x"}]}`,
	`{"object":"event","id":"e","data":"chrg_1"}`,
	`{"object":"event","id":"e","data":{"x":"a\\\"}{","id":"after"},"key":"k"}`,
	`{"object":"event","id":"e","x":[1,{"y":"}"}],"n":-1.5e3,"t":true,"f":false,"u":null}`,
	`{}`,
	`[]`,
	`"event"`,
	`null`,
	`{"object":"event","id":"e",}`,
	`{"object":"event","id":"e"`,
	`{"object" "event"}`,
	`{"object":"event","livemode":tru}`,
}

// eventBySlowPath is the event as encoding/json alone decodes it.
func eventBySlowPath(b []byte) (Event, error) {
	var e Event
	err := e.unmarshalJSON(b)
	return e, err
}

// The walk reads what encoding/json reads, for every shape it takes on,
// and declines the rest; UnmarshalJSON answers as encoding/json does.
func TestEventWalkReadsWhatJSONReads(t *testing.T) {
	for _, c := range eventWalkCases {
		want, err := eventBySlowPath([]byte(c))
		if got, ok := readEventPlain([]byte(c)); ok && json.Valid([]byte(c)) {
			got.about = want.about
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("%s: walk %+v, encoding/json %+v (%v)", c, got, want, err)
			}
		}
		var e Event
		gotErr := e.UnmarshalJSON([]byte(c))
		if (gotErr == nil) != (err == nil) || err == nil && !reflect.DeepEqual(e, want) {
			t.Errorf("%s: UnmarshalJSON %+v (%v), encoding/json %+v (%v)", c, e, gotErr, want, err)
		}
	}
}

// Every shape a delivery of ours has is taken by the walk, not declined.
func TestEventWalkTakesDeliveries(t *testing.T) {
	for _, c := range eventWalkCases[:4] {
		if _, ok := readEventPlain([]byte(c)); !ok {
			t.Errorf("%s: declined", c)
		}
	}
	body := `{"object":"event","id":"evnt_test_1","livemode":false,"location":"/events/evnt_test_1","key":"charge.complete",` +
		`"created_at":"2026-03-01T08:00:00Z","data":` + strings.TrimSpace(benchCharge) + `,"webhook_deliveries":[]}`
	if _, ok := readEventPlain([]byte(body)); !ok {
		t.Error("a delivered charge event was declined")
	}
}

const benchCharge = `{"object":"charge","id":"chrg_test_1","location":"/charges/chrg_test_1","amount":400000,"net":384378,"fee":14600,
  "refunds":{"object":"list","data":[],"limit":20,"offset":0,"total":0},"description":null,"metadata":{"sale_id":"42"},
  "source":{"object":"source","id":"src_test_1","type":"barcode_alipay","store_name":"ร้าน \"หนึ่ง\""},"status":"successful"}`

func FuzzEventWalk(f *testing.F) {
	for _, c := range eventWalkCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		want, err := eventBySlowPath(b)
		var got Event
		gotErr := got.UnmarshalJSON(b)
		if (gotErr == nil) != (err == nil) {
			t.Fatalf("%q: UnmarshalJSON error %v, encoding/json %v", b, gotErr, err)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: UnmarshalJSON %+v, encoding/json %+v", b, got, want)
		}
	})
}
