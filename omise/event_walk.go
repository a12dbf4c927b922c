package omise

import (
	"encoding/json"
	"time"
)

// readEventPlain reads an event already checked to be valid JSON by a walk
// over its top level, as encoding/json reads it into Event. A delivered
// event is a kilobyte or more, nearly all of it the data object, which
// Event keeps raw: encoding/json steps over that object twice more after
// checking it, the walk once, quickly. It declines (ok false) whatever it
// cannot tell the same: a key or string with an escape or a byte outside
// ASCII, a key that matches a field only ignoring case, a field value of
// another type or null, data that is not an object, a time that does not
// parse.
func readEventPlain(b []byte) (e Event, ok bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return e, false
	}
	var created *time.Time
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return e, skipSpace(b, i+1) == len(b)
	}
	for {
		key, next, plain := plainString(b, i)
		if !plain {
			return e, false
		}
		i = skipSpace(b, next)
		if i >= len(b) || b[i] != ':' {
			return e, false
		}
		i = skipSpace(b, i+1)
		var dst *string
		switch string(key) {
		case "object":
			dst = &e.Object
		case "id":
			dst = &e.ID
		case "location":
			dst = &e.Location
		case "key":
			dst = &e.Key
		case "livemode":
			switch {
			case hasLiteral(b, i, "true"):
				e.Livemode, i = true, i+len("true")
			case hasLiteral(b, i, "false"):
				e.Livemode, i = false, i+len("false")
			default:
				return e, false
			}
		case "data":
			if i >= len(b) || b[i] != '{' {
				return e, false
			}
			end, ok := skipValue(b, i)
			if !ok {
				return e, false
			}
			e.Data, i = append(json.RawMessage(nil), b[i:end]...), end
		case "created_at", "created":
			_, end, plain := plainString(b, i)
			if !plain {
				return e, false
			}
			var t time.Time
			if t.UnmarshalJSON(b[i:end]) != nil {
				return e, false
			}
			if string(key) == "created_at" {
				e.CreatedAt = t
			} else {
				created = &t
			}
			i = end
		default:
			for _, name := range eventFields {
				if foldsTo(key, name) {
					return e, false
				}
			}
			if i, ok = skipValue(b, i); !ok {
				return e, false
			}
		}
		if dst != nil {
			v, next, plain := plainString(b, i)
			if !plain {
				return e, false
			}
			*dst, i = string(v), next
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return e, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			useLegacyCreated(&e.CreatedAt, created)
			return e, skipSpace(b, i+1) == len(b)
		default:
			return e, false
		}
	}
}

// eventFields are the keys encoding/json decodes into an Event.
var eventFields = []string{"object", "id", "livemode", "location", "key", "data", "created_at", "created"}

// hasLiteral reports whether the value at b[i] is the literal lit.
func hasLiteral(b []byte, i int, lit string) bool {
	end := i + len(lit)
	if end > len(b) || string(b[i:end]) != lit {
		return false
	}
	return end == len(b) || !isLiteralByte(b[end])
}

func isLiteralByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '+'
}
