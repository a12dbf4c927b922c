package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"time"

	"instore/db"
	"instore/omise/sim"
)

// Stores and terminals every scratch database gets. Store S01 has one
// terminal per simulated till (checkout measurement); the others have ten.
const (
	benchStores       = 5
	terminalsPerStore = 10
	tillTerminals     = 50
)

// seedStores writes the bench stores and terminals straight into the
// schema (a load tool may; the product goes through its CLI and admin pages).
func seedStores(ctx context.Context, conn *sql.DB) error {
	now := db.FormatTime(time.Now())
	for s := 1; s <= benchStores; s++ {
		sid := fmt.Sprintf("S%02d", s)
		if _, err := conn.ExecContext(ctx, `INSERT OR IGNORE INTO stores (store_id, store_name, source_type, created_at, updated_at)
			VALUES (?, ?, 'barcode_alipay', ?, ?)`, sid, "Bench store "+sid, now, now); err != nil {
			return fmt.Errorf("seed store: %w", err)
		}
		n := terminalsPerStore
		if s == 1 {
			n = tillTerminals
		}
		for t := 1; t <= n; t++ {
			if _, err := conn.ExecContext(ctx, `INSERT OR IGNORE INTO terminals (store_id, terminal_id, label, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?)`, sid, fmt.Sprintf("T%02d", t), fmt.Sprintf("Till %d", t), now, now); err != nil {
				return fmt.Errorf("seed terminal: %w", err)
			}
		}
	}
	return nil
}

// newScratchDB creates an empty database with the product's schema (its
// embedded migrations) and the bench stores.
func newScratchDB(ctx context.Context, path string) error {
	d, err := db.Open(ctx, path)
	if err != nil {
		return err
	}
	defer d.Close()
	return seedStores(ctx, d.W)
}

// chargesDB returns a database holding rows charges, building it once in
// cacheDir and copying it to dest, so repeated runs do not pay for the load.
func chargesDB(ctx context.Context, cacheDir, repo, dest string, rows int, logf func(string, ...any)) error {
	tmpl := filepath.Join(cacheDir, fmt.Sprintf("charges-%d-%s.db", rows, schemaHash(repo)))
	if _, err := os.Stat(tmpl); err != nil {
		logf("building %s with %d charges (once; cached)...", tmpl, rows)
		t0 := time.Now()
		if err := buildChargesDB(ctx, tmpl+".tmp", rows); err != nil {
			os.Remove(tmpl + ".tmp")
			return err
		}
		if err := os.Rename(tmpl+".tmp", tmpl); err != nil {
			return err
		}
		logf("built in %.1fs", time.Since(t0).Seconds())
	}
	return copyFile(tmpl, dest)
}

// schemaHash names the migrations the cached database was built with, so a
// changed schema builds a new one instead of serving a stale file.
func schemaHash(repo string) string {
	h := sha256.New()
	files, _ := filepath.Glob(filepath.Join(repo, "db", "migrations", "*.sql"))
	sort.Strings(files)
	for _, f := range files {
		b, _ := os.ReadFile(f)
		h.Write([]byte(filepath.Base(f)))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// buildChargesDB fills a fresh database with rows final charges spread over
// the last 365 days, and their daily_totals. Indexes on charges are dropped
// during the load and rebuilt after: the same end state, much faster.
func buildChargesDB(ctx context.Context, path string, rows int) error {
	os.Remove(path)
	if err := newScratchDB(ctx, path); err != nil {
		return err
	}
	conn, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)")
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	var idx []string
	r, err := conn.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'charges' AND sql IS NOT NULL`)
	if err != nil {
		return err
	}
	var names []string
	for r.Next() {
		var name, s string
		if err := r.Scan(&name, &s); err != nil {
			r.Close()
			return err
		}
		names, idx = append(names, name), append(idx, s)
	}
	r.Close()
	for _, n := range names {
		if _, err := conn.ExecContext(ctx, `DROP INDEX "`+n+`"`); err != nil {
			return err
		}
	}
	if err := insertCharges(ctx, conn, rows); err != nil {
		return err
	}
	for _, s := range idx {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("rebuild index: %w", err)
		}
	}
	_, err = conn.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

// dayKey identifies one daily_totals row.
type dayKey struct{ day, store, terminal string }

// dayTotals mirrors the columns of daily_totals.
type dayTotals struct{ ok, failed, expired, gross, fee, vat, net int64 }

const insertChargeSQL = `INSERT INTO charges (id, livemode, amount, currency, status, failure_code, failure_message,
 fee, fee_vat, net, refunded_amount, source_id, source_type, barcode_masked, store_id, terminal_id, attempt_id,
 cashier, metadata, transaction_id, created_at, bkk_day, paid_at, expires_at, expired_at, updated_at, synced_at)
VALUES (?, 0, ?, 'THB', ?, ?, ?, ?, ?, ?, 0, ?, 'barcode_alipay', ?, ?, ?, '', 'bench', '{}', ?, ?, ?, ?, ?, ?, ?, ?)`

func insertCharges(ctx context.Context, conn *sql.DB, rows int) error {
	rng := rand.New(rand.NewPCG(8, 8))
	bkk := time.FixedZone("ICT", 7*3600)
	end := time.Now().UTC().Truncate(time.Second)
	span := 365 * 24 * time.Hour
	step := span / time.Duration(rows)
	totals := map[dayKey]*dayTotals{}
	const batch = 20000
	for done := 0; done < rows; {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		st, err := tx.PrepareContext(ctx, insertChargeSQL)
		if err != nil {
			tx.Rollback()
			return err
		}
		for i := 0; i < batch && done < rows; i, done = i+1, done+1 {
			created := end.Add(-span + time.Duration(done)*step)
			amount := int64(2000 + rng.IntN(500000))
			store := fmt.Sprintf("S%02d", 1+rng.IntN(benchStores))
			term := fmt.Sprintf("T%02d", 1+rng.IntN(terminalsPerStore))
			status, code, msg := "successful", "", ""
			var fee, vat, net int64
			var paid, expired any
			switch p := rng.IntN(100); {
			case p < 85:
				fee, vat, net = sim.Fees(amount, sim.DefaultFeeRateBasisPoints)
				paid = db.FormatTime(created.Add(5 * time.Second))
			case p < 93:
				status, code, msg = "failed", "insufficient_balance", "Insufficient balance"
			default:
				status = "expired"
				expired = db.FormatTime(created.Add(90 * time.Second))
			}
			day := created.In(bkk).Format("2006-01-02")
			id := fmt.Sprintf("chrg_test_%019x", rng.Uint64()>>4)
			ts := db.FormatTime(created)
			_, err := st.ExecContext(ctx, id, amount, status, code, msg, fee, vat, net,
				"src_test_"+id[10:], fmt.Sprintf("28************%04d", rng.IntN(10000)), store, term,
				fmt.Sprintf("txn_%d", done), ts, day, paid, db.FormatTime(created.Add(7*24*time.Hour)), expired, ts, ts)
			if err != nil {
				st.Close()
				tx.Rollback()
				return fmt.Errorf("insert charge: %w", err)
			}
			k := dayKey{day, store, term}
			t := totals[k]
			if t == nil {
				t = &dayTotals{}
				totals[k] = t
			}
			switch status {
			case "successful":
				t.ok++
				t.gross, t.fee, t.vat, t.net = t.gross+amount, t.fee+fee, t.vat+vat, t.net+net
			case "failed":
				t.failed++
			case "expired":
				t.expired++
			}
		}
		st.Close()
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for k, t := range totals {
		if _, err := tx.ExecContext(ctx, `INSERT INTO daily_totals (bkk_day, store_id, terminal_id, pending_count,
			successful_count, failed_count, expired_count, gross, fee, fee_vat, net, refund_count, refunds)
			VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, 0, 0)`, k.day, k.store, k.terminal,
			t.ok, t.failed, t.expired, t.gross, t.fee, t.vat, t.net); err != nil {
			tx.Rollback()
			return fmt.Errorf("insert daily_totals: %w", err)
		}
	}
	return tx.Commit()
}

// deepCursor returns the keyset position of the charge at row offset (in
// newest-first order), for measuring a page deep in the list.
func deepCursor(ctx context.Context, path string, offset int) (at, id string, err error) {
	conn, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return "", "", err
	}
	defer conn.Close()
	err = conn.QueryRowContext(ctx, `SELECT created_at, id FROM charges ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?`, offset).Scan(&at, &id)
	return at, id, err
}

// productCursor encodes a keyset position the way db.ChargeCursor does.
func productCursor(at, id string) string {
	return db.ChargeCursor(&db.Charge{ID: id, CreatedAt: db.ParseTime(at)})
}
