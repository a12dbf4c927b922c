package handlers

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"instore/db"
)

// The hand-written encoder of GET /api/charges writes what encoding/json
// writes for the same answer, byte for byte.
func TestChargeListJSONMatchesEncodingJSON(t *testing.T) {
	at := time.Date(2026, 12, 6, 9, 30, 5, 123456000, time.UTC)
	paid := at.Add(time.Minute)
	charges := []db.Charge{
		{ID: "chrg_test_1", Amount: 2000, Currency: "THB", Status: "successful", Fee: 73, FeeVat: 5, Net: 1922, SourceType: "barcode_alipay",
			BarcodeMasked: "28••••••••••1234", StoreID: "store_1", TerminalID: "T1", AttemptID: "att_1", CreatedAt: at, UpdatedAt: at, PaidAt: &paid},
		{ID: "chrg_test_2", Amount: 100000, Currency: "THB", Status: "successful", FeeUnknown: true, RefundedAmount: 40000,
			SourceType: "promptpay", StoreID: "ร้านหนึ่ง", TerminalID: "เครื่อง 1", CreatedAt: at, UpdatedAt: at},
		{ID: "chrg_test_3", Amount: 5000, Currency: "THB", Status: "successful", Fee: 1, FeeVat: 0, Net: 4999, RefundedAmount: 5000,
			SourceType: "alipayplus_upm", CreatedAt: at, UpdatedAt: at, PaidAt: &paid},
		{ID: "chrg_test_4", Amount: 2000, Currency: "THB", Status: "failed", FailureCode: "payment_rejected",
			FailureMessage: "rejected <by> \"bank\" & 'co'\n\ttab\x01\x7f \u2028 \u2029 ไม่ผ่าน \\ /", SourceType: "barcode_alipay",
			CreatedAt: at, UpdatedAt: at},
		{ID: "chrg_test_5", Amount: 2000, Currency: "THB", Status: "expired", SourceType: "some_future_type", CreatedAt: at,
			UpdatedAt: at, ExpiredAt: &paid, FailureMessage: "bad utf-8 \xff\xfe end"},
		{ID: "chrg_test_6", Status: "pending", Currency: "thb", CreatedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.FixedZone("ICT", 7*3600))},
		{ID: `chrg_<x>&"y"`, Status: "reversed", StoreID: "s&<>", TerminalID: `t"\`, BarcodeMasked: "\u00e9\u00e8", AttemptID: "a\u2028b"},
	}
	count := int64(123456789)
	type list struct {
		rows   []*db.Charge
		next   string
		count  *int64
		totals *totalsJSON
	}
	lists := []list{
		{},
		{next: "abc"},
		{next: "MjAyNi0xMi0wNlQwOTozMDowNS4xMjM0NTZafGNocmdfdGVzdF8x", count: &count,
			totals: &totalsJSON{Amount: 1, Fee: -2, FeeVat: 3, Net: 4, RefundedAmount: 5, FeeUnknownCount: 6}},
	}
	for i := range charges {
		lists[1].rows = append(lists[1].rows, &charges[i])
		lists[2].rows = append(lists[2].rows, &charges[len(charges)-1-i])
	}
	for i, l := range lists {
		var want bytes.Buffer
		if err := json.NewEncoder(&want).Encode(newChargeListJSON(l.rows, l.next, l.count, l.totals)); err != nil {
			t.Fatal(err)
		}
		if got := appendChargeList(nil, l.rows, l.next, l.count, l.totals); string(got) != want.String() {
			g, w := string(got), want.String()
			j := 0
			for j < len(g) && j < len(w) && g[j] == w[j] {
				j++
			}
			t.Fatalf("list %d differs at byte %d:\n got %q\nwant %q", i, j, g[max(0, j-60):min(len(g), j+60)], w[max(0, j-60):min(len(w), j+60)])
		}
	}
}

// BenchmarkChargeListJSON compares encoding/json with the hand-written
// encoder on a 50-charge answer.
func BenchmarkChargeListJSON(b *testing.B) {
	at := time.Date(2026, 12, 6, 9, 30, 5, 0, time.UTC)
	next := "MjAyNi0xMi0wNlQwOTozMDowNS4xMjM0NTZafGNocmdfdGVzdF8x"
	var rows []*db.Charge
	for i := range 50 {
		c := &db.Charge{ID: "chrg_test_5xbench000000000", Amount: int64(2000 + i), Currency: "THB", Status: "successful", Fee: 73,
			FeeVat: 5, Net: 1922, SourceType: "barcode_alipay", BarcodeMasked: "28••••••••••1234", StoreID: "store_1",
			TerminalID: "T1", AttemptID: "att_0000001", CreatedAt: at, UpdatedAt: at, PaidAt: &at}
		rows = append(rows, c)
	}
	b.Run("encoding_json", func(b *testing.B) {
		var buf bytes.Buffer
		b.ReportAllocs()
		for b.Loop() {
			buf.Reset()
			_ = json.NewEncoder(&buf).Encode(newChargeListJSON(rows, next, nil, nil))
		}
	})
	b.Run("append", func(b *testing.B) {
		var buf []byte
		b.ReportAllocs()
		for b.Loop() {
			buf = appendChargeList(buf[:0], rows, next, nil, nil)
		}
	})
}

// appendJSONString writes any text as encoding/json does: escapes,
// U+2028/U+2029 (whole, cut short, or next to others) and bytes that are
// not UTF-8.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "chrg_test_1", "ร้านหนึ่ง", "a\u2028b", "\u2029", "\xe2\x80", "\xe2\x80\xa8\xe2", "x\xe2\x80\xa7",
		"<&>", `"\`, "\x00\x1f\x7f", "\xff", "é\xc3", "𝄞 emoji 😀", "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendJSONString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Fatalf("%q: got %s, want %s", s, got[1:], want)
		}
	})
}
