package web

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/gorilla/securecookie"
)

// sessionValues writes the session cookie's values (string keys, string
// or int64 values: the session id, user id, epoch and CSRF token) in a
// small binary form instead of gob, the store's default. Gob sends its
// type descriptions in every cookie and decoding them was the larger part
// of reading the session on each request. The bytes are still signed and
// encrypted by securecookie; this is only their layout.
//
// Layout: 0x00 0x01, then per value: key length (uvarint), key, a type
// byte ('s' string, 'i' int64), then the string's length (uvarint) and
// bytes or the int64 (varint). Gob never starts a stream with 0x00 (that
// would be an empty message), so cookies written before this format are
// told apart and still read through gob: nobody is logged out by it.
type sessionValues struct{}

var sessionMagic = []byte{0x00, 0x01}

var errSessionValues = errors.New("web: session values are not a map of strings to strings or int64s")

func (sessionValues) Serialize(src any) ([]byte, error) {
	m, ok := src.(map[any]any)
	if !ok {
		return nil, errSessionValues
	}
	b := make([]byte, 0, 160)
	b = append(b, sessionMagic...)
	for k, v := range m {
		key, ok := k.(string)
		if !ok {
			return nil, errSessionValues
		}
		b = binary.AppendUvarint(b, uint64(len(key)))
		b = append(b, key...)
		switch v := v.(type) {
		case string:
			b = append(b, 's')
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		case int64:
			b = append(b, 'i')
			b = binary.AppendVarint(b, v)
		default:
			return nil, fmt.Errorf("%w: %q is %T", errSessionValues, key, v)
		}
	}
	return b, nil
}

func (sessionValues) Deserialize(src []byte, dst any) error {
	if !bytes.HasPrefix(src, sessionMagic) {
		return securecookie.GobEncoder{}.Deserialize(src, dst)
	}
	mp, ok := dst.(*map[any]any)
	if !ok {
		return errSessionValues
	}
	m := *mp
	if m == nil {
		m = map[any]any{}
		*mp = m
	}
	b := src[len(sessionMagic):]
	str := func() (string, bool) {
		n, w := binary.Uvarint(b)
		if w <= 0 || n > uint64(len(b)-w) {
			return "", false
		}
		s := string(b[w : w+int(n)])
		b = b[w+int(n):]
		return s, true
	}
	for len(b) > 0 {
		key, ok := str()
		if !ok || len(b) == 0 {
			return errSessionValues
		}
		kind := b[0]
		b = b[1:]
		switch kind {
		case 's':
			v, ok := str()
			if !ok {
				return errSessionValues
			}
			m[key] = v
		case 'i':
			v, w := binary.Varint(b)
			if w <= 0 {
				return errSessionValues
			}
			b = b[w:]
			m[key] = v
		default:
			return errSessionValues
		}
	}
	return nil
}
