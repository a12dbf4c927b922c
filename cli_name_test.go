package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"instore/db"
)

// user add --name gives the account a display name (Thai or English,
// trimmed); one too long is refused before any password is read.
func TestCLIUserAddName(t *testing.T) {
	path := t.TempDir() + "/cli.db"
	env := envMap(map[string]string{"INSTORE_DB": path})
	var out bytes.Buffer
	err := run(context.Background(), splitArgs("user add --username ops --role admin --name ' สมศักดิ์ ดูแลระบบ '"), env, strings.NewReader("a-long-password\n"), &out)
	if err != nil {
		t.Fatalf("user add --name: %v (%s)", err, out.String())
	}
	err = run(context.Background(), splitArgs("user add --username ops2 --role admin --name "+strings.Repeat("ก", 61)), env, strings.NewReader("a-long-password\n"), &out)
	if err == nil || !strings.Contains(err.Error(), "--name") {
		t.Fatalf("a name of 61 characters: %v", err)
	}
	d, err := db.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	u, err := d.GetUserByUsername(context.Background(), "ops")
	if err != nil || u.DisplayName != "สมศักดิ์ ดูแลระบบ" {
		t.Fatalf("stored %+v %v", u, err)
	}
	if _, err := d.GetUserByUsername(context.Background(), "ops2"); err == nil {
		t.Fatal("the refused user was created")
	}
}
