package payments_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The domain speaks neither HTTP nor URLs: handlers parse requests into
// typed values, web maps refusals to statuses, omise/omisehttp calls Omise
// and the binary links the SQLite driver. A dependency that brings
// net/http, net/url or Echo into payments, directly or through db, omise
// or a helper package, fails here.
func TestDomainDependsOnNoHTTP(t *testing.T) {
	t.Parallel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list dependencies with")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "net/http" || dep == "net/url" || strings.HasPrefix(dep, "github.com/labstack/echo") {
			t.Errorf("payments depends on %s (go list -deps ./payments)", dep)
		}
	}
}
