package omise

import (
	"encoding/json"
	"testing"
)

var eventDataCases = []string{
	`{"object":"charge","id":"chrg_test_1","amount":100}`,
	`{"object":"refund","id":"rfnd_test_1","charge":"chrg_test_2","metadata":{"id":"x","object":"y"},"list":[{"charge":"no"}]}`,
	` { "id" : "a" , "object" : "charge" } `,
	`{}`,
	`{"id":"a","id":"b"}`,
	`{"id":"a","ID":"b"}`,
	`{"Id":"a"}`,
	`{"OBJECT":"charge"}`,
	`{"id":null}`,
	`{"id":12}`,
	`{"id":"a\"b"}`,
	`{"id":"caf\u00e9"}`,
	"{\"id\":\"caf\xc3\xa9\"}",
	"{\"id\":\"bad\xff\"}",
	`{"obj\u0065ct":"charge"}`,
	`{"x":"a\\\"}{","id":"after"}`,
	`{"x":[1,{"y":"}"}],"id":"z","n":-1.5e3,"t":true,"f":false,"u":null}`,
	`[]`,
	`"charge"`,
	`null`,
	`{"id":"a",}`,
	`{"id":"a"`,
	`{"id" "a"}`,
	`{"id":tru}`,
}

// The walk reads what encoding/json reads, for every shape it takes on,
// and declines the rest.
func TestEventDataWalkReadsWhatJSONReads(t *testing.T) {
	for _, c := range eventDataCases {
		var want eventData
		err := json.Unmarshal([]byte(c), &want)
		got, ok := readEventDataPlain([]byte(c))
		if ok && (err != nil || got != want) {
			t.Errorf("%s: walk %+v, encoding/json %+v (%v)", c, got, want, err)
		}
		if err == nil && readValidEventData([]byte(c)) != want {
			t.Errorf("%s: read %+v, want %+v", c, readValidEventData([]byte(c)), want)
		}
	}
}

func FuzzEventDataWalk(f *testing.F) {
	for _, c := range eventDataCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return
		}
		var want eventData
		_ = json.Unmarshal(b, &want)
		if got := readValidEventData(b); got != want {
			t.Fatalf("%q: read %+v, encoding/json %+v", b, got, want)
		}
	})
}

func BenchmarkEventData(b *testing.B) {
	var ev Event
	if err := json.Unmarshal([]byte(`{"object":"event","id":"evnt_test_1","data":{"object":"charge","id":"chrg_test_1","amount":100000,"currency":"THB","metadata":{"attempt_id":"a"},"refunds":{"object":"list","data":[]},"source":{"object":"source","id":"src_1","type":"barcode_alipay"}}}`), &ev); err != nil {
		b.Fatal(err)
	}
	b.Run("walk", func(b *testing.B) {
		for b.Loop() {
			readValidEventData(ev.Data)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			readEventData(ev.Data)
		}
	})
}
