package payments_test

import (
	"instore/db"
	"instore/i18n"
	"instore/payments"
)

// said is a refusal or a till outcome as people read it, from the catalog.
type said struct{ Code, TH, EN string }

// words renders r in both languages; nil stays nil.
func words(r *payments.Refusal) *said {
	if r == nil {
		return nil
	}
	return &said{r.Code, i18n.TLang(i18n.TH, r.MessageID(), r.Args), i18n.TLang(i18n.EN, r.MessageID(), r.Args)}
}

// outcome is what the till says about a.
func outcome(a *db.Attempt) said {
	o := payments.OutcomeOf(a)
	return said{o.Code, i18n.TLang(i18n.TH, o.MsgID), i18n.TLang(i18n.EN, o.MsgID)}
}
