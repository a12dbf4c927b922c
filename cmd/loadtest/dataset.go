package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"time"

	"instore/db"
	"instore/omise"
	"instore/omise/sim"
)

// Stores and terminals every scratch database gets. Store S01 has one
// terminal per simulated till (checkout measurement); the others have ten.
const (
	benchStores       = 5
	terminalsPerStore = 10
	tillTerminals     = 50
)

// seedStores adds the bench stores and terminals through db, the way the
// CLI does, so a schema change reaches the load tool as a compile error or
// a failed write, never as a silently wrong row.
func seedStores(ctx context.Context, d *db.DB) error {
	for s := 1; s <= benchStores; s++ {
		sid := fmt.Sprintf("S%02d", s)
		if _, err := d.UpsertStore(ctx, db.CLI, db.Store{StoreID: sid, StoreName: "Bench store " + sid,
			Methods: []string{omise.SourceBarcodeAlipay}}); err != nil {
			return fmt.Errorf("seed store: %w", err)
		}
		n := terminalsPerStore
		if s == 1 {
			n = tillTerminals
		}
		for t := 1; t <= n; t++ {
			_, err := d.CreateTerminal(ctx, db.CLI, db.Terminal{StoreID: sid, TerminalID: fmt.Sprintf("T%02d", t),
				Label: fmt.Sprintf("Till %d", t)})
			if err != nil && !errors.Is(err, db.ErrExists) {
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
	return seedStores(ctx, d)
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

// buildChargesDB fills a fresh database (file, or empty PostgreSQL schema) with rows final charges spread over
// the last 365 days, and their daily_totals, through db.SeedCharges.
func buildChargesDB(ctx context.Context, path string, rows int) error {
	if !db.IsPostgresURL(path) {
		os.Remove(path)
	}
	d, err := db.Open(ctx, path)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := seedStores(ctx, d); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(8, 8))
	bkk := time.FixedZone("ICT", 7*3600)
	end := time.Now().UTC().Truncate(time.Second)
	span := 365 * 24 * time.Hour
	step := span / time.Duration(rows)
	// Batches bound the size of one transaction; the generator is called in
	// order, so the rows are the same whatever the batch size.
	const batch = 20000
	for done := 0; done < rows; done += batch {
		n := min(batch, rows-done)
		err := d.SeedCharges(ctx, n, func(i int, c *db.Charge) {
			i += done
			created := end.Add(-span + time.Duration(i)*step)
			amount := int64(2000 + rng.IntN(500000))
			c.Amount, c.Status, c.CreatedAt = amount, "successful", created
			c.StoreID = fmt.Sprintf("S%02d", 1+rng.IntN(benchStores))
			c.TerminalID = fmt.Sprintf("T%02d", 1+rng.IntN(terminalsPerStore))
			switch p := rng.IntN(100); {
			case p < 85:
				c.Fee, c.FeeVat, c.Net = sim.Fees(amount, sim.DefaultFeeRateBasisPoints)
				paid := created.Add(5 * time.Second)
				c.PaidAt = &paid
			case p < 93:
				c.Status, c.FailureCode, c.FailureMessage = "failed", "insufficient_balance", "Insufficient balance"
			default:
				c.Status = "expired"
				expired := created.Add(90 * time.Second)
				c.ExpiredAt = &expired
			}
			c.BkkDay = created.In(bkk).Format("2006-01-02")
			c.ID = fmt.Sprintf("chrg_test_%019x", rng.Uint64()>>4)
			c.SourceID, c.SourceType = "src_test_"+c.ID[10:], omise.SourceBarcodeAlipay
			c.BarcodeMasked = fmt.Sprintf("28************%04d", rng.IntN(10000))
			c.Cashier, c.TransactionID = "bench", fmt.Sprintf("txn_%d", i)
			expires := created.Add(7 * 24 * time.Hour)
			c.ExpiresAt = &expires
		})
		if err != nil {
			return fmt.Errorf("seed charges: %w", err)
		}
	}
	return nil
}

// deepCursor returns the keyset position of the charge at row offset (in
// newest-first order), for measuring a page deep in the list.
func deepCursor(ctx context.Context, path string, offset int) (at, id string, err error) {
	d, err := db.Open(ctx, path)
	if err != nil {
		return "", "", err
	}
	defer d.Close()
	c, err := d.NthNewestCharge(ctx, offset)
	if err != nil {
		return "", "", err
	}
	return db.FormatTime(c.CreatedAt), c.ID, nil
}

// productCursor encodes a keyset position the way db.ChargeCursor does.
func productCursor(at, id string) string {
	return db.ChargeCursor(&db.Charge{ID: id, CreatedAt: db.ParseTime(at)})
}
