package omise

import "encoding/json"

// readEventData reads what an event's data is about: its "object", "id"
// and "charge", as encoding/json reads them into eventData.
func readEventData(raw json.RawMessage) eventData {
	var d eventData
	_ = json.Unmarshal(raw, &d)
	return d
}

// readValidEventData is readEventData for data already checked to be
// valid JSON (decoding the event checked all of it). The data is a charge
// or a refund of a kilobyte or two and these are three short strings at
// its top level, so a plain shape is read by a walk over the top level
// that steps over every other value; anything else (an escape, a byte
// outside ASCII, a key that matches only ignoring case, a value that is
// not a string, data that is not an object) goes to readEventData.
func readValidEventData(raw json.RawMessage) eventData {
	if d, ok := readEventDataPlain(raw); ok {
		return d
	}
	return readEventData(raw)
}

// readEventDataPlain is the walk; ok is false when it cannot tell.
func readEventDataPlain(b []byte) (d eventData, ok bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return d, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return d, skipSpace(b, i+1) == len(b)
	}
	for {
		key, next, plain := plainString(b, i)
		if !plain {
			return d, false
		}
		i = skipSpace(b, next)
		if i >= len(b) || b[i] != ':' {
			return d, false
		}
		i = skipSpace(b, i+1)
		var dst *string
		switch string(key) {
		case "object":
			dst = &d.Object
		case "id":
			dst = &d.ID
		case "charge":
			dst = &d.Charge
		default:
			if foldsTo(key, "object") || foldsTo(key, "id") || foldsTo(key, "charge") {
				return d, false
			}
		}
		if dst != nil {
			v, next, plain := plainString(b, i)
			if !plain {
				return d, false
			}
			*dst, i = string(v), next
		} else if i, ok = skipValue(b, i); !ok {
			return d, false
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return d, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return d, skipSpace(b, i+1) == len(b)
		default:
			return d, false
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// plainString reads the string starting at b[i] when it is printable
// ASCII without escapes; next is the index after its closing quote.
func plainString(b []byte, i int) (s []byte, next int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return b[i+1 : j], j + 1, true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, 0, false
		}
	}
	return nil, 0, false
}

// skipValue steps over the value starting at b[i]: a string (escapes
// allowed), an object or array (nesting counted, strings inside stepped
// over whole), or a number or literal.
func skipValue(b []byte, i int) (next int, ok bool) {
	if i >= len(b) {
		return 0, false
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				if i, ok = skipString(b, i); !ok {
					return 0, false
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, true
				}
			}
			i++
		}
		return 0, false
	}
	start := i
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i, i > start
		case '"', '{', '[', ':':
			return 0, false
		}
		i++
	}
	return 0, false
}

func skipString(b []byte, i int) (next int, ok bool) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, true
		}
	}
	return 0, false
}

// foldsTo reports whether key, plain ASCII, is name in another case: a key
// encoding/json would match to name's field although it is not name.
func foldsTo(key []byte, name string) bool {
	if len(key) != len(name) || string(key) == name {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != name[i] {
			return false
		}
	}
	return true
}
