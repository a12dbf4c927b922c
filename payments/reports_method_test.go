package payments

import (
	"context"
	"testing"

	"instore/db"
	"instore/omise"
)

// promptPayAt makes a PromptPay charge at instant at on a terminal of
// store_1234 (the store rides in metadata, as the till sends it), pays it
// and applies it.
func promptPayAt(t *testing.T, e *coreEnv, at func(), terminal string, amount int64) string {
	t.Helper()
	ctx := context.Background()
	at()
	oc, err := e.client.CreateCharge(ctx, omise.CreateChargeParams{Amount: amount, Currency: "THB",
		InlineSource: &omise.CreateSourceParams{Type: omise.SourcePromptPay},
		Metadata:     map[string]string{MetaStoreID: "store_1234", "terminal_id": terminal}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.sim.MarkPaid(oc.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SyncCharge(ctx, oc.ID); err != nil {
		t.Fatal(err)
	}
	return oc.ID
}

// The daily report's and the Z-report's method lines add up to their
// totals exactly, sales and refunds, whichever terminal sold.
func TestReportsSplitByMethodAddUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, clock := financeEnv(t, ict("2025-03-01", 9, 0, 0))
	saleAt(t, e, clock, ict("2025-03-01", 9, 0, 0), "POS-01", 10000, omise.StatusSuccessful)
	saleAt(t, e, clock, ict("2025-03-01", 9, 30, 0), "POS-02", 2050, omise.StatusSuccessful)
	saleAt(t, e, clock, ict("2025-03-01", 9, 45, 0), "POS-02", 3000, omise.StatusFailed)
	pp := promptPayAt(t, e, func() { clock.Set(ict("2025-03-01", 10, 0, 0)) }, "POS-01", 15000)
	promptPayAt(t, e, func() { clock.Set(ict("2025-03-01", 11, 0, 0)) }, "POS-02", 2500)
	if _, err := e.svc.Refund(ctx, manager, RefundRequest{ChargeID: pp, Amount: 4000, Reason: ReasonWrongAmount,
		IdempotencyKey: newKey()}); err != nil {
		t.Fatal(err)
	}

	rep, err := e.svc.DailyReport(ctx, db.FinanceFilter{FromDay: "2025-03-01", ToDay: "2025-03-31"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Methods) != 2 || rep.Methods[0].SourceType != omise.SourceBarcodeAlipay || rep.Methods[1].SourceType != omise.SourcePromptPay ||
		rep.Methods[1].NameID != "method.promptpay" {
		t.Fatalf("method lines %+v", rep.Methods)
	}
	var sum db.DailyRow
	for i := range rep.Methods {
		sum.Add(&rep.Methods[i].DailyRow)
	}
	sum.Day, sum.StoreID, sum.StoreName, sum.TerminalID, sum.SourceType = rep.Totals.Day, rep.Totals.StoreID,
		rep.Totals.StoreName, rep.Totals.TerminalID, rep.Totals.SourceType
	if sum != rep.Totals || rep.Methods[1].Gross != 17500 || rep.Methods[1].Refunds != 4000 || rep.Methods[0].FailedCount != 1 {
		t.Fatalf("method lines add up to %+v, totals %+v", sum, rep.Totals)
	}

	z, err := e.svc.ZReport(ctx, db.FinanceFilter{FromDay: "2025-03-01"})
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, tot *ZTotals) {
		t.Helper()
		var count, amount, refunds, net int64
		for _, m := range tot.Methods {
			count, amount, refunds, net = count+m.Count, amount+m.Amount, refunds+m.Refunds, net+m.Net
		}
		ok := tot.Status("successful")
		if count != ok.Count || amount != ok.Amount || refunds != tot.Refunds || net != tot.Net {
			t.Fatalf("%s: methods %+v do not add up to %+v", name, tot.Methods, *tot)
		}
	}
	check("day", &z.Totals)
	for _, st := range z.Stores {
		check(st.StoreID, &st.ZTotals)
		for _, term := range st.Terminals {
			check(term.TerminalID, &term.ZTotals)
		}
	}
	if len(z.Totals.Methods) != 2 || z.Totals.Methods[1].Amount != 17500 || z.Totals.Methods[1].RefundCount != 1 {
		t.Fatalf("Z methods %+v", z.Totals.Methods)
	}
}
