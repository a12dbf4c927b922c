package payments

import (
	"context"
	"testing"
	"time"

	"instore/db"
	"instore/fakeclock"
	"instore/omise"
	"instore/omise/sim"
)

// financeEnv is a core environment whose simulator and service share a clock.
func financeEnv(t *testing.T, start time.Time) (*coreEnv, *fakeclock.Clock) {
	t.Helper()
	clock := fakeclock.At(start)
	e := newCoreEnv(t, sim.Options{Now: clock.Now})
	e.svc.Now = clock.Now
	return e, clock
}

// saleAt creates a charge at the simulator at instant at on a terminal of
// store_1234 and, unless status is pending, completes it; then applies it.
func saleAt(t *testing.T, e *coreEnv, clock *fakeclock.Clock, at time.Time, terminal string, amount int64, status omise.ChargeStatus) string {
	t.Helper()
	ctx := context.Background()
	clock.Set(at)
	oc, err := e.client.CreateCharge(ctx, omise.CreateChargeParams{
		Amount: amount, Currency: "THB",
		InlineSource: &omise.CreateSourceParams{Type: omise.SourceBarcodeAlipay, Barcode: "2810000000000000123",
			StoreID: "store_1234", StoreName: "ร้านทดสอบ", TerminalID: terminal},
	})
	if err != nil {
		t.Fatal(err)
	}
	switch status {
	case omise.StatusSuccessful:
		_, err = e.sim.MarkPaid(oc.ID)
	case omise.StatusFailed:
		_, err = e.sim.MarkFailed(oc.ID, omise.FailureInsufficientBalance)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SyncCharge(ctx, oc.ID); err != nil {
		t.Fatal(err)
	}
	return oc.ID
}

func ict(day string, h, m, s int) time.Time {
	d, _ := time.ParseInLocation("2006-01-02", day, Bangkok)
	return time.Date(d.Year(), d.Month(), d.Day(), h, m, s, 0, Bangkok)
}

func TestDailyReportBangkokDaysAndSums(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, clock := financeEnv(t, ict("2025-03-01", 9, 0, 0))
	// 23:59:59 ICT on 1 March is 16:59:59 UTC; one second later is 2 March in Bangkok.
	a := saleAt(t, e, clock, ict("2025-03-01", 23, 59, 59), "POS-01", 10000, omise.StatusSuccessful)
	saleAt(t, e, clock, ict("2025-03-02", 0, 0, 0), "POS-01", 3000, omise.StatusSuccessful)
	saleAt(t, e, clock, ict("2025-03-02", 10, 0, 0), "POS-02", 25050, omise.StatusSuccessful)
	saleAt(t, e, clock, ict("2025-03-02", 11, 0, 0), "POS-02", 7000, omise.StatusFailed)
	saleAt(t, e, clock, ict("2025-03-02", 12, 0, 0), "POS-02", 4000, omise.StatusPending)
	// A refund of the 1 March sale made on 2 March counts on 2 March.
	clock.Set(ict("2025-03-02", 13, 0, 0))
	if _, err := e.client.CreateRefund(ctx, a, omise.CreateRefundParams{Amount: 5000}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SyncCharge(ctx, a); err != nil {
		t.Fatal(err)
	}

	c, _ := e.svc.DB.GetCharge(ctx, a)
	if c.BkkDay != "2025-03-01" || c.CreatedAt.Format(time.RFC3339) != "2025-03-01T16:59:59Z" {
		t.Fatalf("23:59:59 ICT stored as %s on %s", c.CreatedAt.Format(time.RFC3339), c.BkkDay)
	}

	from, to, err := MonthDays("2025-03")
	if err != nil || from != "2025-03-01" || to != "2025-03-31" {
		t.Fatalf("MonthDays %s %s %v", from, to, err)
	}
	rep, err := e.svc.DailyReport(ctx, db.FinanceFilter{FromDay: from, ToDay: to})
	if err != nil {
		t.Fatal(err)
	}
	// Hand-computed: fee = 3.65% half-up, VAT = 7% of the fee half-up.
	//   10000 → fee 365 (365.0), vat 26 (25.55), net 9609
	//    3000 → fee 110 (109.5), vat 8 (7.70),   net 2882
	//   25050 → fee 914 (914.325), vat 64 (63.98), net 24072
	want := []db.DailyRow{
		{Day: "2025-03-01", StoreID: "store_1234", TerminalID: "POS-01", SuccessfulCount: 1, Gross: 10000, Fee: 365, FeeVat: 26, Net: 9609},
		{Day: "2025-03-02", StoreID: "store_1234", TerminalID: "POS-01", SuccessfulCount: 1, Gross: 3000, Fee: 110, FeeVat: 8, Net: 2882,
			RefundCount: 1, Refunds: 5000},
		{Day: "2025-03-02", StoreID: "store_1234", TerminalID: "POS-02", SuccessfulCount: 1, FailedCount: 1, PendingCount: 1,
			Gross: 25050, Fee: 914, FeeVat: 64, Net: 24072},
	}
	if len(rep.Rows) != len(want) {
		t.Fatalf("rows %+v", rep.Rows)
	}
	for i := range want {
		if rep.Rows[i] != want[i] {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, rep.Rows[i], want[i])
		}
	}
	tot := rep.Totals
	if tot.Gross != 38050 || tot.Fee != 1389 || tot.FeeVat != 98 || tot.Net != 36563 || tot.Refunds != 5000 ||
		tot.NetAfterRefunds() != 31563 || tot.SuccessfulCount != 3 || tot.FailedCount != 1 {
		t.Fatalf("totals %+v", tot)
	}
	if len(rep.Days) != 31 || rep.Days[0].Gross != 10000 || rep.Days[1].Gross != 28050 || rep.MaxGross != 28050 {
		t.Fatalf("chart days %+v max %d", rep.Days[:3], rep.MaxGross)
	}

	z, err := e.svc.ZReport(ctx, db.FinanceFilter{FromDay: "2025-03-02"})
	if err != nil {
		t.Fatal(err)
	}
	if len(z.Stores) != 1 || len(z.Stores[0].Terminals) != 2 {
		t.Fatalf("z stores %+v", z.Stores)
	}
	t1, t2 := z.Stores[0].Terminals[0], z.Stores[0].Terminals[1]
	if t1.TerminalID != "POS-01" || t1.Status("successful").Amount != 3000 || t1.RefundCount != 1 || t1.ZTotals.Refunds != 5000 ||
		t1.FirstSale == nil || !t1.FirstSale.Equal(ict("2025-03-02", 0, 0, 0)) {
		t.Fatalf("z POS-01 %+v", t1)
	}
	if t2.Status("failed").Count != 1 || t2.Status("failed").Amount != 7000 || t2.OpenCount != 1 || t2.OpenAmount != 4000 ||
		len(t2.Pending) != 1 || !t2.LastSale.Equal(ict("2025-03-02", 10, 0, 0)) {
		t.Fatalf("z POS-02 %+v", t2)
	}
	if z.Totals.Status("successful").Count != 2 || z.Totals.Net != 26954 || z.Totals.NetAfterRefunds() != 21954 {
		t.Fatalf("z totals %+v", z.Totals)
	}
}

func TestRangeParsing(t *testing.T) {
	t.Parallel()
	if _, _, err := MonthDays("2025-13"); err != ErrBadMonth {
		t.Fatalf("bad month: %v", err)
	}
	if _, _, err := MonthDays("2025-3"); err != ErrBadMonth {
		t.Fatalf("short month: %v", err)
	}
	if f, l, _ := MonthDays("2024-02"); f != "2024-02-01" || l != "2024-02-29" {
		t.Fatalf("leap February %s %s", f, l)
	}
	if _, err := DaysInRange("2025-03-02", "2025-03-01", 10); err != ErrRangeOrder {
		t.Fatalf("reversed: %v", err)
	}
	if _, err := DaysInRange("2025-03-01", "2025-03-31", 30); err != ErrRangeTooLong {
		t.Fatalf("too long: %v", err)
	}
	if _, err := DaysInRange("2025-02-30", "2025-03-01", 30); err != ErrBadDay {
		t.Fatalf("no such day: %v", err)
	}
	if d, _ := DaysInRange("2025-02-27", "2025-03-01", 30); len(d) != 3 || d[2] != "2025-03-01" {
		t.Fatalf("days %v", d)
	}
	if CurrentMonth(time.Date(2025, 3, 31, 17, 0, 0, 0, time.UTC)) != "2025-04" {
		t.Fatal("current month must be Bangkok's")
	}
}
