package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"instore/db"
	"instore/db/dbtest"
)

// Arguments the copy refuses before it connects to anything.
func TestCLICopyArguments(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "missing.db")
	for _, c := range []struct {
		args, wantErr string
		usage         bool
	}{
		{"copy", "copy needs --from FILE and --to", true},
		{"copy --from a.db", "copy needs --from FILE and --to", true},
		{"copy --from a.db --to postgres://x/y extra", "copy needs --from FILE and --to", true},
		{"copy --from a.db --to b.db", "--to is the PostgreSQL database to fill", false},
		{"copy --from postgres://x/y --to postgres://x/z", "--from is the SQLite file to copy", false},
		{"copy --from " + missing + " --to postgres://127.0.0.1:1/none", "no such file", false},
	} {
		var out strings.Builder
		err := run(context.Background(), splitArgs(c.args), envMap(nil), strings.NewReader(""), &out)
		if err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s: err = %v, want %q", c.args, err, c.wantErr)
		}
		if c.usage != strings.Contains(out.String(), "usage:") {
			t.Errorf("%s: usage printed = %v", c.args, !c.usage)
		}
	}
}

// instore copy fills an empty PostgreSQL database from a SQLite file,
// prints the figures of both sides, refuses a second copy into the full
// target unless told --replace, and explains an outdated source.
func TestCLICopy(t *testing.T) {
	dbtest.RequirePostgres(t)
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "shop.db")
	d, err := db.Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateStore(ctx, db.CLI, db.Store{StoreID: "s1", StoreName: "ร้านหนึ่ง", Methods: []string{"barcode_alipay"}}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	err = d.SeedCharges(ctx, 700, func(i int, c *db.Charge) {
		c.ID, c.Amount, c.Status = fmt.Sprintf("chrg_test_%04d", i), 10000, "successful"
		c.CreatedAt, c.BkkDay, c.StoreID, c.TerminalID = at, "2026-12-01", "s1", "POS-01"
	})
	d.Close()
	if err != nil {
		t.Fatal(err)
	}
	target := dbtest.Source(t, "copy")
	copyCmd := func(extra string) (string, error) {
		var out strings.Builder
		args := append(splitArgs("copy --from "+src+" --to"), target)
		if extra != "" {
			args = append(args, extra)
		}
		err := run(ctx, args, envMap(nil), strings.NewReader(""), &out)
		return out.String(), err
	}
	out, err := copyCmd("")
	if err != nil {
		t.Fatalf("copy: %v\n%s", err, out)
	}
	words := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{"charges 700 rows", "table figure SQLite PostgreSQL", "charges rows 700 700 equal",
		"charges amount ฿70,000.00 ฿70,000.00 equal", "monthly_totals gross ฿70,000.00 ฿70,000.00 equal",
		"every figure is equal", "rows/s"} {
		if !strings.Contains(words, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "DIFFERS") {
		t.Errorf("output:\n%s", out)
	}

	out, err = copyCmd("")
	if err == nil || !strings.Contains(err.Error(), "already holds rows (in audit_log, charges,") || !strings.Contains(err.Error(), "--replace") {
		t.Fatalf("second copy: %v\n%s", err, out)
	}
	if out, err = copyCmd("--replace"); err != nil || !strings.Contains(out, "every figure is equal") {
		t.Fatalf("copy --replace: %v\n%s", err, out)
	}
}
