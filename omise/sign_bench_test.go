package omise_test

import (
	"bytes"
	"testing"
	"time"

	"instore/omise"
)

// BenchmarkSign is the signing half of a webhook (the simulator and the
// load tool sign every delivery; the server verifies with the same MAC).
func BenchmarkSign(b *testing.B) {
	body := bytes.Repeat([]byte("x"), 1500)
	now := time.Now()
	b.SetBytes(int64(len(body)))
	for i := 0; i < b.N; i++ {
		if _, err := omise.Sign("ZHJpbGwtd2ViaG9vay1zZWNyZXQtMzItYnl0ZXMhIQ==", now, body); err != nil {
			b.Fatal(err)
		}
	}
}
