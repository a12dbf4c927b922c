package money_test

import (
	"testing"

	"instore/money"
)

// BenchmarkParseBaht is the till's amount field, parsed once per sale.
func BenchmarkParseBaht(b *testing.B) {
	inputs := []string{"1500", "1,500.25", "๑๕๐๐.๕๐", "999999.99"}
	for i := 0; i < b.N; i++ {
		if _, err := money.ParseBaht(inputs[i%len(inputs)]); err != nil {
			b.Fatal(err)
		}
	}
}
