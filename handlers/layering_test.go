package handlers_test

import (
	"os/exec"
	"strings"
	"testing"
)

// Handlers speak to the domain only: what an Omise status or a webhook
// signature means is payments' to say, so handlers import no omise.
func TestHandlersImportNoOmise(t *testing.T) {
	t.Parallel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list imports with")
	}
	out, err := exec.Command(goTool, "list", "-f", `{{join .Imports " "}}`, ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, imp := range strings.Fields(string(out)) {
		if imp == "instore/omise" || strings.HasPrefix(imp, "instore/omise/") {
			t.Errorf("handlers imports %s", imp)
		}
	}
}
