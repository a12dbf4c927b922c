package main

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"instore/db"
)

// Groups and scoped users by the command line, as a new user would type them.
func TestCLIGroupsAndScopes(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "cli.db")
	env := envMap(map[string]string{"INSTORE_DB": dbPath})
	steps := []struct {
		args, stdin, wantErr, out string
	}{
		{"terminal add --store-id a --store-name A --terminal-id T1", "", "", "added terminal"},
		{"terminal add --store-id b --store-name B --terminal-id T1", "", "", "added terminal"},
		{"terminal add --store-id c --store-name C --terminal-id T1", "", "", "added terminal"},
		{"group add --stores a,b", "", "needs --name", ""},
		{"group add --name 'North' --stores a,nope", "", "--stores", ""},
		{"group add --name 'North' --stores 'a, b'", "", "", `created group "North" with stores a,b`},
		{"group add --name north --stores c", "", "--name", ""},
		{"user add --username fin --role finance --group North", "a-long-password\n", "", "created user fin (finance)"},
		{"user add --username head --role finance --all-stores", "a-long-password\n", "", "created user head (finance)"},
		{"user add --username till --role cashier --group North", "a-long-password\n", "--group", ""},
		{"user add --username two --role manager --store a --group North", "a-long-password\n", "one of --store, --group and --all-stores", ""},
		{"user add --username ghost --role manager --group South", "a-long-password\n", "--group", ""},
		{"group list", "", "", "North\tstores=a,b\tusers=1"},
		{"group set-stores --name North --stores b,c --rename 'North East'", "", "", `group "North East" now has stores b,c`},
		{"group remove --name 'North East'", "", "--name", ""},
	}
	for _, s := range steps {
		var out strings.Builder
		err := run(context.Background(), splitArgs(s.args), env, strings.NewReader(s.stdin), &out)
		switch {
		case s.wantErr == "" && err != nil:
			t.Fatalf("%s: %v\n%s", s.args, err, out.String())
		case s.wantErr != "" && (err == nil || !strings.Contains(err.Error(), s.wantErr)):
			t.Fatalf("%s: err %v, want %q", s.args, err, s.wantErr)
		case !strings.Contains(out.String(), s.out):
			t.Fatalf("%s: output %q lacks %q", s.args, out.String(), s.out)
		}
	}
	d, err := db.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	fin, _ := d.GetUserByUsername(context.Background(), "fin")
	if fin == nil || fin.GroupID == 0 || !slices.Equal(fin.GroupStores, []string{"b", "c"}) {
		t.Fatalf("fin %+v", fin)
	}
	if head, _ := d.GetUserByUsername(context.Background(), "head"); head == nil || !head.AllStores {
		t.Fatalf("head %+v", head)
	}
}
