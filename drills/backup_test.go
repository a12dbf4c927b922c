package drills

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"instore/db"
	"instore/omise"
	"instore/omise/omisehttp"
)

// TestBackupWhileWriting: `instore backup PATH` copies the database while
// the server is taking a storm of webhooks (each one a committed charge
// change). The copy opens, passes integrity_check and holds every charge
// whose webhook had been acknowledged before the backup started.
func TestBackupWhileWriting(t *testing.T) {
	t.Parallel()
	bin := instoreBinary(t)
	s, omiseURL := externalSim(t)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "live.db")
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	ctx := context.Background()
	client, err := omisehttp.New(omisehttp.Config{BaseURL: omiseURL, PublicKey: "pkey_test_demo", SecretKey: "skey_test_demo"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 600; i++ {
		oc, err := client.CreateCharge(ctx, omise.CreateChargeParams{Amount: 5000, Currency: "THB",
			InlineSource: &omise.CreateSourceParams{Type: omise.SourceBarcodeAlipay, Barcode: fmt.Sprintf("2877%010d0000", i),
				StoreID: "S1", StoreName: "Drill Store", TerminalID: "T1"}})
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if _, err := s.MarkPaid(oc.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	evs := rawEvents(t, omiseURL)
	env := serverEnv(dbPath, omiseURL)
	p := startServer(t, bin, env, logf)

	// The storm runs while the backup is taken. Once enough charges are
	// stored, the set stored so far is read: a backup started after that
	// must hold all of them.
	stop := make(chan struct{})
	stormDone := make(chan map[string]bool)
	go func() { stormDone <- stormUntil(p.URL, evs, stop) }()
	var before map[string]bool
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		before = storedCharges(t, dbPath)
		if len(before) >= 50 || time.Now().After(deadline) {
			break
		}
	}
	dest := filepath.Join(dir, "copy.db")
	cmd := exec.Command(bin, "backup", dest)
	cmd.Env = append(os.Environ(), env...)
	backupOut, backupErr := cmd.CombinedOutput()
	time.Sleep(300 * time.Millisecond) // writes go on after the copy too
	close(stop)
	acked := <-stormDone
	p.stop()
	if backupErr != nil {
		t.Fatalf("instore backup: %v\n%s", backupErr, backupOut)
	}
	if err := db.IntegrityCheck(ctx, dest); err != nil {
		t.Fatal(err)
	}
	cp, err := db.Open(ctx, dest)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	missing := 0
	for chargeID := range before {
		if _, err := cp.GetCharge(ctx, chargeID); err != nil {
			missing++
		}
	}
	n, _ := cp.CountCharges(ctx)
	t.Logf("backup holds %d charges; %d were committed before it started; %d events acknowledged in all", n, len(before), len(acked))
	if len(before) == 0 {
		t.Fatal("nothing was committed before the backup: the drill proved nothing")
	}
	if missing > 0 {
		t.Fatalf("%d charges committed before the backup are missing from it", missing)
	}
	if _, err := os.Stat(dest + ".partial"); err == nil {
		t.Fatal("a .partial file was left behind")
	}
	// A second backup to the same path is refused, not overwritten.
	cmd = exec.Command(bin, "backup", dest)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("backup over an existing file succeeded: %s", out)
	}
}

// storedCharges reads, from the live file, the charges already stored: the
// set a backup started now must contain.
func storedCharges(t *testing.T, dbPath string) map[string]bool {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	out := map[string]bool{}
	err = d.IterateCharges(ctx, db.ChargeFilter{}, func(c *db.Charge) error {
		out[c.ID] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
