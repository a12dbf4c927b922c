package views

import "instore/i18n"

// BiText is a message in both languages (a refusal or a till outcome,
// rendered from the catalog by the handler), shown page language first
// with the other language beside or under it.
type BiText struct {
	TH string
	EN string
}

// In returns the text in lang and in the other language.
func (t BiText) In(lang string) (string, string) {
	if lang == i18n.EN {
		return t.EN, t.TH
	}
	return t.TH, t.EN
}

// BiCatalog is the catalog message id in both languages.
func BiCatalog(id string) BiText {
	return BiText{TH: i18n.TLang(i18n.TH, id), EN: i18n.TLang(i18n.EN, id)}
}
