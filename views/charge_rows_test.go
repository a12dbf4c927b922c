package views

import (
	"bytes"
	"context"
	"testing"
	"time"

	"instore/i18n"
)

// specRows renders rows one by one through the templ component that
// describes the row.
func specRows(t testing.TB, ctx context.Context, rows []ChargeRow) string {
	var b bytes.Buffer
	for _, r := range rows {
		if err := chargeRowSpec(r).Render(ctx, &b); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// variedRows are charges of every state, method and failure shape, with
// Thai text, text to escape, odd amounts and times across days.
func variedRows() []ChargeRow {
	at := time.Date(2026, 12, 5, 16, 59, 58, 0, time.UTC) // 23:59:58 in Bangkok
	rows := []ChargeRow{
		{ID: "chrg_test_1", StoreID: "store_1", TerminalID: "T1", Status: "successful", State: "successful", Amount: 2000,
			MethodNameID: "method.barcode_alipay", SourceType: "barcode_alipay", BarcodeMasked: "28••••••••••1234", CreatedAt: at, Matches: true},
		{ID: "chrg_test_2", StoreID: "store_1", TerminalID: "T2", Status: "successful", State: "partially_refunded", Amount: 123456789,
			Refunded: 50, MethodNameID: "method.promptpay", SourceType: "promptpay", CreatedAt: at.Add(3 * time.Second), Matches: true},
		{ID: "chrg_test_3", StoreID: "ร้านหนึ่ง", TerminalID: "เครื่อง 1", Status: "successful", State: "refunded", Amount: 100000,
			Refunded: 100000, MethodNameID: "method.alipayplus_upm", SourceType: "alipayplus_upm", CreatedAt: at.Add(-24 * time.Hour)},
		{ID: "chrg_test_4", StoreID: "s", TerminalID: "t", Status: "failed", State: "failed", FailureCode: "insufficient_balance",
			Amount: 1, SourceType: "barcode_alipay", MethodNameID: "method.barcode_alipay", CreatedAt: at.Add(-40 * 24 * time.Hour)},
		{ID: "chrg_test_5", Status: "failed", State: "failed", FailureCode: "not.a.catalog.code", Amount: 99, SourceType: "unknown_type",
			CreatedAt: at.AddDate(-1, -3, 0)},
		{ID: "chrg_test_6", Status: "failed", State: "failed", FailureCode: "never_heard_of", Amount: 100, CreatedAt: at},
		{ID: "chrg_test_7", Status: "expired", State: "expired", Amount: 999999, SourceType: "barcode_alipay", CreatedAt: at},
		{ID: "chrg_test_8", Status: "pending", State: "pending", Amount: 100, SourceType: "promptpay", MethodNameID: "method.promptpay"},
		{ID: "chrg_test_9", Status: "reversed", State: "reversed", Amount: -150, Refunded: 0, CreatedAt: time.Date(800, 1, 2, 3, 4, 5, 0, time.UTC)},
		{ID: `chrg_<b>&"'x`, StoreID: `s<1>&"'`, TerminalID: `<script>alert("x")</script>`, Status: `su"cc<e>ss`, State: `st'a&te`,
			FailureCode: `co<d>e&"'`, Amount: 1000, Refunded: 7, MethodNameID: "", SourceType: `so"ur<c>e&'`, BarcodeMasked: `28••<&>"'`,
			CreatedAt: at.Add(time.Hour), Matches: true},
	}
	for i := range 40 {
		rows = append(rows, ChargeRow{ID: "chrg_test_n" + string(rune('a'+i%26)), StoreID: "store_2", TerminalID: "T3",
			Status: "successful", State: "successful", Amount: int64(i) * 123457, Refunded: int64(i%3) * 1000,
			MethodNameID: "method.barcode_alipay", SourceType: "barcode_alipay", BarcodeMasked: "28••••••••••0001",
			CreatedAt: at.Add(-time.Duration(i) * 37 * time.Minute), Matches: i%2 == 0})
	}
	return rows
}

func TestChargeRowsMatchTheTemplRow(t *testing.T) {
	rows := variedRows()
	for _, lang := range []string{i18n.TH, i18n.EN} {
		ctx := i18n.WithLang(context.Background(), lang)
		want := specRows(t, ctx, rows)
		var got bytes.Buffer
		if err := ChargeRows(rows).Render(ctx, &got); err != nil {
			t.Fatal(err)
		}
		if got.String() != want {
			g, w := got.String(), want
			i := 0
			for i < len(g) && i < len(w) && g[i] == w[i] {
				i++
			}
			t.Fatalf("%s: ChargeRows differs from chargeRowSpec at byte %d:\n got %q\nwant %q", lang, i,
				g[max(0, i-80):min(len(g), i+80)], w[max(0, i-80):min(len(w), i+80)])
		}
		for i, r := range rows { // one row alone, as GET /charges/{id}/row serves it
			var one bytes.Buffer
			if err := ChargeRows(rows[i:i+1]).Render(ctx, &one); err != nil {
				t.Fatal(err)
			}
			if w := specRows(t, ctx, []ChargeRow{r}); one.String() != w {
				t.Fatalf("%s: row %s:\n got %s\nwant %s", lang, r.ID, one.String(), w)
			}
		}
	}
}

func TestAppendTHBIsMoney(t *testing.T) {
	for _, v := range []int64{0, 1, 9, 10, 99, 100, 101, 999, 1000, 99999, 100000, 123456789, 100000000000, -1, -150, -123456789, 1<<63 - 1} {
		if got, want := string(appendTHB(nil, v)), i18n.Money(v); got != want {
			t.Errorf("appendTHB(%d) = %q, want %q", v, got, want)
		}
	}
}

// BenchmarkChargeRows compares a 50-row page rendered row by row through
// templ with ChargeRows.
func BenchmarkChargeRows(b *testing.B) {
	rows := variedRows()[:50]
	ctx := i18n.WithLang(context.Background(), i18n.TH)
	var buf bytes.Buffer
	b.Run("templ", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf.Reset()
			for _, r := range rows {
				_ = chargeRowSpec(r).Render(ctx, &buf)
			}
		}
	})
	b.Run("writer", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf.Reset()
			_ = ChargeRows(rows).Render(ctx, &buf)
		}
	})
}
