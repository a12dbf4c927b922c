// Package i18n holds the Thai and English message catalog and the helpers
// that pick a language per request and format money and times for people.
//
// Messages live in embedded TOML files named <feature>.<lang>.toml
// (core.en.toml, core.th.toml, till.en.toml, ...); every file is loaded.
// Keys may be nested tables ([login] title = "...") giving ids such as
// "login.title". go-i18n reserves some key names inside a table (id,
// description, hash, other, one, zero, two, few, many, leftdelim,
// rightdelim): do not use them as the last part of an id. Placeholders use
// Go templates: "Try again after {{.Time}}".
package i18n

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// The two languages of the product. Thai comes first: it is the default.
const (
	TH = "th"
	EN = "en"
)

// Langs lists the supported languages, default first.
var Langs = []string{TH, EN}

//go:embed locales/*.toml
var localeFiles embed.FS

type catalog struct {
	bundle     *goi18n.Bundle
	localizers map[string]*goi18n.Localizer
	// plain keeps what a message without template data says in a
	// language (by language, then id): the catalog never changes after
	// load, and looking a message up matches languages each time, which
	// made translation the largest cost of rendering a long table. Plain
	// maps keyed in two steps, so a lookup builds and boxes no key.
	plainMu sync.RWMutex
	plain   map[string]map[string]string // lang → id → text
}

// plainText returns what id says in lang without data, and whether it was
// looked up before.
func (c *catalog) plainText(lang, id string) (string, bool) {
	c.plainMu.RLock()
	s, ok := c.plain[lang][id]
	c.plainMu.RUnlock()
	return s, ok
}

func (c *catalog) keepPlain(lang, id, s string) {
	c.plainMu.Lock()
	defer c.plainMu.Unlock()
	if c.plain == nil {
		c.plain = map[string]map[string]string{}
	}
	if c.plain[lang] == nil {
		c.plain[lang] = map[string]string{}
	}
	c.plain[lang][id] = s
}

// load parses every embedded message file once. A broken file is a
// programming error caught by Load at start and by the package tests.
var load = sync.OnceValues(func() (*catalog, error) {
	b := goi18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	files, err := fs.Glob(localeFiles, "locales/*.toml")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if _, err := b.LoadMessageFileFS(localeFiles, f); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", path.Base(f), err)
		}
	}
	c := &catalog{bundle: b, localizers: map[string]*goi18n.Localizer{}}
	for _, l := range Langs {
		c.localizers[l] = goi18n.NewLocalizer(b, l, EN)
	}
	return c, nil
})

// Load parses the catalog and reports the first broken file, so a bad
// translation stops the server at start rather than showing message ids.
func Load() error {
	_, err := load()
	return err
}

type langKey struct{}

// WithLang returns ctx carrying lang (TH or EN; anything else means TH).
func WithLang(ctx context.Context, lang string) context.Context {
	return context.WithValue(ctx, langKey{}, Normalize(lang))
}

// Lang returns the language carried by ctx, TH when none.
func Lang(ctx context.Context) string {
	if l, ok := ctx.Value(langKey{}).(string); ok {
		return l
	}
	return TH
}

// Normalize maps a language code to TH or EN, TH for anything unknown.
func Normalize(lang string) string {
	if strings.HasPrefix(strings.ToLower(lang), EN) {
		return EN
	}
	return TH
}

// Other returns the language that is not lang.
func Other(lang string) string {
	if lang == EN {
		return TH
	}
	return EN
}

// T returns message id in the language of ctx, falling back to English and
// then to the id itself. data fills the message's placeholders.
func T(ctx context.Context, id string, data ...map[string]any) string {
	return TLang(Lang(ctx), id, data...)
}

// TLang is T for an explicit language.
func TLang(lang, id string, data ...map[string]any) string {
	c, err := load()
	if err != nil {
		return id
	}
	if len(data) == 0 {
		if s, ok := c.plainText(lang, id); ok {
			return s
		}
		s := c.localize(lang, id, nil)
		c.keepPlain(lang, id, s)
		return s
	}
	return c.localize(lang, id, data[0])
}

// localize looks id up in lang's localizer, filling data (nil: none).
func (c *catalog) localize(lang, id string, data map[string]any) string {
	l, ok := c.localizers[lang]
	if !ok {
		l = c.localizers[TH]
	}
	cfg := &goi18n.LocalizeConfig{MessageID: id}
	if data != nil {
		cfg.TemplateData = phrasesIn(lang, data)
	}
	s, err := l.Localize(cfg)
	if err != nil || s == "" {
		return id
	}
	return s
}

// A placeholder value with a CatalogID method is itself a message (a
// status name, say): it is shown in the language of the sentence around it.
type phrase interface{ CatalogID() string }

// phrasesIn returns data with every phrase translated into lang; data
// itself is shared by both languages and stays as it is.
func phrasesIn(lang string, data map[string]any) map[string]any {
	var out map[string]any
	for k, v := range data {
		p, ok := v.(phrase)
		if !ok {
			continue
		}
		if out == nil {
			out = make(map[string]any, len(data))
			for k2, v2 := range data {
				out[k2] = v2
			}
		}
		out[k] = TLang(lang, p.CatalogID())
	}
	if out == nil {
		return data
	}
	return out
}

// Pair returns message id in the language of ctx and in the other one, for
// the places (errors, refusals) where a person must understand either way.
func Pair(ctx context.Context, id string, data ...map[string]any) (string, string) {
	lang := Lang(ctx)
	return TLang(lang, id, data...), TLang(Other(lang), id, data...)
}

// Has reports whether id exists in the English catalog.
func Has(id string) bool {
	return TLang(EN, id) != id
}

// Match picks TH or EN from an Accept-Language header: the first of the two
// the browser lists, Thai when it lists neither.
func Match(acceptLanguage string) string {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil {
		return TH
	}
	for _, t := range tags {
		base, _ := t.Base()
		switch base.String() {
		case TH:
			return TH
		case EN:
			return EN
		}
	}
	return TH
}
