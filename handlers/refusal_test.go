package handlers

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"instore/payments"
)

// Every kind of refusal has its status, and a refusal reaches a JSON
// client in the common shape with both languages and the field.
func TestRefusalJSON(t *testing.T) {
	kinds := map[payments.Kind]int{
		payments.Invalid: 422, payments.Forbidden: 403, payments.NotFound: 404, payments.Conflict: 409,
		payments.Unavailable: 503, payments.TooMany: 429, payments.Upstream: 502,
	}
	if len(kinds) != len(refusalStatus) {
		t.Fatalf("%d kinds mapped, %d expected", len(refusalStatus), len(kinds))
	}
	for k, want := range kinds {
		if got := RefusalStatus(&payments.Refusal{Kind: k}); got != want {
			t.Errorf("%s: %d, want %d", k, got, want)
		}
	}
	e := echo.New()
	rec := httptest.NewRecorder()
	c := e.NewContext(httptest.NewRequest(http.MethodPost, "/charges/x/refunds", nil), rec)
	r := &payments.Refusal{Code: "refund_note_too_long", Field: "note", Kind: payments.Invalid, Args: map[string]any{"Max": payments.MaxRefundNote}}
	if err := RefusalJSON(c, r); err != nil {
		t.Fatal(err)
	}
	var body struct {
		Error map[string]string `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != 422 {
		t.Fatalf("%d %s %v", rec.Code, rec.Body, err)
	}
	if body.Error["code"] != "refund_note_too_long" || body.Error["field"] != "note" ||
		body.Error["message"] != "The note is too long (at most 500 characters)." || body.Error["message_th"] == "" {
		t.Fatalf("body = %v", body.Error)
	}
}
