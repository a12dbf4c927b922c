package payments_test

import (
	"slices"
	"testing"

	"instore/i18n"
	"instore/omise"
	"instore/payments"
)

// TestMethodsRegistry checks what every method must declare: a unique id,
// an Omise source type, a name in both catalogs, a code shape when its code
// is scanned, and a catalog entry for each failure it can end with.
func TestMethodsRegistry(t *testing.T) {
	t.Parallel()
	if err := i18n.Load(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, m := range payments.Methods() {
		if m.ID == "" || m.SourceType == "" || seen[m.ID] {
			t.Fatalf("method %+v: id and source type must be set and unique", m)
		}
		seen[m.ID] = true
		for _, lang := range []string{i18n.TH, i18n.EN} {
			if i18n.TLang(lang, m.LabelID()) == m.LabelID() {
				t.Errorf("%s: no %s name (%s)", m.ID, lang, m.LabelID())
			}
			if i18n.TLang(lang, m.NameID()) == m.NameID() {
				t.Errorf("%s: no %s short name (%s)", m.ID, lang, m.NameID())
			}
		}
		switch m.Capture {
		case payments.CaptureScan:
			if m.Code.MinLen <= 0 || m.Code.MaxLen < m.Code.MinLen {
				t.Errorf("%s: scanned without a code shape", m.ID)
			}
		case payments.CaptureQR:
		default:
			t.Errorf("%s: capture %q", m.ID, m.Capture)
		}
		for _, f := range m.Failures {
			// The till reads an attempt's failure as outcome.<code>.
			if !i18n.Has("outcome."+f) || i18n.TLang(i18n.TH, "outcome."+f) == "outcome."+f {
				t.Errorf("%s: failure %s has no catalog entry", m.ID, f)
			}
		}
		if got, ok := payments.MethodBySourceType(m.SourceType); !ok || got.ID != m.ID {
			t.Errorf("%s: not found by its source type", m.ID)
		}
	}
	if !payments.ValidMethod(payments.DefaultMethod().ID) || payments.ValidMethod("card") {
		t.Fatal("ValidMethod")
	}
}

func TestStoreMethods(t *testing.T) {
	t.Parallel()
	a, p := omise.SourceBarcodeAlipay, omise.SourceAlipayPlusUPM
	tests := []struct {
		in   []string
		want []string
		ok   bool
	}{
		{[]string{p, a}, []string{a, p}, true},
		{[]string{p, p}, []string{p}, true},
		{[]string{a}, []string{a}, true},
		{nil, nil, false},
		{[]string{a, "card"}, nil, false},
	}
	for _, tt := range tests {
		got, ok := payments.StoreMethods(tt.in)
		if ok != tt.ok || !slices.Equal(got, tt.want) {
			t.Errorf("StoreMethods(%v) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	if m, ok := payments.StoreMethod([]string{p, a}, ""); !ok || m.ID != p {
		t.Error("the store's first method is its default")
	}
	if m, ok := payments.StoreMethod([]string{"gone", a}, ""); !ok || m.ID != a {
		t.Error("an unknown stored method is passed over")
	}
	if _, ok := payments.StoreMethod([]string{a}, p); ok {
		t.Error("a method the store does not take was chosen")
	}
	if m, ok := payments.StoreMethod([]string{a, p}, p); !ok || m.ID != p {
		t.Error("a method the store takes was refused")
	}
}
