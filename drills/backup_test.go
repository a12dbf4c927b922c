package drills

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"instore/db"
	"instore/omise"
)

// TestBackupWhileWriting: `instore backup PATH` copies the database while
// the server is taking a storm of webhooks (each one a committed charge
// change). The copy opens, passes integrity_check and holds every charge
// whose webhook had been acknowledged before the backup started.
func TestBackupWhileWriting(t *testing.T) {
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
	client, err := omise.New(omise.Config{BaseURL: omiseURL, PublicKey: "pkey_test_demo", SecretKey: "skey_test_demo"})
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

	// The storm runs while the backup is taken; the acknowledged set is
	// read the moment the backup starts.
	var (
		mu        sync.Mutex
		before    map[string]bool
		ackedNow  = map[string]bool{}
		stormDone = make(chan struct{})
		backupErr error
		backupOut []byte
	)
	dest := filepath.Join(dir, "copy.db")
	go func() {
		defer close(stormDone)
		ok := storm(p.URL, evs, 2500*time.Millisecond, func() {})
		mu.Lock()
		for id := range ok {
			ackedNow[id] = true
		}
		mu.Unlock()
	}()
	time.Sleep(1000 * time.Millisecond)
	// Everything acknowledged up to now was committed before the backup's
	// read transaction began.
	before = ackedBefore(t, dbPath)
	cmd := exec.Command(bin, "backup", dest)
	cmd.Env = append(os.Environ(), env...)
	backupOut, backupErr = cmd.CombinedOutput()
	<-stormDone
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
	t.Logf("backup holds %d charges; %d were committed before it started; %d deliveries acknowledged in all", n, len(before), len(ackedNow))
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

// ackedBefore reads, from the live file, the charges already stored: the
// set a backup started now must contain.
func ackedBefore(t *testing.T, dbPath string) map[string]bool {
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
