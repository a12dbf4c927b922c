package views

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"instore/money"
)

// AuditChange is one field of an audit entry as people read it: the value
// before and after (either may be empty), baht amounts already formatted.
type AuditChange struct {
	Field  string
	Before string
	After  string
}

// auditChanges reads the before and after snapshots (flat JSON objects)
// and lists the fields that differ, in name order. ok is false when a
// snapshot is not a JSON object; the page then shows it as stored.
func auditChanges(before, after string) (out []AuditChange, ok bool) {
	b, okB := auditObject(before)
	a, okA := auditObject(after)
	if !okB || !okA {
		return nil, false
	}
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		bv, av := auditValue(k, b[k]), auditValue(k, a[k])
		if bv == av {
			continue
		}
		out = append(out, AuditChange{Field: k, Before: bv, After: av})
	}
	return out, true
}

// auditFields lists a JSON detail object's fields with amounts in baht.
func auditFields(detail string) ([]AuditChange, bool) {
	m, ok := auditObject(detail)
	if !ok || detail == "" {
		return nil, false
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]AuditChange, 0, len(names))
	for _, k := range names {
		out = append(out, AuditChange{Field: k, After: auditValue(k, m[k])})
	}
	return out, true
}

func auditObject(s string) (map[string]json.RawMessage, bool) {
	if strings.TrimSpace(s) == "" {
		return map[string]json.RawMessage{}, true
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, false
	}
	return m, true
}

// auditValue is one stored value as text; a whole number under a field
// that holds satang (amount, refunded, fee, net, threshold…) becomes baht.
func auditValue(field string, raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		if isSatangField(field) {
			return money.FormatTHB(n)
		}
		return strconv.FormatInt(n, 10)
	}
	return string(raw)
}

func isSatangField(f string) bool {
	f = strings.ToLower(f)
	for _, w := range []string{"amount", "refunded", "refundable", "fee", "vat", "net", "gross", "threshold", "confirm_above", "satang"} {
		if strings.Contains(f, w) {
			return true
		}
	}
	return false
}
