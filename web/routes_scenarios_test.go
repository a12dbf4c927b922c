package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"instore/web/webtest"
)

// TestRouteScenarios: one request per row on an application of its own,
// with who sends it and a fragment of what must come back. New routes get
// a row here; the role matrix (TestRouteRoleMatrix) covers the rest.
func TestRouteScenarios(t *testing.T) {
	t.Parallel()
	json := "Accept: application/json"
	scenarios := []webtest.Scenario{
		{Path: "/healthz", Status: http.StatusOK},
		{Path: "/login", Status: http.StatusOK, Contains: []string{`data-testid="login-form"`, `name="_csrf"`}},
		{Name: "anonymous page goes to login", Path: "/board", Status: http.StatusFound},
		{Name: "anonymous API is 401 JSON", Path: "/api/charges", Status: http.StatusUnauthorized, Contains: []string{`"error"`}},
		{Path: "/board", Role: "manager", Status: http.StatusOK, Contains: []string{`data-testid="board"`, `data-testid="whoami"`}},
		{Path: "/board", Role: "cashier", Status: http.StatusForbidden, Contains: []string{"You do not have access to this page."}},
		{Path: "/charges", Role: "finance", Status: http.StatusOK, Contains: []string{`data-testid="charges`}},
		{Path: "/api/charges", Role: "manager", Headers: []string{json}, Status: http.StatusOK, Contains: []string{`"data"`}},
		{Path: "/api/charges", Role: "cashier", Headers: []string{json}, Status: http.StatusForbidden, Contains: []string{`"error"`}},
		{Path: "/till", Role: "cashier", Status: http.StatusOK, Contains: []string{`data-testid="till-form"`}},
		{Path: "/till", Role: "manager", Status: http.StatusForbidden},
		{Path: "/reports/daily", Role: "finance", Status: http.StatusOK},
		{Path: "/admin/users", Role: "admin", Status: http.StatusOK, Contains: []string{"manager2"}},
		{Path: "/admin/users", Role: "manager", Status: http.StatusForbidden},
		{Path: "/admin/audit", Role: "cashier", Status: http.StatusForbidden},
		{Path: "/charges", Role: "cashier", Status: http.StatusForbidden},
		{Name: "unknown page is a safe 404 with a request id", Path: "/no/such/page", Role: "manager", Status: http.StatusNotFound,
			Contains: []string{`data-testid="request-id"`}},
		{Name: "unknown API path is JSON", Path: "/api/nothing-here", Headers: []string{json}, Status: http.StatusNotFound,
			Contains: []string{`"code":"not_found"`}},
		{Name: "unknown charge", Path: "/charges/chrg_test_nothing", Role: "manager", Status: http.StatusNotFound},
		{Name: "form without CSRF token", Method: http.MethodPost, Path: "/logout", Role: "manager",
			Form: url.Values{"_csrf": {"forged"}}, Status: http.StatusForbidden},
		{Name: "sale with no code is refused before Omise", Path: "/till/charges", Role: "cashier", Headers: []string{json},
			Form:   url.Values{"attempt_id": {"6f1c2a4e-0000-4000-8000-000000000001"}, "terminal_id": {"POS-01"}, "amount": {"50"}},
			Status: http.StatusUnprocessableEntity, Contains: []string{`"barcode"`}},
		{Name: "sale on another store's terminal", Path: "/till/charges", Role: "cashier", Headers: []string{json},
			Form:   url.Values{"attempt_id": {"6f1c2a4e-0000-4000-8000-000000000002"}, "terminal_id": {"POS-99"}, "amount": {"50"}, "barcode": {"281012345678901234"}},
			Status: http.StatusForbidden},
		{Name: "webhook that is not JSON", Method: http.MethodPost, Path: "/webhooks/omise", Headers: []string{"Content-Type: application/json"},
			Status: http.StatusBadRequest, Contains: []string{`"error"`}},
	}
	for _, s := range scenarios {
		s.Run(t)
	}
}
