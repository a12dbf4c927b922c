package payments_test

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"instore/db"
	"instore/omise"
	"instore/omise/sim"
	"instore/payments"
)

func TestCheckoutCreatesChargeWithMetadata(t *testing.T) {
	t.Parallel()
	for _, st := range []string{omise.SourceBarcodeAlipay, omise.SourceAlipayPlusUPM} {
		t.Run(st, func(t *testing.T) {
			h := newTillHarness(t, st, 0)
			id := uuid.NewString()
			att, err := h.svc.Checkout(h.ctx, tillCashier, h.req(id, tillTerminal, "/คๅจๅ/-ภถุึคตจๅ/-ภ", 12050))
			if err != nil {
				t.Fatal(err)
			}
			if att.Status != db.AttemptPending || att.ChargeID == "" {
				t.Fatalf("attempt = %+v", att)
			}
			if att.BarcodeMasked != "28••••••••••••1234" || strings.Contains(att.BarcodeHash, tillCode) {
				t.Fatalf("masked %q", att.BarcodeMasked)
			}
			oc, err := h.svc.Omise.GetCharge(h.ctx, att.ChargeID)
			if err != nil {
				t.Fatal(err)
			}
			if oc.Amount != 12050 || oc.MetadataString("attempt_id") != id || oc.MetadataString("terminal_id") != tillTerminal ||
				oc.MetadataString("cashier") != "cashier" || oc.MetadataString("store_id") != tillStore {
				t.Fatalf("charge at omise = %+v", oc)
			}
			if oc.Description == nil || *oc.Description != "instore "+id {
				t.Fatalf("description = %v", oc.Description)
			}
			if oc.Source == nil || oc.Source.Type != st || oc.Source.Barcode != tillCode {
				t.Fatalf("source = %+v", oc.Source)
			}
			if st == omise.SourceBarcodeAlipay && (oc.Source.StoreID != tillStore || oc.Source.TerminalID != tillTerminal || oc.Source.StoreName != "Main Store") {
				t.Fatalf("barcode_alipay source lacks store fields: %+v", oc.Source)
			}
			c, err := h.db.GetCharge(h.ctx, att.ChargeID)
			if err != nil || c.AttemptID != id || c.Status != "pending" {
				t.Fatalf("stored charge = %+v, %v", c, err)
			}
			// The attempt follows its charge when Omise completes it.
			paid, err := h.sim.MarkPaid(att.ChargeID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := h.svc.ApplyCharge(h.ctx, paid); err != nil {
				t.Fatal(err)
			}
			got, _ := h.db.GetAttempt(h.ctx, id)
			if got.Status != db.AttemptSuccessful || got.ResolvedAt == nil {
				t.Fatalf("attempt after payment = %+v", got)
			}
		})
	}
}

func TestCheckoutSameAttemptNeverChargesTwice(t *testing.T) {
	t.Parallel()
	h := newTillHarness(t, omise.SourceBarcodeAlipay, 0)
	id := uuid.NewString()
	first, err := h.svc.Checkout(h.ctx, tillCashier, h.req(id, tillTerminal, tillCode, 5000))
	if err != nil {
		t.Fatal(err)
	}
	second, err := h.svc.Checkout(h.ctx, tillCashier, h.req(id, tillTerminal, tillCode, 5000))
	if err != nil {
		t.Fatal(err)
	}
	if second.ChargeID != first.ChargeID || h.charges() != 1 {
		t.Fatalf("second submit: %+v; charges at omise %d", second, h.charges())
	}
}

func TestCheckoutConcurrentDuplicatesMakeOneCharge(t *testing.T) {
	t.Parallel()
	h := newTillHarness(t, omise.SourceBarcodeAlipay, 0)
	// Slow Omise down so that the duplicates arrive while the first call
	// is in flight.
	h.sim.SetFaults(sim.Faults{Latency: 150 * time.Millisecond})
	id := uuid.NewString()
	var wg sync.WaitGroup
	results := make([]*db.Attempt, 20)
	errs := make([]error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = h.svc.Checkout(h.ctx, tillCashier, h.req(id, tillTerminal, tillCode, 5000))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("submit %d: %v", i, err)
		}
		if results[i].AttemptID != id {
			t.Fatalf("submit %d answered attempt %s", i, results[i].AttemptID)
		}
	}
	if n := h.charges(); n != 1 {
		t.Fatalf("charges at omise = %d, want 1", n)
	}
	if n := h.sim.Stats().Requests["POST /charges"]; n != 1 {
		t.Fatalf("POST /charges = %d, want 1", n)
	}
}

func TestCheckoutRefusesReusedCode(t *testing.T) {
	t.Parallel()
	h := newTillHarness(t, omise.SourceBarcodeAlipay, 0)
	first, err := h.svc.Checkout(h.ctx, tillCashier, h.req(uuid.NewString(), tillTerminal, tillCode, 5000))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.sim.MarkFailed(first.ChargeID, omise.FailureInsufficientBalance); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.SyncCharge(h.ctx, first.ChargeID); err != nil {
		t.Fatal(err)
	}
	before := h.omiseRequests()
	// Same code on another terminal, also typed in the Thai layout.
	_, err = h.svc.Checkout(h.ctx, tillCashier, h.req(uuid.NewString(), tillTerminal2, "/คๅจๅ/-ภถุึคตจๅ/-ภ", 5000))
	var ie *payments.Refusal
	if !errors.As(err, &ie) || ie.Fields["barcode"].Code != "barcode_reused" {
		t.Fatalf("err = %v, want barcode_reused", err)
	}
	if !strings.Contains(words(ie.Fields["barcode"]).EN, "new code") || words(ie.Fields["barcode"]).TH == "" {
		t.Fatalf("message = %+v", ie.Fields["barcode"])
	}
	if h.omiseRequests() != before || h.charges() != 1 {
		t.Fatal("a reused code reached Omise")
	}
	// After the window the code is accepted again (it would be a new code by then).
	h.svc.Now = func() time.Time { return time.Now().Add(payments.BarcodeReuseWindow + time.Second) }
	if _, err := h.svc.Checkout(h.ctx, tillCashier, h.req(uuid.NewString(), tillTerminal2, tillCode, 5000)); err != nil {
		t.Fatal(err)
	}
}

func TestCheckoutBadInputNeverReachesOmise(t *testing.T) {
	t.Parallel()
	h := newTillHarness(t, omise.SourceAlipayPlusUPM, 0)
	tests := []struct {
		name  string
		req   payments.CheckoutRequest
		field string
		code  string
	}{
		{"amount too small", h.req(uuid.NewString(), tillTerminal, tillCode, 1999), "amount", "amount_range"},
		{"amount too large", h.req(uuid.NewString(), tillTerminal, tillCode, 100000001), "amount", "amount_range"},
		{"letters in code", h.req(uuid.NewString(), tillTerminal, "2810abc45678901234", 5000), "barcode", "barcode_not_digits"},
		{"code too short for alipay+", h.req(uuid.NewString(), tillTerminal, "2810123456789012", 5000), "barcode", "barcode_length"},
		{"empty code", h.req(uuid.NewString(), tillTerminal, "", 5000), "barcode", "barcode_empty"},
		{"attempt id not a uuid", h.req("12345", tillTerminal, tillCode, 5000), "attempt_id", "attempt_invalid"},
		{"terminal of no store", h.req(uuid.NewString(), "T9", tillCode, 5000), "terminal_id", "terminal_unknown"},
		{"store not the terminal's", payments.CheckoutRequest{AttemptID: uuid.NewString(), StoreID: "S2", TerminalID: tillTerminal, Amount: 5000, Barcode: tillCode}, "terminal_id", "terminal_unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.svc.Checkout(h.ctx, tillCashier, tt.req)
			var ie *payments.Refusal
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want a refusal by field", err)
			}
			if m := words(ie.Fields[tt.field]); m == nil || m.Code != tt.code || m.TH == "" || m.EN == "" {
				t.Fatalf("fields = %+v, want %s=%s", ie.Fields, tt.field, tt.code)
			}
		})
	}
	if n := h.omiseRequests(); n != 0 {
		t.Fatalf("bad input made %d Omise requests", n)
	}
	if open, _ := h.db.ListRecentAttempts(h.ctx, tillStore, "", 10); len(open) != 0 {
		t.Fatalf("bad input recorded attempts: %d", len(open))
	}
}

func TestCheckoutOneOpenAttemptPerTerminal(t *testing.T) {
	t.Parallel()
	h := newTillHarness(t, omise.SourceBarcodeAlipay, 0)
	first, err := h.svc.Checkout(h.ctx, tillCashier, h.req(uuid.NewString(), tillTerminal, tillCode, 5000))
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.svc.Checkout(h.ctx, tillCashier, h.req(uuid.NewString(), tillTerminal, "281099999999999999", 5000))
	var be *payments.Refusal
	if !errors.As(err, &be) || be.Code != "terminal_busy" || be.Ref != first.AttemptID || words(be).TH == "" || words(be).EN == "" {
		t.Fatalf("err = %v, want terminal_busy naming %s", err, first.AttemptID)
	}
	// Another terminal is free.
	if _, err := h.svc.Checkout(h.ctx, tillCashier, h.req(uuid.NewString(), tillTerminal2, "281099999999999999", 5000)); err != nil {
		t.Fatal(err)
	}
	// Once the first sale ends, the terminal takes the next one.
	if _, err := h.svc.CancelAttempt(h.ctx, tillCashier, first.AttemptID); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Checkout(h.ctx, tillCashier, h.req(uuid.NewString(), tillTerminal, "281088888888888888", 5000)); err != nil {
		t.Fatal(err)
	}
	if h.charges() != 3 {
		t.Fatalf("charges = %d", h.charges())
	}
}

func TestCheckoutSameAttemptOtherTerminalConflicts(t *testing.T) {
	t.Parallel()
	h := newTillHarness(t, omise.SourceBarcodeAlipay, 0)
	id := uuid.NewString()
	if _, err := h.svc.Checkout(h.ctx, tillCashier, h.req(id, tillTerminal, tillCode, 5000)); err != nil {
		t.Fatal(err)
	}
	_, err := h.svc.Checkout(h.ctx, tillCashier, h.req(id, tillTerminal2, tillCode, 5000))
	var ie *payments.Refusal
	if !errors.As(err, &ie) || ie.Fields["attempt_id"].Code != "attempt_conflict" {
		t.Fatalf("err = %v", err)
	}
}

func TestCheckoutOmiseRefusalAndServerErrors(t *testing.T) {
	t.Parallel()
	t.Run("5xx on the charge is unknown, never retried", func(t *testing.T) {
		h := newTillHarness(t, omise.SourceBarcodeAlipay, 0)
		h.sim.SetFaults(sim.Faults{FailNext5xx: 1, Match: isChargeCreate})
		att, err := h.svc.Checkout(h.ctx, tillCashier, h.req(uuid.NewString(), tillTerminal, tillCode, 5000))
		if err != nil {
			t.Fatal(err)
		}
		if att.Status != db.AttemptUnknown {
			t.Fatalf("status = %s, want unknown", att.Status)
		}
		if n := h.sim.Stats().Requests["POST /charges"]; n != 1 {
			t.Fatalf("POST /charges = %d, want exactly 1", n)
		}
		if m := outcome(att); !strings.Contains(m.EN, "Checking with Omise") {
			t.Fatalf("message = %+v", m)
		}
	})
	t.Run("source failure is safe to report", func(t *testing.T) {
		h := newTillHarness(t, omise.SourceBarcodeAlipay, 0)
		h.sim.SetFaults(sim.Faults{FailNext5xx: 1})
		att, err := h.svc.Checkout(h.ctx, tillCashier, h.req(uuid.NewString(), tillTerminal, tillCode, 5000))
		if err != nil {
			t.Fatal(err)
		}
		if att.Status != db.AttemptRejected || att.ErrorCode != payments.CodeSourceFailed || h.charges() != 0 {
			t.Fatalf("attempt = %+v, charges %d", att, h.charges())
		}
		if m := outcome(att); !strings.Contains(m.EN, "new code") {
			t.Fatalf("message = %+v", m)
		}
		// A rejected sale frees the terminal.
		if _, err := h.svc.Checkout(h.ctx, tillCashier, h.req(uuid.NewString(), tillTerminal, "281077777777777777", 5000)); err != nil {
			t.Fatal(err)
		}
	})
}

// isChargeCreate limits a simulator fault to POST /charges.
func isChargeCreate(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/charges"
}
