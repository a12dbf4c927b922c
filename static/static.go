// Package static embeds the CSS, JavaScript and images and serves them
// under content-hashed names (/static/app.3f2a9c1d.css), so a file can be
// cached for a year and a new build still reaches every browser at once.
package static

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed *.css *.js *.svg
var files embed.FS

// Prefix is where the handler is mounted.
const Prefix = "/static/"

type asset struct {
	name   string // as embedded: app.css
	hashed string // as served: app.3f2a9c1d.css
	hash   string
	body   []byte
	ctype  string
}

type index struct {
	byName   map[string]*asset
	byHashed map[string]*asset
}

// load hashes every embedded file once, on first use.
var load = sync.OnceValue(func() *index {
	ix := &index{byName: map[string]*asset{}, byHashed: map[string]*asset{}}
	entries, _ := fs.ReadDir(files, ".")
	for _, e := range entries {
		if e.IsDir() || strings.HasSuffix(e.Name(), ".go") {
			continue
		}
		body, err := files.ReadFile(e.Name())
		if err != nil {
			continue
		}
		sum := sha256.Sum256(body)
		h := hex.EncodeToString(sum[:])[:8]
		ext := path.Ext(e.Name())
		a := &asset{name: e.Name(), hash: h, body: body, hashed: strings.TrimSuffix(e.Name(), ext) + "." + h + ext, ctype: contentType(ext)}
		ix.byName[a.name] = a
		ix.byHashed[a.hashed] = a
	}
	return ix
})

func contentType(ext string) string {
	switch ext {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

// URL returns the content-hashed URL of an embedded file, e.g.
// URL("app.css") == "/static/app.3f2a9c1d.css". An unknown name gives a URL
// that answers 404, which the static tests catch.
func URL(name string) string {
	if a, ok := load().byName[name]; ok {
		return Prefix + a.hashed
	}
	return Prefix + "missing/" + name
}

// Handler serves hashed names under Prefix with immutable caching; any
// other name, including a stale hash, is 404 so that a cache never keeps
// the wrong bytes under a name.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := load().byHashed[strings.TrimPrefix(r.URL.Path, Prefix)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", a.ctype)
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		w.Header().Set("ETag", `"`+a.hash+`"`)
		http.ServeContent(w, r, a.hashed, time.Time{}, bytes.NewReader(a.body))
	})
}
