package omise

import (
	"encoding/json"
	"errors"
)

// DecodeObject decodes an API answer into out (a *Source, *Charge, *Refund,
// *Event or a *List of them) and checks that it is the object asked for;
// anything else (an HTML page from a proxy, an error object with status
// 200) means the caller cannot tell what happened. Its errors never quote
// the body.
func DecodeObject(body []byte, want string, out any) error {
	if err := unmarshal(body, out); err != nil {
		return errors.New("cannot decode " + want + ": " + typeErrorText(err))
	}
	if got := objectOf(out); got != want {
		return errors.New("response object is " + quoteShort(got) + ", want " + want)
	}
	return nil
}

// unmarshal is json.Unmarshal, except that an object with a decoding
// method of its own is handed the body directly: through json.Unmarshal
// the body would be checked and scanned twice more before the method runs.
func unmarshal(body []byte, out any) error {
	switch v := out.(type) {
	case *Charge:
		return v.UnmarshalJSON(body)
	case *Event:
		return v.UnmarshalJSON(body)
	case *Refund:
		return v.UnmarshalJSON(body)
	}
	return json.Unmarshal(body, out)
}

// objectOf returns the "object" field of a decoded response.
func objectOf(v any) string {
	switch v := v.(type) {
	case *Source:
		return v.Object
	case *Charge:
		return v.Object
	case *Refund:
		return v.Object
	case *Event:
		return v.Object
	case *List[Charge]:
		return v.Object
	case *List[Refund]:
		return v.Object
	case *List[Event]:
		return v.Object
	}
	return ""
}

// quoteShort quotes s, cut to a length that cannot smuggle a body into an error.
func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return `"` + s + `"`
}

// typeErrorText describes a JSON decode failure without quoting the input:
// json.UnmarshalTypeError names only the field and Go type, other errors
// could carry a fragment of the body.
func typeErrorText(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "field " + te.Field + " has the wrong type"
	}
	return "malformed JSON"
}
