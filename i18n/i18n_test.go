package i18n

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
)

func TestCatalogLoads(t *testing.T) {
	if err := Load(); err != nil {
		t.Fatal(err)
	}
}

// parseFile returns the message ids of one locale file and their
// placeholder names.
func parseFile(t *testing.T, name string) map[string][]string {
	t.Helper()
	buf, err := localeFiles.ReadFile("locales/" + name)
	if err != nil {
		t.Fatal(err)
	}
	mf, err := goi18n.ParseMessageFileBytes(buf, name, map[string]goi18n.UnmarshalFunc{"toml": toml.Unmarshal})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out := map[string][]string{}
	placeholder := regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)
	for _, m := range mf.Messages {
		var ph []string
		for _, p := range placeholder.FindAllStringSubmatch(m.Other, -1) {
			ph = append(ph, p[1])
		}
		sort.Strings(ph)
		out[m.ID] = ph
	}
	return out
}

// Every <feature>.<lang>.toml has a twin in the other language with the
// same ids and the same placeholders.
func TestEveryIDInBothLanguages(t *testing.T) {
	files, err := fs.Glob(localeFiles, "locales/*.toml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no locale files: %v", err)
	}
	features := map[string]bool{}
	for _, f := range files {
		parts := strings.Split(filepath.Base(f), ".")
		if len(parts) != 3 || (parts[1] != TH && parts[1] != EN) {
			t.Fatalf("%s: name must be <feature>.th.toml or <feature>.en.toml", f)
		}
		features[parts[0]] = true
	}
	for feature := range features {
		th := parseFile(t, feature+".th.toml")
		en := parseFile(t, feature+".en.toml")
		for id, ph := range en {
			tph, ok := th[id]
			if !ok {
				t.Errorf("%s: %q is in English but not in Thai", feature, id)
			} else if strings.Join(ph, ",") != strings.Join(tph, ",") {
				t.Errorf("%s: %q placeholders differ: en %v, th %v", feature, id, ph, tph)
			}
		}
		for id := range th {
			if _, ok := en[id]; !ok {
				t.Errorf("%s: %q is in Thai but not in English", feature, id)
			}
		}
	}
}

// Ids written as literals in the code (T(ctx, "x.y"), Bi("x.y"), MsgID
// "x.y") must exist, so a typo fails here rather than showing an id.
func TestIDsUsedInCodeExist(t *testing.T) {
	root := ".."
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Skip("module root not found")
	}
	call := regexp.MustCompile(`(?:\bT\(ctx, |\bTLang\([a-zA-Z.]+, |\bPair\(ctx, |\bBoth\(ctx, |\bBi\(|\bM\(|MsgID: |Msg: |Refuse\([^,]+, [^,]+, )"([a-z][a-z0-9_.]*\.[a-z0-9_.]+)"`)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules" || d.Name() == "vendor") {
			return filepath.SkipDir
		}
		if d.IsDir() || strings.HasSuffix(p, "_templ.go") || strings.HasSuffix(p, "_test.go") || (!strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, ".templ")) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range call.FindAllStringSubmatch(string(b), -1) {
			if !strings.HasSuffix(m[1], ".") && !Has(m[1]) {
				t.Errorf("%s: message id %q is not in the catalog", p, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestTFallsBack(t *testing.T) {
	th := WithLang(context.Background(), TH)
	en := WithLang(context.Background(), EN)
	if got := T(th, "login.title"); got != "เข้าสู่ระบบ" {
		t.Fatalf("th: %q", got)
	}
	if got := T(en, "login.title"); got != "Log in" {
		t.Fatalf("en: %q", got)
	}
	if got := T(en, "no.such.id"); got != "no.such.id" {
		t.Fatalf("missing id: %q", got)
	}
	if got := T(th, "home.hello", map[string]any{"Name": "ann"}); got != "สวัสดี ann" {
		t.Fatalf("data: %q", got)
	}
	if got := Lang(context.Background()); got != TH {
		t.Fatalf("default lang %q", got)
	}
	if a, b := Pair(en, "login.title"); a != "Log in" || b != "เข้าสู่ระบบ" {
		t.Fatalf("pair %q %q", a, b)
	}
}

func TestMatch(t *testing.T) {
	tests := map[string]string{
		"":                                 TH,
		"en-US,en;q=0.9":                   EN,
		"th-TH,th;q=0.9,en;q=0.8":          TH,
		"fr-FR,en;q=0.5,th;q=0.4":          EN,
		"ja":                               TH,
		"garbage;;;q=x":                    TH,
		"zh-CN,zh;q=0.9,th;q=0.8,en;q=0.7": TH,
	}
	for in, want := range tests {
		if got := Match(in); got != want {
			t.Errorf("Match(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatters(t *testing.T) {
	at := time.Date(2026, 11, 25, 11, 30, 5, 0, time.UTC) // 18:30:05 in Bangkok
	th := WithLang(context.Background(), TH)
	en := WithLang(context.Background(), EN)
	if got := DateTime(th, at); got != "25 พ.ย. 2569 18:30" {
		t.Fatalf("th: %q", got)
	}
	if got := DateTime(en, at); got != "25 Nov 2026 18:30" {
		t.Fatalf("en: %q", got)
	}
	if got := DateTimeSec(en, at); got != "25 Nov 2026 18:30:05" {
		t.Fatalf("en sec: %q", got)
	}
	// 17:30 UTC on the 25th is already the 26th in Bangkok.
	if got := Date(en, time.Date(2026, 11, 25, 17, 30, 0, 0, time.UTC)); got != "26 Nov 2026" {
		t.Fatalf("day boundary: %q", got)
	}
	if got := DateTime(en, time.Time{}); got != "—" {
		t.Fatalf("zero: %q", got)
	}
	if got := Money(400000); got != "฿4,000.00" {
		t.Fatalf("money: %q", got)
	}
	if Bangkok.String() != "Asia/Bangkok" {
		t.Fatalf("zone %s", Bangkok)
	}
}
