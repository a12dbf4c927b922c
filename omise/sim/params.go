package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxBody bounds request bodies; Omise requests are small.
const maxBody = 1 << 20

// params are a request's parameters: query string merged with the body
// (form-encoded with nested brackets, or JSON). Body values win.
type params map[string]any

// parseParams reads r's query and body into params.
func parseParams(r *http.Request) (params, *Error) {
	p := params{}
	if r.URL.RawQuery != "" {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return nil, errBadParam
		}
		p.addForm(q)
	}
	if r.Body == nil || r.Body == http.NoBody {
		return p, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, errBadParam
	}
	if len(body) > maxBody {
		return nil, errRequestTooLarge
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return p, nil
	}
	ct := r.Header.Get("Content-Type")
	if strings.Contains(strings.ToLower(ct), "json") || body[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			return nil, errBadParam
		}
		for k, v := range m {
			p[k] = v
		}
		return p, nil
	}
	f, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, errBadParam
	}
	p.addForm(f)
	return p, nil
}

// addForm expands bracketed form keys: source[type]=x, metadata[a][b]=y,
// items[]=z.
func (p params) addForm(v url.Values) {
	for key, vals := range v {
		path := splitKey(key)
		for _, val := range vals {
			setPath(map[string]any(p), path, val)
		}
	}
}

// splitKey turns "a[b][c]" into ["a","b","c"] and "a[]" into ["a",""].
func splitKey(k string) []string {
	i := strings.IndexByte(k, '[')
	if i <= 0 || !strings.HasSuffix(k, "]") {
		return []string{k}
	}
	out := []string{k[:i]}
	rest := k[i:]
	for len(rest) > 0 && rest[0] == '[' {
		j := strings.IndexByte(rest, ']')
		if j < 0 {
			return []string{k}
		}
		out = append(out, rest[1:j])
		rest = rest[j+1:]
	}
	if rest != "" {
		return []string{k}
	}
	return out
}

func setPath(m map[string]any, path []string, val string) {
	head := path[0]
	if len(path) == 1 {
		m[head] = val
		return
	}
	if path[1] == "" { // list
		l, _ := m[head].([]any)
		m[head] = append(l, val)
		return
	}
	child, ok := m[head].(map[string]any)
	if !ok {
		child = map[string]any{}
		m[head] = child
	}
	setPath(child, path[1:], val)
}

// has reports whether key was sent.
func (p params) has(key string) bool { _, ok := p[key]; return ok }

// str returns key as a string; numbers and booleans are formatted.
func (p params) str(key string) string { return asString(p[key]) }

func asString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

var errNaN = errors.New("not a number")

// amount parses an integer amount. Integral JSON floats are accepted.
func asInt(v any) (int64, error) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case string:
		s = strings.TrimSpace(x)
	default:
		return 0, errNaN
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1e15 {
		return 0, errNaN
	}
	return int64(f), nil
}

// boolean reads key as a boolean ("true", "1", true).
func (p params) boolean(key string) bool {
	switch x := p[key].(type) {
	case bool:
		return x
	case string:
		b, _ := strconv.ParseBool(x)
		return b
	case json.Number:
		return x.String() == "1"
	}
	return false
}

// optString returns a nullable string param: absent or "" give nil.
func (p params) optString(key string) *string {
	s := p.str(key)
	if s == "" {
		return nil
	}
	return &s
}

// metadata returns the metadata object, or an error when it is not one.
// Absent gives an empty object. JSON numbers keep their literal form.
func (p params) metadata() (map[string]any, *Error) {
	v, ok := p["metadata"]
	if !ok || v == nil {
		return map[string]any{}, nil
	}
	if s, ok := v.(string); ok && s == "" {
		return map[string]any{}, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errMetadata
	}
	return m, nil
}
