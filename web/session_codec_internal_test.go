package web

import (
	"testing"

	"github.com/gorilla/securecookie"
)

func TestSessionValuesRoundTrip(t *testing.T) {
	in := map[any]any{"sid": "abc", "uid": int64(42), "epoch": int64(-3), "csrf": "tok"}
	b, err := sessionValues{}.Serialize(in)
	if err != nil {
		t.Fatal(err)
	}
	out := map[any]any{}
	if err := (sessionValues{}).Deserialize(b, &out); err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("got %v, want %v", out, in)
	}
	for k, v := range in {
		if out[k] != v {
			t.Fatalf("%v: got %#v, want %#v", k, out[k], v)
		}
	}
	if _, err := (sessionValues{}).Serialize(map[any]any{"x": 1.5}); err == nil {
		t.Fatal("a float was serialized")
	}
	for n := range b {
		_ = sessionValues{}.Deserialize(b[:n], &map[any]any{}) // truncated: an error or fewer values, never a panic
	}
}

// A cookie written in gob before the compact form still reads, so the
// change logs nobody out.
func TestSessionValuesReadsGobCookies(t *testing.T) {
	in := map[any]any{"sid": "abc", "uid": int64(42), "epoch": int64(7), "csrf": "tok"}
	b, err := securecookie.GobEncoder{}.Serialize(in)
	if err != nil {
		t.Fatal(err)
	}
	out := map[any]any{}
	if err := (sessionValues{}).Deserialize(b, &out); err != nil {
		t.Fatal(err)
	}
	if out["sid"] != "abc" || out["uid"] != int64(42) || out["epoch"] != int64(7) || out["csrf"] != "tok" {
		t.Fatalf("got %v", out)
	}
}
