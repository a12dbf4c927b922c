package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// thaiDataLiterals are the Thai string literals that are data, not words
// for people, by file (slash-separated, from the module root).
var thaiDataLiterals = map[string][]string{
	// A second store's name in the test wiring: Thai on purpose, so pages
	// are seen to carry Thai names.
	"web/webtest/webtest.go": {"ร้านที่สอง"},
}

// thaiDataRunes are files whose Thai rune literals are data: the Kedmanee
// keyboard's digit row, mapped back to the digits a scanner meant.
var thaiDataRunes = map[string]bool{"payments/barcode.go": true}

// isThaiLetter reports whether r is a Thai letter or sign; the baht sign
// (a currency symbol) and Thai digits are not words.
func isThaiLetter(r rune) bool {
	return r >= 0x0E01 && r <= 0x0E4F && r != '฿'
}

// Every sentence people read lives in the catalogs: no Go file outside
// i18n and the Omise simulator (tests aside) holds Thai words in a string
// or rune literal, except the data listed above.
func TestNoThaiWordsInGoCode(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			switch {
			case rel != "." && strings.HasPrefix(d.Name(), "."), d.Name() == "testdata", d.Name() == "node_modules",
				rel == "i18n", rel == "omise/sim":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || (lit.Kind != token.STRING && lit.Kind != token.CHAR) {
				return true
			}
			s := lit.Value
			if lit.Kind == token.STRING {
				if u, err := strconv.Unquote(lit.Value); err == nil {
					s = u
				}
			}
			if !strings.ContainsFunc(s, isThaiLetter) {
				return true
			}
			if lit.Kind == token.CHAR && thaiDataRunes[rel] {
				return true
			}
			for _, allowed := range thaiDataLiterals[rel] {
				if s == allowed {
					return true
				}
			}
			t.Errorf("%s: Thai words in Go code (put the sentence in i18n/locales): %s", fset.Position(lit.Pos()), lit.Value)
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("only %d Go files checked from %s: is the walk looking at the module?", checked, root)
	}
}
