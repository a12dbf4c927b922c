package views

import (
	"bytes"
	"context"
	"testing"

	"instore/i18n"
)

// The hand-written filter form is byte for byte the templ component it
// replaced (chargeFilterSpec), over fixed and chosen stores, selections,
// stored text that needs escaping, errors and the export link, in both
// languages.
func TestChargeFilterFormMatchesSpec(t *testing.T) {
	stores := []Option{{"s1", "Store 1 (s1)"}, {"s&2", `S"2 <north> (s&2)`}, {"ร้าน", "ร้านหนึ่ง (ร้าน)"}}
	terms := []Option{{"T1", "T1 · Counter"}, {"T'2", "T'2"}}
	methods := []Option{{"alipay", "method.alipay.short"}, {"promptpay", "method.promptpay.short"}, {"x", "no.such.id"}}
	statuses := []string{"pending", "successful", "failed", "expired", "partially_refunded", "refunded", "odd<one>"}
	views := []ChargesView{
		{},
		{StoreFixed: true, Filter: ChargeFilterForm{Store: `s"1`}, Statuses: statuses, CanExport: true, CSVHref: "/charges.csv?store=s1&q=a%22b"},
		{Stores: stores, Terminals: terms, Methods: methods, Statuses: statuses, CanExport: true, CSVHref: "/charges.csv?",
			Filter: ChargeFilterForm{Store: "s&2", Terminal: "T'2", Statuses: []string{"failed", "refunded"}, Methods: []string{"promptpay"},
				From: "2026-12-01", To: "2026-12-06", Min: "20.00", Max: "1,000", Q: `<script>"x"&'y'</script>`}},
		{Stores: stores, Terminals: terms, Methods: methods, Statuses: statuses, CanExport: true, CSVHref: "/charges.csv?x=1",
			Errors: map[string]BiText{"store": {}, "method": {}, "from": {}, "to": {}, "min": {}, "max": {}, "q": {}},
			Filter: ChargeFilterForm{Store: "nope", Terminal: "T9", Min: "abc"}},
		{Stores: stores[:1], Methods: methods[:1], Statuses: statuses[:1], Errors: map[string]BiText{"max": {}}},
	}
	for _, lang := range []string{i18n.TH, i18n.EN} {
		ctx := i18n.WithLang(context.Background(), lang)
		for i, v := range views {
			var want, got bytes.Buffer
			if err := chargeFilterSpec(v).Render(ctx, &want); err != nil {
				t.Fatal(err)
			}
			if err := chargeFilterForm(v).Render(ctx, &got); err != nil {
				t.Fatal(err)
			}
			if g, w := got.String(), want.String(); g != w {
				j := 0
				for j < len(g) && j < len(w) && g[j] == w[j] {
					j++
				}
				t.Fatalf("%s view %d differs at byte %d:\n got %q\nwant %q", lang, i, j, g[max(0, j-80):min(len(g), j+80)], w[max(0, j-80):min(len(w), j+80)])
			}
		}
	}
}

func BenchmarkChargeFilterForm(b *testing.B) {
	ctx := i18n.WithLang(context.Background(), i18n.TH)
	v := ChargesView{Stores: []Option{{"s1", "Store 1 (s1)"}, {"s2", "Store 2 (s2)"}},
		Terminals: []Option{{"T1", "T1"}, {"T2", "T2"}, {"T3", "T3"}, {"T4", "T4"}},
		Methods:   []Option{{"alipay", "method.alipay.short"}, {"promptpay", "method.promptpay.short"}},
		Statuses:  []string{"pending", "successful", "failed", "expired", "partially_refunded", "refunded"}, CanExport: true, CSVHref: "/charges.csv?"}
	var buf bytes.Buffer
	b.Run("templ", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf.Reset()
			_ = chargeFilterSpec(v).Render(ctx, &buf)
		}
	})
	b.Run("hand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf.Reset()
			_ = chargeFilterForm(v).Render(ctx, &buf)
		}
	})
}
