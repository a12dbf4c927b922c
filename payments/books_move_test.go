package payments

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"instore/db"
	"instore/omise"
	"instore/omise/sim"
)

// A charge whose store and terminal change after it was refunded (its
// metadata edited at Omise) takes its refunds along: the daily report, the
// Z-report and a rebuild of the rollup all count them under the new store.
func TestRefundsMoveWithTheirCharge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, clock := financeEnv(t, ict("2025-03-01", 9, 0, 0))
	oc, err := e.client.CreateCharge(ctx, omise.CreateChargeParams{Amount: 10000, Currency: "THB",
		Metadata:     map[string]string{MetaStoreID: "store_a", MetaTerminalID: "POS-01"},
		InlineSource: &omise.CreateSourceParams{Type: omise.SourcePromptPay}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.sim.MarkPaid(oc.ID); err != nil {
		t.Fatal(err)
	}
	clock.Set(ict("2025-03-02", 9, 0, 0))
	if _, err := e.client.CreateRefund(ctx, oc.ID, omise.CreateRefundParams{Amount: 1000}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SyncCharge(ctx, oc.ID); err != nil {
		t.Fatal(err)
	}
	body := url.Values{"metadata[store_id]": {"store_b"}, "metadata[terminal_id]": {"POS-09"}}.Encode()
	req, _ := http.NewRequest(http.MethodPatch, e.srv.URL+"/charges/"+oc.ID, strings.NewReader(body))
	req.SetBasicAuth(sim.DefaultSecretKey, "")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PATCH %d", resp.StatusCode)
	}
	if _, err := e.svc.SyncCharge(ctx, oc.ID); err != nil {
		t.Fatal(err)
	}

	check := func(when string) {
		t.Helper()
		for store, want := range map[string]int64{"store_a": 0, "store_b": 1000} {
			rep, err := e.svc.DailyReport(ctx, db.FinanceFilter{FromDay: "2025-03-02", ToDay: "2025-03-02", StoreID: store})
			if err != nil {
				t.Fatal(err)
			}
			z, err := e.svc.ZReport(ctx, db.FinanceFilter{FromDay: "2025-03-02", StoreID: store})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Totals.Refunds != want || z.Totals.Refunds != want {
				t.Errorf("%s, %s on 2 March: report refunds %d, Z-report %d, want %d", when, store, rep.Totals.Refunds, z.Totals.Refunds, want)
			}
		}
	}
	check("kept in step")
	if err := e.svc.DB.RebuildDailyTotals(ctx); err != nil {
		t.Fatal(err)
	}
	check("rebuilt")
}
