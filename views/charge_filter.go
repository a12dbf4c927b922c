package views

import (
	"context"
	"io"
	"sync"

	"github.com/a-h/templ"

	"instore/i18n"
)

// chargeFilterForm renders the charge list's filter form: exactly what the
// templ component chargeFilterSpec in charges.templ would (a test compares
// the two over varied filters, choices and errors in both languages), by
// appending to one buffer. Through templ every label, option and
// attribute value cost an interface conversion and a formatted copy
// (templ.JoinStringErrs calls fmt.Sprint on strings), a tenth of the list
// page's CPU for a form of about forty values.
func chargeFilterForm(v ChargesView) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		bp := filterBufs.Get().(*[]byte)
		b := appendChargeFilter(ctx, (*bp)[:0], &v)
		_, err := w.Write(b)
		if cap(b) <= 64<<10 {
			*bp = b
			filterBufs.Put(bp)
		}
		return err
	})
}

var filterBufs = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

func appendChargeFilter(ctx context.Context, b []byte, v *ChargesView) []byte {
	t := func(id string) string { return i18n.T(ctx, id) }
	invalid := func(field string) string { return boInvalid(v.Errors, field) }
	b = append(b, `<form method="get" action="/charges" class="inline card filters" data-testid="charges-filter">`...)
	if v.StoreFixed {
		b = append(b, `<input type="hidden" name="store" value="`...)
		b = appendEscaped(b, v.Filter.Store)
		b = append(b, `"> `...)
	} else {
		b = append(b, `<label>`...)
		b = appendEscaped(b, t("bo.charges.store"))
		b = append(b, ` <select name="store" aria-invalid="`...)
		b = append(b, invalid("store")...)
		b = append(b, `" data-testid="filter-store"><option value="">`...)
		b = appendEscaped(b, t("bo.charges.all"))
		b = append(b, `</option> `...)
		for _, o := range v.Stores {
			b = appendOption(b, o.Value, o.Value == v.Filter.Store, o.Label)
		}
		b = append(b, `</select></label> `...)
	}
	b = append(b, `<label>`...)
	b = appendEscaped(b, t("bo.charges.terminal"))
	b = append(b, ` <select name="terminal" data-testid="filter-terminal"><option value="">`...)
	b = appendEscaped(b, t("bo.charges.all"))
	b = append(b, `</option> `...)
	for _, o := range v.Terminals {
		b = appendOption(b, o.Value, o.Value == v.Filter.Terminal, o.Label)
	}
	b = append(b, `</select></label> <label>`...)
	b = appendEscaped(b, t("bo.charges.method"))
	b = append(b, ` <select name="method" aria-invalid="`...)
	b = append(b, invalid("method")...)
	b = append(b, `" data-testid="filter-method"><option value="">`...)
	b = appendEscaped(b, t("bo.charges.all"))
	b = append(b, `</option> `...)
	for _, o := range v.Methods {
		b = appendOption(b, o.Value, boChecked(v.Filter.Methods, o.Value), t(o.Label))
	}
	b = append(b, `</select></label><fieldset class="statuses"><legend>`...)
	b = appendEscaped(b, t("bo.charges.status"))
	b = append(b, `</legend> `...)
	for _, s := range v.Statuses {
		b = append(b, `<label class="check"><input type="checkbox" name="status" value="`...)
		b = appendEscaped(b, s)
		if boChecked(v.Filter.Statuses, s) {
			b = append(b, `" checked data-testid="`...)
		} else {
			b = append(b, `" data-testid="`...)
		}
		b = appendEscaped(b, "filter-status-"+s)
		b = append(b, `"> `...)
		b = appendEscaped(b, t("bo.status."+s))
		b = append(b, `</label>`...)
	}
	b = append(b, `</fieldset>`...)
	for _, in := range []struct{ label, head, name, value string }{
		{"bo.charges.from", `<input type="date" name="from" value="`, "from", v.Filter.From},
		{"bo.charges.to", `<input type="date" name="to" value="`, "to", v.Filter.To},
		{"bo.charges.min", `<input name="min" inputmode="decimal" size="10" value="`, "min", v.Filter.Min},
		{"bo.charges.max", `<input name="max" inputmode="decimal" size="10" value="`, "max", v.Filter.Max},
	} {
		b = append(b, `<label>`...)
		b = appendEscaped(b, t(in.label))
		b = append(b, ' ')
		b = append(b, in.head...)
		b = appendEscaped(b, in.value)
		b = append(b, `" aria-invalid="`...)
		b = append(b, invalid(in.name)...)
		b = append(b, `" data-testid="filter-`...)
		b = append(b, in.name...)
		b = append(b, `"></label> `...)
	}
	hint := t("bo.charges.q_hint")
	b = append(b, `<label>`...)
	b = appendEscaped(b, t("bo.charges.q"))
	b = append(b, ` <input type="search" name="q" value="`...)
	b = appendEscaped(b, v.Filter.Q)
	b = append(b, `" title="`...)
	b = appendEscaped(b, hint)
	b = append(b, `" placeholder="`...)
	b = appendEscaped(b, hint)
	b = append(b, `" aria-invalid="`...)
	b = append(b, invalid("q")...)
	b = append(b, `" data-testid="filter-q"></label> <button type="submit" data-testid="filter-submit">`...)
	b = appendEscaped(b, t("bo.charges.apply"))
	b = append(b, `</button> <a href="/charges" data-testid="filter-clear">`...)
	b = appendEscaped(b, t("bo.charges.clear"))
	b = append(b, `</a> `...)
	if v.CanExport && len(v.Errors) == 0 {
		b = append(b, `<a class="button secondary" href="`...)
		b = appendEscaped(b, v.CSVHref)
		b = append(b, `" data-testid="charges-csv" download>`...)
		b = appendEscaped(b, t("bo.charges.csv"))
		b = append(b, `</a>`...)
	}
	return append(b, `</form>`...)
}

// appendOption appends one <option> of a filter's select.
func appendOption(b []byte, value string, selected bool, label string) []byte {
	b = append(b, `<option value="`...)
	b = appendEscaped(b, value)
	if selected {
		b = append(b, `" selected>`...)
	} else {
		b = append(b, `">`...)
	}
	b = appendEscaped(b, label)
	return append(b, `</option>`...)
}
