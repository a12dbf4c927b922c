package handlers

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"instore/db"
	"instore/omise"
)

// startRun posts /reconcile as user and waits for the run; it returns the
// run's page path.
func startRun(t *testing.T, env *financeEnv, user string, form url.Values) string {
	t.Helper()
	rec := env.do(http.MethodPost, "/reconcile", user, form)
	expectStatus(t, rec, http.StatusSeeOther)
	env.rec.Wait()
	return rec.Header().Get("Location")
}

// A reconciliation compares, per Bangkok day and store, counts and gross,
// fee, VAT, net and refunded with Omise's, and names the charges behind a
// difference; a store's finance user runs and sees that store only.
func TestReconcileFlagsMoneyByDayAndStore(t *testing.T) {
	env := newFinanceEnv(t, bkk("2025-03-01", 9, 0, 0))
	ctx := context.Background()
	day := "2025-03-01"
	bad := env.sale(bkk(day, 9, 0, 0), "store_1234", "POS-01", 10000, omise.StatusSuccessful)
	env.sale(bkk(day, 10, 0, 0), "store_1234", "POS-02", 20000, omise.StatusSuccessful)
	env.sale(bkk(day, 11, 0, 0), "store_9", "T9", 30000, omise.StatusSuccessful)
	// Our copy of one charge is off in amount and fee (a bad import, a
	// hand edit): Omise still says 10000 with a fee of 365.
	err := env.db.Tx(ctx, func(tx *sql.Tx) error {
		old, err := db.GetChargeQ(ctx, tx, bad)
		if err != nil {
			return err
		}
		c := *old
		c.Amount, c.Fee = 10100, 400
		return db.PutChargeTx(ctx, tx, old, &c)
	})
	if err != nil {
		t.Fatal(err)
	}
	env.clock.Set(bkk("2025-03-02", 9, 0, 0))

	loc := startRun(t, env, "finance", url.Values{"from": {day}, "to": {day}, "store": {"store_1234"}})
	rec := env.do(http.MethodGet, loc, "finance", nil, "Accept", "application/json")
	expectStatus(t, rec, http.StatusOK)
	var run runJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &run); err != nil {
		t.Fatal(err)
	}
	if run.StoreID != "store_1234" || run.OmiseSeen != 2 || run.LocalSeen != 2 || run.Status != db.ReconcileDone {
		t.Fatalf("store run %+v", run)
	}
	rec = env.do(http.MethodGet, loc, "finance", nil)
	expectStatus(t, rec, http.StatusOK)
	doc := parseHTML(t, rec.Body.String())
	kinds := map[string]bool{}
	doc.Find("[data-testid=reconcile-item]").Each(func(_ int, s *goquery.Selection) {
		kinds[s.AttrOr("data-charge", "")+":"+s.AttrOr("data-kind", "")] = true
	})
	if !kinds[bad+":amount"] || !kinds[bad+":fee"] || len(kinds) != 2 {
		t.Fatalf("differences %v", kinds)
	}
	days := doc.Find("[data-testid=reconcile-day]")
	if days.Length() != 1 || days.AttrOr("data-store", "") != "store_1234" || days.AttrOr("data-differs", "") != "true" {
		t.Fatalf("day rows %d %q", days.Length(), days.Text())
	}
	for col, want := range map[string]string{"gross": "true", "fee": "true", "count": "false", "successful": "false", "refunded": "false"} {
		if got := days.Find(`[data-col=`+col+`][data-side=ours]`).AttrOr("data-differs", ""); got != want {
			t.Errorf("column %s differs=%q, want %s", col, got, want)
		}
	}
	if days.Find(`[data-testid=day-charges] a[data-charge="`+bad+`"]`).Length() != 1 {
		t.Fatalf("the charge behind the difference is not named: %q", days.Find("[data-testid=day-charges]").Text())
	}
	stored, err := env.db.ListReconcileDays(ctx, run.ID)
	if err != nil || len(stored) != 1 {
		t.Fatalf("days %+v %v", stored, err)
	}
	if o, th := stored[0].Ours, stored[0].Theirs; o.Gross != 30100 || th.Gross != 30000 || o.Fee != 400+730 || th.Fee != 365+730 ||
		o.Count != 2 || th.Count != 2 || th.Net != 30000-365-26-730-51 {
		t.Fatalf("sides ours %+v theirs %+v", o, th)
	}

	// An admin's run covers every store; store_9 agrees with Omise.
	all := startRun(t, env, "admin", url.Values{"from": {day}, "to": {day}})
	doc = parseHTML(t, env.do(http.MethodGet, all, "admin", nil).Body.String())
	if n := doc.Find("[data-testid=reconcile-day]").Length(); n != 2 {
		t.Fatalf("admin run day rows %d", n)
	}
	if d := doc.Find(`[data-testid=reconcile-day][data-store=store_9]`); d.AttrOr("data-differs", "") != "false" {
		t.Fatalf("store_9 %q", d.Text())
	}

	// The store's finance user sees its own runs only: not the admin's run
	// over every store (its counts include other stores), not by id either.
	doc = parseHTML(t, env.do(http.MethodGet, "/reconcile", "finance", nil).Body.String())
	if rows := doc.Find("[data-testid=reconcile-run-row]"); rows.Length() != 1 || !strings.Contains(loc, rows.AttrOr("data-run", "?")) {
		t.Fatalf("finance sees runs %q", rows.Text())
	}
	if doc.Find("[data-testid=reconcile-store]").Length() != 0 || doc.Find("[data-testid=reconcile-store-fixed]").Length() != 1 {
		t.Fatal("finance is offered a store choice")
	}
	expectStatus(t, env.do(http.MethodGet, all, "finance", nil), http.StatusNotFound)
	expectStatus(t, env.do(http.MethodGet, all, "finance", nil, "Accept", "application/json"), http.StatusNotFound)
	expectStatus(t, env.do(http.MethodPost, all+"/resync", "finance", url.Values{}), http.StatusNotFound)
	expectStatus(t, env.do(http.MethodPost, "/reconcile", "finance", url.Values{"from": {day}, "to": {day}, "store": {"store_9"}}),
		http.StatusUnprocessableEntity)
	if rows := parseHTML(t, env.do(http.MethodGet, "/reconcile", "admin", nil).Body.String()).Find("[data-testid=reconcile-run-row]"); rows.Length() != 2 {
		t.Fatalf("admin sees %d runs", rows.Length())
	}
}
