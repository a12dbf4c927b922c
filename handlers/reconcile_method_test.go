package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"instore/omise"
)

// A run's differences are split by the method of the charge each is
// about, and each difference names its method.
func TestReconcileSplitsDifferencesByMethod(t *testing.T) {
	env := newFinanceEnv(t, bkk("2025-03-01", 9, 0, 0))
	ctx := context.Background()
	day := "2025-03-01"
	env.sale(bkk(day, 9, 0, 0), "store_1234", "POS-01", 10000, omise.StatusSuccessful)
	// Alipay: Omise failed a charge we still hold as pending.
	ali := env.sale(bkk(day, 10, 0, 0), "store_1234", "POS-01", 6000, omise.StatusPending)
	if err := env.sim.ForceStatus(ali, omise.StatusFailed, omise.FailureTimeout); err != nil {
		t.Fatal(err)
	}
	// PromptPay: paid at Omise while we still hold it as pending.
	env.clock.Set(bkk(day, 11, 0, 0))
	oc, err := env.client.CreateCharge(ctx, omise.CreateChargeParams{Amount: 15000, Currency: "THB",
		InlineSource: &omise.CreateSourceParams{Type: omise.SourcePromptPay},
		Metadata:     map[string]string{"store_id": "store_1234", "terminal_id": "POS-01"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.svc.SyncCharge(ctx, oc.ID); err != nil {
		t.Fatal(err)
	}
	if err := env.sim.ForceStatus(oc.ID, omise.StatusSuccessful, ""); err != nil {
		t.Fatal(err)
	}
	env.clock.Set(bkk("2025-03-02", 9, 0, 0))

	loc := startRun(t, env, "finance", url.Values{"from": {day}, "to": {day}})
	rec := env.do(http.MethodGet, loc, "finance", nil)
	expectStatus(t, rec, http.StatusOK)
	doc := parseHTML(t, rec.Body.String())
	methods := map[string]string{}
	doc.Find("[data-testid=reconcile-method]").Each(func(_ int, s *goquery.Selection) {
		methods[s.AttrOr("data-source-type", "")] = strings.TrimSpace(s.Find("[data-col=charges]").Text())
	})
	if methods[omise.SourcePromptPay] != "1" || methods[omise.SourceBarcodeAlipay] != "1" || len(methods) != 2 {
		t.Fatalf("differences by method: %v", methods)
	}
	found := false
	doc.Find("[data-testid=reconcile-item]").Each(func(_ int, s *goquery.Selection) {
		if s.AttrOr("data-charge", "") == oc.ID {
			found = true
			if m := s.Find("[data-testid=item-method]"); m.AttrOr("data-source-type", "") != omise.SourcePromptPay || strings.TrimSpace(m.Text()) == "" {
				t.Errorf("PromptPay difference's method: %q", m.Text())
			}
		}
	})
	if !found {
		t.Fatal("the PromptPay charge's difference is not listed")
	}

	// The list of runs splits each run's differences by method too.
	rec = env.do(http.MethodGet, "/reconcile", "finance", nil)
	expectStatus(t, rec, http.StatusOK)
	listed := map[string]string{}
	parseHTML(t, rec.Body.String()).Find("[data-testid=reconcile-run-row] [data-testid=run-method]").Each(func(_ int, s *goquery.Selection) {
		listed[s.AttrOr("data-source-type", "")] = strings.Join(strings.Fields(s.Text()), " ")
	})
	if len(listed) != 2 || !strings.HasSuffix(listed[omise.SourcePromptPay], " 1") || !strings.HasSuffix(listed[omise.SourceBarcodeAlipay], " 1") {
		t.Fatalf("runs list by method: %v", listed)
	}
}
