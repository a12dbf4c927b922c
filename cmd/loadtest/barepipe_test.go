package main

import (
	"bytes"
	"database/sql"
	"encoding/base64"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"instore/omise"
)

// The bare receiver accepts what Omise (the product's Sign) signs, and
// nothing else.
func TestBareWebhookSignature(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	secret := base64.StdEncoding.EncodeToString(key)
	now := time.Unix(1764990000, 0)
	body := []byte(`{"object":"event","id":"evnt_test_1","key":"charge.complete","data":{"object":"charge","id":"chrg_test_1"}}`)
	sig, err := omise.Sign(secret, now, body)
	if err != nil {
		t.Fatal(err)
	}
	ts := "1764990000"
	if !verifyWebhookSignature(key, sig, ts, body, now.Add(time.Minute)) {
		t.Fatal("a good signature refused")
	}
	other, _ := omise.Sign(base64.StdEncoding.EncodeToString([]byte("another secret")), now, body)
	if !verifyWebhookSignature(key, other+","+sig, ts, body, now) {
		t.Error("a rotation's two signatures refused")
	}
	for name, c := range map[string]struct {
		sig, ts string
		body    []byte
		now     time.Time
	}{
		"other body":      {sig, ts, bytes.Replace(body, []byte("chrg_test_1"), []byte("chrg_test_2"), 1), now},
		"other secret":    {other, ts, body, now},
		"other timestamp": {sig, "1764990001", body, now},
		"stale":           {sig, ts, body, now.Add(6 * time.Minute)},
		"no signature":    {"", ts, body, now},
		"not hex":         {"zz" + sig[2:], ts, body, now},
	} {
		if verifyWebhookSignature(key, c.sig, c.ts, c.body, c.now) {
			t.Errorf("%s: accepted", name)
		}
	}
}

// Every waiter of the group-commit writer gets its answer, concurrent
// writes share commits, and a failed write fails only its own batch.
func TestGroupWriterAnswersEveryWaiter(t *testing.T) {
	conn, err := sql.Open("sqlite", pipelineDSN(filepath.Join(t.TempDir(), "w.db")))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	if _, err := conn.Exec(`CREATE TABLE t (i INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	w := newGroupWriter(conn)
	const n = 200
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = w.do(func(tx *sql.Tx) error {
				_, err := tx.Exec(`INSERT INTO t (i) VALUES (?)`, i)
				return err
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	var rows int
	if err := conn.QueryRow(`SELECT count(*) FROM t`).Scan(&rows); err != nil || rows != n {
		t.Fatalf("%d rows (%v), want %d", rows, err, n)
	}
	if c, ws := w.commits.Load(), w.writes.Load(); ws != n || c < 1 || c > n {
		t.Errorf("%d writes in %d commits, want %d in 1..%d", ws, c, n, n)
	}
	boom := errors.New("boom")
	if err := w.do(func(*sql.Tx) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("failed write answered %v, want boom", err)
	}
	if err := w.do(func(tx *sql.Tx) error { _, err := tx.Exec(`INSERT INTO t (i) VALUES (?)`, n); return err }); err != nil {
		t.Errorf("write after a failed batch: %v", err)
	}
}
