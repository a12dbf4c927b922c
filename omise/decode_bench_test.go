package omise_test

import (
	"testing"

	"instore/omise"
)

// BenchmarkDecodeCharge is the client's decode of a charge answer, the
// JSON work of every webhook's re-read.
func BenchmarkDecodeCharge(b *testing.B) {
	body := []byte(charge2019)
	b.ReportAllocs()
	for b.Loop() {
		var c omise.Charge
		if err := omise.DecodeObject(body, "charge", &c); err != nil {
			b.Fatal(err)
		}
	}
}
