package db

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"instore/db/dbtest"
)

// seedCopySource fills a SQLite file with a little of everything a shop
// writes: stores, terminals, a group, users, sessions, settings, till
// attempts, charges (seeded past one INSERT batch, and some changed
// through the application's own path), refunds, events with a binary
// body, and the audit rows all of that leaves.
func seedCopySource(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	d, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, s := range []Store{
		{StoreID: "s1", StoreName: "ร้านกาแฟ สาขาหนึ่ง", Methods: []string{SourceBarcodeAlipay, SourceAlipayPlusUPM}, ConfirmAbove: 250000},
		{StoreID: "s2", StoreName: "Shop Two", Methods: []string{SourceBarcodeAlipay}, ConfirmAbove: DefaultConfirmAbove},
	} {
		if _, err := d.CreateStore(ctx, CLI, s); err != nil {
			t.Fatal(err)
		}
		for _, term := range []string{"POS-01", "POS-02"} {
			if _, err := d.CreateTerminal(ctx, CLI, Terminal{StoreID: s.StoreID, TerminalID: term, Label: "เคาน์เตอร์"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	g, err := d.CreateStoreGroup(ctx, CLI, "Bangkok North", []string{"s1", "s2"})
	if err != nil {
		t.Fatal(err)
	}
	hash, err := HashPassword("a-long-password")
	if err != nil {
		t.Fatal(err)
	}
	var cashier *User
	for _, nu := range []NewUser{
		{Username: "root", Role: RoleAdmin},
		{Username: "somchai", DisplayName: "สมชาย", Role: RoleCashier, StoreID: "s1"},
		{Username: "north", Role: RoleFinance, GroupID: g.ID},
		{Username: "head", Role: RoleManager, AllStores: true},
	} {
		nu.PasswordHash = hash
		u, err := d.CreateUser(ctx, CLI, nu)
		if err != nil {
			t.Fatal(err)
		}
		if u.Role == RoleCashier {
			cashier = u
		}
	}
	at := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	if err := d.CreateSession(ctx, "sess-hash", cashier.ID, "192.0.2.7", "Mozilla/5.0", at, at.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := d.SetSetting(ctx, "note", "ค่าที่ตั้งไว้"); err != nil {
		t.Fatal(err)
	}
	statuses := []string{"successful", "successful", "successful", "failed", "expired", "pending"}
	err = d.SeedCharges(ctx, 1234, func(i int, c *Charge) {
		c.ID = fmt.Sprintf("chrg_test_%06d", i)
		c.Amount = int64(2000 + i*37%90000)
		c.Status = statuses[i%len(statuses)]
		if c.Status == "successful" {
			c.Fee = c.Amount * 365 / 10000
			c.FeeVat = c.Fee * 7 / 100
			c.Net = c.Amount - c.Fee - c.FeeVat
			c.FeeUnknown = i%50 == 0
		}
		c.CreatedAt = at.Add(-time.Duration(i) * 97 * time.Minute)
		c.BkkDay = c.CreatedAt.Add(7 * time.Hour).Format("2006-01-02")
		c.StoreID, c.TerminalID = []string{"s1", "s2"}[i%2], []string{"POS-01", "POS-02"}[i/2%2]
		c.SourceType, c.Cashier = SourceBarcodeAlipay, "somchai"
		c.BarcodeMasked = fmt.Sprintf("28••%04d", i)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		if err := InsertAttemptTx(ctx, tx, &Attempt{AttemptID: "att_1", StoreID: "s1", TerminalID: "POS-01", UserID: cashier.ID,
			Cashier: "somchai", Amount: 45000, Currency: "THB", SourceType: SourceBarcodeAlipay, BarcodeMasked: "28••1234",
			BarcodeHash: "h1", Status: "pending", CreatedAt: at, UpdatedAt: at}); err != nil {
			return err
		}
		c := &Charge{ID: "chrg_test_paid", Amount: 45000, Currency: "THB", Status: "pending", StoreID: "s1", TerminalID: "POS-01",
			AttemptID: "att_1", SourceType: SourceBarcodeAlipay, Metadata: `{"note":"ชา"}`, CreatedAt: at, BkkDay: "2026-11-28", UpdatedAt: at, SyncedAt: at}
		if err := PutChargeTx(ctx, tx, nil, c); err != nil {
			return err
		}
		paid := *c
		paid.Status, paid.Fee, paid.FeeVat, paid.Net, paid.PaidAt = "successful", 1643, 115, 45000-1643-115, &at
		if err := PutChargeTx(ctx, tx, c, &paid); err != nil {
			return err
		}
		refunded := paid
		refunded.RefundedAmount = 10000
		if err := PutChargeTx(ctx, tx, &paid, &refunded); err != nil {
			return err
		}
		if _, err := PutRefundTx(ctx, tx, &Refund{ID: "rfnd_test_1", ChargeID: "chrg_test_paid", Amount: 10000, Currency: "THB",
			Status: "closed", Reason: "customer", Note: "ทอนผิด", CreatedBy: "somchai", Metadata: "{}", CreatedAt: at.Add(time.Hour),
			BkkDay: "2026-11-28", UpdatedAt: at.Add(time.Hour)}, "s1", "POS-01"); err != nil {
			return err
		}
		// A body that is not UTF-8 must arrive byte for byte.
		return InsertEventTx(ctx, tx, &OmiseEvent{ID: "evnt_test_1", Key: "charge.complete", ChargeID: "chrg_test_paid",
			Signature: "valid", Raw: []byte{0xff, 0x00, '{', 0xfe, '}'}, ReceivedAt: at})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Audit(ctx, AuditEntry{At: at, Username: "root", Role: "admin", Action: "charge.expire", Target: "chrg_test_000005", Result: "ok", Detail: "ทดสอบ"}); err != nil {
		t.Fatal(err)
	}
}

// copyReads is what the application reads from a database, for comparing
// a copy with its source.
func copyReads(t *testing.T, d *DB) map[string]any {
	t.Helper()
	ctx := context.Background()
	out := map[string]any{}
	add := func(name string, v any, err error) {
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = v
	}
	page, cursor, err := d.ListCharges(ctx, ChargeFilter{Limit: 200})
	add("charges", page, err)
	out["cursor"] = cursor
	all, err := d.ChargeTotals(ctx, ChargeFilter{})
	add("totals (month rollup)", all, err)
	nov, err := d.ChargeTotals(ctx, ChargeFilter{FromDay: "2026-11-03", ToDay: "2026-11-28",
		From: time.Date(2026, 11, 2, 17, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 28, 17, 0, 0, 0, time.UTC)})
	add("totals (day rollup)", nov, err)
	s1, err := d.ChargeTotals(ctx, ChargeFilter{StoreID: "s1", AmountMin: 30000})
	add("totals (rows)", s1, err)
	days, err := d.ListDailyRows(ctx, FinanceFilter{FromDay: "2026-01-01", ToDay: "2026-12-31"})
	add("daily rows", days, err)
	users, err := d.ListUsers(ctx)
	add("users", users, err)
	stores, err := d.ListStores(ctx)
	add("stores", stores, err)
	groups, err := d.ListStoreGroups(ctx)
	add("groups", groups, err)
	terms, err := d.ListTerminals(ctx, "s1")
	add("terminals", terms, err)
	audit, err := d.ListAudit(ctx, AuditFilter{Limit: 100})
	add("audit", audit, err)
	refunds, err := d.ListRefunds(ctx, "chrg_test_paid")
	add("refunds", refunds, err)
	events, err := d.ListEvents(ctx, EventFilter{Limit: 10})
	add("events", events, err)
	sess, err := d.GetSession(ctx, "sess-hash")
	add("session", sess, err)
	note, err := d.GetSetting(ctx, "note")
	add("setting", note, err)
	var raw []byte
	err = d.R.QueryRowContext(ctx, `SELECT raw FROM omise_events WHERE id = 'evnt_test_1'`).Scan(&raw)
	add("event body", raw, err)
	return out
}

func fileBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A SQLite shop copied into PostgreSQL reads the same through every list
// and total of the application, the figures of both sides are equal, the
// source file is unchanged, a second copy into the now full target is
// refused, and new rows get fresh ids.
func TestCopySQLiteToPostgres(t *testing.T) {
	dbtest.RequirePostgres(t)
	t.Parallel()
	ctx := context.Background()
	srcPath := filepath.Join(t.TempDir(), "shop.db")
	seedCopySource(t, srcPath)
	before := fileBytes(t, srcPath)

	dst, err := Open(ctx, dbtest.Source(t, "copy"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dst.Close() })
	indexes := func() []string {
		t.Helper()
		rows, err := dst.R.QueryContext(ctx, `SELECT indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		return out
	}
	indexesBefore := indexes()
	var last CopyProgress
	finished := map[string]int64{}
	rep, err := CopySQLite(ctx, srcPath, dst, CopyOptions{Progress: func(p CopyProgress) {
		last = p
		switch {
		case p.Indexes && p.Finished:
			finished["(indexes)"] = p.Rows
		case p.Finished:
			finished[p.Table] = p.Rows
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, fileBytes(t, srcPath)) {
		t.Fatal("the copy changed its source file")
	}
	if after := indexes(); rep.Indexes < 20 || !reflect.DeepEqual(after, indexesBefore) {
		t.Fatalf("%d indexes rebuilt; before the copy:\n%s\nafter:\n%s", rep.Indexes, strings.Join(indexesBefore, "\n"), strings.Join(after, "\n"))
	}
	if !last.Finished || !last.Indexes || finished["charges"] != 1235 || len(finished) != len(rep.Tables)+1 {
		t.Fatalf("progress: last %+v, finished %v", last, finished)
	}
	// Foreign keys first: a table comes after those it refers to.
	pos := map[string]int{}
	for i, name := range rep.Tables {
		pos[name] = i
	}
	for _, pair := range [][2]string{{"stores", "terminals"}, {"store_groups", "users"}, {"users", "user_sessions"},
		{"charges", "refunds"}, {"users", "checkout_attempts"}, {"display_devices", "display_pairing_codes"}} {
		if pos[pair[0]] > pos[pair[1]] {
			t.Fatalf("%s copied after %s: %v", pair[0], pair[1], rep.Tables)
		}
	}
	want := map[string]bool{"charges.amount": false, "charges.refunded_amount": false, "charges.fee_vat": false,
		"daily_totals.gross": false, "monthly_totals.net": false, "refunds.amount": false, "omise_events.raw": false}
	for _, c := range rep.Checks {
		if !c.Equal() {
			t.Errorf("%s.%s: source %d, target %d", c.Table, c.Column, c.Source, c.Target)
		}
		if _, ok := want[c.Table+"."+c.Column]; ok && c.Source != 0 {
			want[c.Table+"."+c.Column] = true
		}
	}
	for k, seen := range want {
		if !seen {
			t.Errorf("no non-zero check of %s", k)
		}
	}

	src, err := Open(ctx, srcPath)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	a, b := copyReads(t, src), copyReads(t, dst)
	for k := range a {
		if !reflect.DeepEqual(a[k], b[k]) {
			t.Errorf("%s differs:\nSQLite     %#v\nPostgreSQL %#v", k, a[k], b[k])
		}
	}

	_, err = CopySQLite(ctx, srcPath, dst, CopyOptions{})
	var full *TargetNotEmptyError
	if !errors.As(err, &full) || !strings.Contains(err.Error(), "charges") || !strings.Contains(err.Error(), "users") {
		t.Fatalf("second copy: %v", err)
	}

	// Identity sequences continue after the copied ids, and the month
	// rollup's trigger is on again.
	hash, _ := HashPassword("a-long-password")
	u, err := dst.CreateUser(ctx, CLI, NewUser{Username: "newcomer", Role: RoleAdmin, PasswordHash: hash})
	if err != nil {
		t.Fatalf("a user after the copy: %v", err)
	}
	if u.ID != 5 {
		t.Fatalf("new user id %d, want 5", u.ID)
	}
	at := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	before2, err := dst.ChargeTotals(ctx, ChargeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	putCharge(t, dst, nil, &Charge{ID: "chrg_after", Amount: 7000, Currency: "THB", Status: "successful", StoreID: "s2",
		TerminalID: "POS-01", Metadata: "{}", CreatedAt: at, BkkDay: "2026-12-06", UpdatedAt: at, SyncedAt: at})
	after, err := dst.ChargeTotals(ctx, ChargeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if after.Amount != before2.Amount+7000 || after.Count != before2.Count+1 {
		t.Fatalf("totals after a new charge: %+v, before %+v", after, before2)
	}

	if _, err := dst.W.ExecContext(ctx, `UPDATE audit_log SET detail = 'changed'`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("the audit log's append-only trigger after the copy: %v", err)
	}

	// --replace: the target is emptied first, in the same transaction.
	rep, err = CopySQLite(ctx, srcPath, dst, CopyOptions{Replace: true})
	if err != nil || len(rep.Differences()) > 0 {
		t.Fatalf("copy with Replace: %v %v", err, rep)
	}
	if _, err := dst.GetUserByUsername(ctx, "newcomer"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Replace kept the target's own user: %v", err)
	}
}

// What the copy refuses: a source of another schema version, a table on
// one side only, and a target that differs from the source once written,
// in which case the target keeps nothing.
func TestCopySQLiteRefuses(t *testing.T) {
	dbtest.RequirePostgres(t)
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	srcPath := filepath.Join(dir, "shop.db")
	seedCopySource(t, srcPath)
	dst, err := Open(ctx, dbtest.Source(t, "copy"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dst.Close() })

	if _, err := CopySQLite(ctx, filepath.Join(dir, "missing.db"), dst, CopyOptions{}); err == nil {
		t.Fatal("a missing source was accepted")
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); err == nil {
		t.Fatal("the copy created the missing source")
	}

	change := func(path, stmt string) string {
		t.Helper()
		other := filepath.Join(dir, path)
		if err := os.WriteFile(other, fileBytes(t, srcPath), 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := sql.Open(driverName, bareDSN(other))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
		return other
	}
	old := change("old.db", `DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)`)
	var ver *SourceVersionError
	if _, err := CopySQLite(ctx, old, dst, CopyOptions{}); !errors.As(err, &ver) || ver.Have >= ver.Want {
		t.Fatalf("an older source: %v", err)
	}
	extra := change("extra.db", `CREATE TABLE extra (id INTEGER PRIMARY KEY)`)
	if _, err := CopySQLite(ctx, extra, dst, CopyOptions{}); err == nil || !strings.Contains(err.Error(), "table extra is in the SQLite file only") {
		t.Fatalf("a table on one side only: %v", err)
	}

	// A rule on the target (not a trigger, which the copy turns off) adds
	// rows the source lacks: the checks see it and nothing is kept.
	if _, err := dst.W.ExecContext(ctx, `CREATE RULE copy_test_extra AS ON INSERT TO settings DO ALSO
		INSERT INTO login_throttle (key, failures, window_start, expires_at) VALUES ('rule:' || NEW.key, 1, 'x', 'x')`); err != nil {
		t.Fatal(err)
	}
	rep, err := CopySQLite(ctx, srcPath, dst, CopyOptions{})
	if !errors.Is(err, ErrCopyDiffers) || rep == nil {
		t.Fatalf("a target that differs: %v", err)
	}
	diff := rep.Differences()
	if len(diff) == 0 || diff[0].Table != "login_throttle" || diff[0].Kind != CheckRows || diff[0].Source != 0 || diff[0].Target != 1 {
		t.Fatalf("differences: %+v", diff)
	}
	n, err := dst.CountCharges(ctx)
	if err != nil || n != 0 {
		t.Fatalf("the target kept %d charges (%v) of a copy that differed", n, err)
	}
}
