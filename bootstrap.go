package main

import (
	"context"
	"crypto/rand"
	"fmt"

	"instore/config"
	"instore/db"
	"instore/payments"
)

// Demo data: the product spec's example store and terminals.
const (
	demoStoreID   = "store_1234"
	demoStoreName = "Some Store"
)

var demoTerminals = []string{"POS-01", "POS-02"}

// demoActor signs the audit rows of the demo seed.
var demoActor = db.Actor{Username: "demo", Role: "system"}

// bootstrap prepares a fresh database and returns lines to print beside
// the URL. In demo mode on an empty database it creates the demo store,
// its terminals and one user per role with a random password (shown this
// once). Outside demo mode, with no users, it explains how to create the
// first admin.
func bootstrap(ctx context.Context, cfg config.Config, d *db.DB) ([]string, error) {
	users, err := d.CountUsers(ctx)
	if err != nil {
		return nil, err
	}
	if !cfg.Demo {
		if users > 0 {
			return nil, nil
		}
		return []string{
			"No users yet. Create the first admin (the password is read from stdin):",
			"  printf '%s\\n' 'a-long-password' | instore user add --username admin --role admin",
			"Then add a store and its terminals: instore terminal add --store-id S --store-name N --terminal-id T",
		}, nil
	}
	stores, err := d.ListStores(ctx)
	if err != nil {
		return nil, err
	}
	if len(stores) == 0 {
		if _, err := d.CreateStore(ctx, demoActor, db.Store{StoreID: demoStoreID, StoreName: demoStoreName,
			Methods: demoMethods(cfg.SourceType), ConfirmAbove: db.DefaultConfirmAbove}); err != nil {
			return nil, fmt.Errorf("demo store: %w", err)
		}
		for _, t := range demoTerminals {
			if _, err := d.CreateTerminal(ctx, demoActor, db.Terminal{StoreID: demoStoreID, TerminalID: t, Label: t}); err != nil {
				return nil, fmt.Errorf("demo terminal: %w", err)
			}
		}
	}
	if users > 0 {
		// The passwords were shown once, on the first start; say how to
		// get back in rather than leave a demo user locked out.
		return []string{
			"Demo accounts: admin, manager, cashier, finance (passwords were shown on the first start).",
			"Forgot one? Set a new password (read from stdin): go run . user passwd NAME",
		}, nil
	}
	if _, err := d.GetStore(ctx, demoStoreID); err != nil {
		return nil, fmt.Errorf("demo users need store %s: %w", demoStoreID, err)
	}
	notes := []string{"Demo accounts (passwords are shown only now; change them after logging in):"}
	for _, r := range []db.Role{db.RoleAdmin, db.RoleManager, db.RoleCashier, db.RoleFinance} {
		pw := randomPassword()
		hash, err := db.HashPassword(pw)
		if err != nil {
			return nil, err
		}
		store := demoStoreID
		if r == db.RoleAdmin {
			store = ""
		}
		if _, err := d.CreateUser(ctx, demoActor, db.NewUser{Username: string(r), Role: r, StoreID: store, PasswordHash: hash}); err != nil {
			return nil, fmt.Errorf("demo user %s: %w", r, err)
		}
		notes = append(notes, fmt.Sprintf("  %-8s password %s", r, pw))
	}
	return notes, nil
}

// passwordAlphabet leaves out look-alikes (0/o, 1/l/i) so a password read
// off a terminal is typed right the first time.
const passwordAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// randomPassword returns 14 characters (about 69 bits) from
// passwordAlphabet, drawn without modulo bias.
func randomPassword() string {
	const n = len(passwordAlphabet)
	limit := byte(256 - 256%n)
	out := make([]byte, 0, 14)
	buf := make([]byte, 32)
	for len(out) < cap(out) {
		if _, err := rand.Read(buf); err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
		for _, b := range buf {
			if b < limit && len(out) < cap(out) {
				out = append(out, passwordAlphabet[int(b)%n])
			}
		}
	}
	return string(out)
}

// demoMethods are the demo store's payment methods: the configured one
// first (the till's default), and every QR method beside it, so a new user
// can try each kind of sale.
func demoMethods(first string) []string {
	ids := []string{first}
	for _, m := range payments.Methods() {
		if !m.Scanned() && m.ID != first {
			ids = append(ids, m.ID)
		}
	}
	return ids
}
