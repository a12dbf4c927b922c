package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"instore/db"
	"instore/omise"
)

func TestReconcileFlow(t *testing.T) {
	env := newFinanceEnv(t, bkk("2025-03-01", 9, 0, 0))
	ctx := context.Background()
	day := "2025-03-01"
	env.sale(bkk(day, 9, 0, 0), "store_1234", "POS-01", 10000, omise.StatusSuccessful)
	quiet := env.sale(bkk(day, 10, 0, 0), "store_1234", "POS-01", 6000, omise.StatusPending)
	if err := env.sim.ForceStatus(quiet, omise.StatusFailed, omise.FailureTimeout); err != nil {
		t.Fatal(err)
	}
	refunded := env.sale(bkk(day, 11, 0, 0), "store_1234", "POS-01", 8000, omise.StatusSuccessful)
	if _, err := env.sim.RefundQuietly(refunded, 2000); err != nil {
		t.Fatal(err)
	}
	env.clock.Set(bkk(day, 12, 0, 0))
	lost, err := env.client.CreateCharge(ctx, omise.CreateChargeParams{Amount: 4200, Currency: "THB",
		InlineSource: &omise.CreateSourceParams{Type: omise.SourceBarcodeAlipay, Barcode: "2810000000000000123", StoreID: "store_1234", TerminalID: "POS-02"}})
	if err != nil {
		t.Fatal(err)
	}
	// A difference at another store: hidden from store_1234's finance user.
	other := env.sale(bkk(day, 13, 0, 0), "store_9", "T9", 9000, omise.StatusPending)
	if err := env.sim.ForceStatus(other, omise.StatusSuccessful, ""); err != nil {
		t.Fatal(err)
	}
	env.clock.Set(bkk("2025-03-02", 9, 0, 0))

	rec := env.do(http.MethodGet, "/reconcile", "finance", nil)
	expectStatus(t, rec, http.StatusOK)
	doc := parseHTML(t, rec.Body.String())
	if v, _ := doc.Find("[data-testid=reconcile-from]").Attr("value"); v != "2025-03-01" {
		t.Fatalf("default from %q", v)
	}

	// Bad ranges change nothing and say why in both languages.
	rec = env.do(http.MethodPost, "/reconcile", "finance", url.Values{"from": {"2025-03-05"}, "to": {"2025-03-01"}})
	expectStatus(t, rec, http.StatusUnprocessableEntity)
	if parseHTML(t, rec.Body.String()).Find("[data-testid=error-to] .alt").Length() != 1 {
		t.Fatal("no bilingual range message")
	}
	if runs, _ := env.db.ListReconcileRuns(ctx, db.AllStores, 5); len(runs) != 0 {
		t.Fatal("a refused range started a run")
	}

	rec = env.do(http.MethodPost, "/reconcile", "finance", url.Values{"from": {day}, "to": {day}})
	expectStatus(t, rec, http.StatusSeeOther)
	loc := rec.Header().Get("Location")
	if !strings.HasPrefix(loc, "/reconcile/") {
		t.Fatalf("redirect to %q", loc)
	}
	env.rec.Wait()
	rec = env.do(http.MethodGet, loc, "finance", nil, "Accept", "application/json")
	expectStatus(t, rec, http.StatusOK)
	var run runJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &run); err != nil {
		t.Fatal(err)
	}
	// A store's run counts that store's charges only (store_9's is not seen).
	if run.Status != db.ReconcileDone || run.StartedBy != "finance" || run.DaysDone != 1 || run.OmiseSeen != 4 ||
		run.StoreID != "store_1234" {
		t.Fatalf("run %+v", run)
	}

	rec = env.do(http.MethodGet, loc, "finance", nil)
	expectStatus(t, rec, http.StatusOK)
	doc = parseHTML(t, rec.Body.String())
	kinds := map[string]bool{}
	doc.Find("[data-testid=reconcile-item]").Each(func(_ int, s *goquery.Selection) {
		c, _ := s.Attr("data-charge")
		k, _ := s.Attr("data-kind")
		kinds[c+":"+k] = true
	})
	for _, want := range []string{lost.ID + ":missing_here", quiet + ":status", refunded + ":refunded", refunded + ":refund_missing_here"} {
		if !kinds[want] {
			t.Errorf("missing %s in %v", want, kinds)
		}
	}
	if kinds[other+":status"] {
		t.Error("another store's difference shown to a store-bound user")
	}
	if doc.Find("[data-testid=resync]").Length() != 1 {
		t.Fatal("no re-sync button")
	}

	rec = env.do(http.MethodPost, loc+"/resync", "finance", url.Values{})
	expectStatus(t, rec, http.StatusSeeOther)
	c, _ := env.db.GetCharge(ctx, quiet)
	if c.Status != "failed" {
		t.Fatalf("quiet charge after re-sync: %s", c.Status)
	}
	if c, _ := env.db.GetCharge(ctx, other); c.Status != "pending" {
		t.Fatalf("another store's charge re-synced by a store-bound user: %s", c.Status)
	}
	rec = env.do(http.MethodGet, loc, "finance", nil)
	doc = parseHTML(t, rec.Body.String())
	doc.Find("[data-testid=reconcile-item]").Each(func(_ int, s *goquery.Selection) {
		if r := strings.TrimSpace(s.Find("[data-testid=item-resync]").Text()); r == "" {
			t.Errorf("item without a re-sync result: %s", s.Text())
		}
	})
	if doc.Find("[data-testid=resync]").Length() != 0 {
		t.Error("re-sync still offered after everything was fixed")
	}
	audit, _ := env.db.ListAudit(ctx, db.AuditFilter{Action: "reconcile.resync"})
	if len(audit) != 3 || audit[0].Username != "finance" {
		t.Fatalf("audit %+v", audit)
	}

	// The past runs list shows who ran it.
	rec = env.do(http.MethodGet, "/reconcile", "admin", nil)
	row := parseHTML(t, rec.Body.String()).Find("[data-testid=reconcile-run-row]")
	if row.Length() != 1 || !strings.Contains(row.Text(), "finance") {
		t.Fatalf("past runs %q", row.Text())
	}
	rec = env.do(http.MethodGet, "/reconcile/999", "admin", nil)
	expectStatus(t, rec, http.StatusNotFound)
}
