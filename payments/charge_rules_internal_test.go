package payments

import (
	"testing"
	"time"

	"instore/db"
	"instore/omise"
)

// TestChargeActionsAgreeWithRefundRules checks that the page offers a
// refund exactly when Refund would accept one, up to the amount it would
// accept, across the cap, the window and refunds in flight.
func TestChargeActionsAgreeWithRefundRules(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	paid := now.Add(-24 * time.Hour)
	old := now.Add(-RefundWindow - time.Hour)
	charge := func(status string, refunded int64, paidAt *time.Time) *db.Charge {
		return &db.Charge{ID: "chrg_1", Status: status, Amount: 10000, RefundedAmount: refunded,
			SourceType: omise.SourceBarcodeAlipay, CreatedAt: paid, PaidAt: paidAt}
	}
	tests := []struct {
		name                 string
		c                    *db.Charge
		count, pending       int
		pendingSum, wantUpTo int64
		wantExpire           bool
	}{
		{"pending", charge("pending", 0, nil), 0, 0, 0, 0, true},
		{"failed", charge("failed", 0, nil), 0, 0, 0, 0, false},
		{"paid", charge("successful", 0, &paid), 0, 0, 0, 10000, false},
		{"partly refunded", charge("successful", 2500, &paid), 1, 0, 0, 7500, false},
		{"in flight counted", charge("successful", 2500, &paid), 1, 2, 5000, 2500, false},
		{"in flight takes the rest", charge("successful", 2500, &paid), 1, 1, 7500, 0, false},
		{"refunded in full", charge("successful", 10000, &paid), 1, 0, 0, 0, false},
		{"cap reached", charge("successful", 1400, &paid), MaxRefundsPerCharge, 0, 0, 0, false},
		{"cap reached with one in flight", charge("successful", 1400, &paid), MaxRefundsPerCharge - 1, 1, 100, 0, false},
		{"window over", charge("successful", 0, &old), 0, 0, 0, 0, false},
		{"window from created without paid_at", charge("successful", 0, nil), 0, 0, 0, 10000, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := chargeActions(tt.c, tt.count, tt.pending, tt.pendingSum, now)
			if a.RefundUpTo != tt.wantUpTo || a.Expire != tt.wantExpire {
				t.Fatalf("actions = %+v, want refund up to %d, expire %v", a, tt.wantUpTo, tt.wantExpire)
			}
			if tt.c.Status == "successful" && a.RefundUntil == "" {
				t.Fatal("a successful charge names its last refund day")
			}
			accepts := func(amount int64) bool {
				return checkRefundable(tt.c, amount, tt.count, tt.pending, tt.pendingSum, now) == nil
			}
			if a.RefundUpTo > 0 && (!accepts(a.RefundUpTo) || accepts(a.RefundUpTo+1)) {
				t.Fatalf("the rules do not accept exactly up to %d", a.RefundUpTo)
			}
			if a.RefundUpTo == 0 && accepts(1) {
				t.Fatal("no refund offered, but the rules accept one")
			}
		})
	}
}

// TestMethodThatCannotBeRefunded: a method the registry marks not
// refundable is offered no refund and refused one.
func TestMethodThatCannotBeRefunded(t *testing.T) {
	t.Parallel()
	saved := methods
	defer func() { methods = saved }()
	methods = []*Method{{ID: "norefund", SourceType: "norefund", Capture: CaptureQR, Expirable: true}}
	now := time.Now()
	c := &db.Charge{Status: "successful", Amount: 5000, SourceType: "norefund", CreatedAt: now, PaidAt: &now}
	if a := chargeActions(c, 0, 0, 0, now); a.RefundUpTo != 0 {
		t.Fatalf("actions %+v", a)
	}
	if r := checkRefundable(c, 100, 0, 0, 0, now); r == nil || r.Code != "refund_method" {
		t.Fatalf("refusal %+v", r)
	}
}

func TestCanAccessStore(t *testing.T) {
	t.Parallel()
	admin := &db.User{Role: db.RoleAdmin}
	mgr := &db.User{Role: db.RoleManager, StoreID: "a"}
	off := &db.User{Role: db.RoleManager, StoreID: "a", Disabled: true}
	if !CanAccessStore(admin, "a") || !CanAccessStore(admin, "b") || !CanAccessStore(mgr, "a") ||
		CanAccessStore(mgr, "b") || CanAccessStore(mgr, "") || CanAccessStore(off, "a") || CanAccessStore(nil, "a") {
		t.Fatal("CanAccessStore")
	}
}

// TestMergeKeepsTheChargesDay: an answer from Omise without a creation time
// (a trimmed event body, an older shape) leaves the charge on the business
// day it was sold, not on the day the answer came.
func TestMergeKeepsTheChargesDay(t *testing.T) {
	t.Parallel()
	sold := time.Date(2026, 3, 31, 16, 59, 59, 0, time.UTC) // 23:59:59 ICT, 31 March
	old := &db.Charge{ID: "chrg_1", Status: "pending", Amount: 10000, CreatedAt: sold, BkkDay: BusinessDay(sold)}
	merged, _ := mergeCharge(old, &omise.Charge{ID: "chrg_1", Status: omise.StatusSuccessful, Amount: 10000, Currency: "thb"})
	if !merged.CreatedAt.Equal(sold) || merged.BkkDay != "2026-03-31" {
		t.Fatalf("merged created %v day %s, want %v 2026-03-31", merged.CreatedAt, merged.BkkDay, sold)
	}
	// A real creation time from Omise stands.
	at := sold.Add(-time.Hour)
	merged, _ = mergeCharge(old, &omise.Charge{ID: "chrg_1", Status: omise.StatusSuccessful, Amount: 10000, Currency: "thb", CreatedAt: at})
	if !merged.CreatedAt.Equal(at) {
		t.Fatalf("merged created %v, want Omise's %v", merged.CreatedAt, at)
	}
}
