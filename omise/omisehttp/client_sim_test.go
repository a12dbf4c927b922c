package omisehttp_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"instore/omise"
	"instore/omise/omisehttp"
)

func TestCreateSourceThenCharge(t *testing.T) {
	h := newHarness(t, omisehttp.Config{})
	ctx := testCtx(t)

	src, err := h.client.CreateSource(ctx, omise.CreateSourceParams{
		Type: omise.SourceBarcodeAlipay, Amount: 400000, Currency: "THB", Barcode: "281234567890123456",
		StoreID: "store-1", StoreName: "Siam Branch", TerminalID: "POS-01",
	})
	if err != nil {
		t.Fatalf("CreateSource: %v", err)
	}
	if src.ID == "" || src.Type != omise.SourceBarcodeAlipay || src.Flow != "offline" || src.Amount != 400000 {
		t.Errorf("source %+v", src)
	}
	if src.StoreID != "store-1" || src.StoreName != "Siam Branch" || src.TerminalID != "POS-01" {
		t.Errorf("source store fields %+v", src)
	}
	if r := h.rec.last(t); r.User != testPublicKey {
		t.Errorf("POST /sources authenticated as %q, want the public key", r.User)
	}

	ch, err := h.client.CreateCharge(ctx, omise.CreateChargeParams{
		Amount: 400000, Currency: "THB", SourceID: src.ID, Metadata: map[string]string{"attempt_id": "att-1"},
	})
	if err != nil {
		t.Fatalf("CreateCharge: %v", err)
	}
	if ch.Status != omise.StatusPending || ch.Amount != 400000 || ch.Currency != "THB" || ch.Paid {
		t.Errorf("charge %+v", ch)
	}
	if ch.Source == nil || ch.Source.ID != src.ID {
		t.Errorf("charge source %+v, want %s", ch.Source, src.ID)
	}
	if ch.MetadataString("attempt_id") != "att-1" || ch.CreatedAt.IsZero() || ch.ExpiresAt == nil {
		t.Errorf("metadata %v created %v expires %v", ch.Metadata, ch.CreatedAt, ch.ExpiresAt)
	}
	if r := h.rec.last(t); r.User != testSecretKey || r.Form.Get("source") != src.ID {
		t.Errorf("POST /charges as %q with source %q", r.User, r.Form.Get("source"))
	}
}

func TestInlineSourceTypes(t *testing.T) {
	tests := []struct {
		name       string
		src        omise.CreateSourceParams
		wantFields map[string]string
		noFields   []string
	}{
		{"barcode_alipay sends store and terminal",
			omise.CreateSourceParams{Type: omise.SourceBarcodeAlipay, Barcode: "281234567890123456",
				StoreID: "store-1", StoreName: "Siam Branch", TerminalID: "POS-01"},
			map[string]string{"source[type]": "barcode_alipay", "source[barcode]": "281234567890123456",
				"source[store_id]": "store-1", "source[store_name]": "Siam Branch", "source[terminal_id]": "POS-01"},
			nil},
		{"alipayplus_upm without store fields sends the barcode only",
			omise.CreateSourceParams{Type: omise.SourceAlipayPlusUPM, Barcode: "251001020123456789012345"},
			map[string]string{"source[type]": "alipayplus_upm", "source[barcode]": "251001020123456789012345"},
			[]string{"source[store_id]", "source[store_name]", "source[terminal_id]"}},
	}
	h := newHarness(t, omisehttp.Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch, err := h.client.CreateCharge(testCtx(t), omise.CreateChargeParams{
				Amount: 2000, Currency: "THB", InlineSource: &tt.src,
			})
			if err != nil {
				t.Fatalf("CreateCharge: %v", err)
			}
			if ch.Status != omise.StatusPending || ch.Source == nil || ch.Source.Type != tt.src.Type {
				t.Fatalf("charge %+v source %+v", ch, ch.Source)
			}
			form := h.rec.last(t).Form
			for k, v := range tt.wantFields {
				if form.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, form.Get(k), v)
				}
			}
			for _, k := range tt.noFields {
				if form.Has(k) {
					t.Errorf("%s must not be sent for %s", k, tt.src.Type)
				}
			}
			if form.Has("source") {
				t.Error("inline source must not also send source=<id>")
			}
		})
	}
}

func TestGetChargeFollowsTheSimulator(t *testing.T) {
	h := newHarness(t, omisehttp.Config{})
	ctx := testCtx(t)
	paid := h.mustCharge(t, 5000, "att-paid")
	failed := h.mustCharge(t, 5000, "att-failed")
	if _, err := h.sim.MarkPaid(paid.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := h.sim.MarkFailed(failed.ID, omise.FailureInsufficientBalance); err != nil {
		t.Fatal(err)
	}

	got, err := h.client.GetCharge(ctx, paid.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != omise.StatusSuccessful || !got.Paid || got.Transaction == nil || got.PaidAt == nil || !got.Refundable {
		t.Errorf("paid charge %+v", got)
	}
	got, err = h.client.GetCharge(ctx, failed.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != omise.StatusFailed || got.FailureCode == nil || *got.FailureCode != omise.FailureInsufficientBalance {
		t.Errorf("failed charge status %q code %v", got.Status, got.FailureCode)
	}
	if r := h.rec.last(t); r.Path != "/charges/"+failed.ID || r.Method != "GET" {
		t.Errorf("request %s %s", r.Method, r.Path)
	}
}

func TestListChargesPaginationAndOrder(t *testing.T) {
	h := newHarness(t, omisehttp.Config{})
	ctx := testCtx(t)
	start := time.Now().Add(-time.Minute)
	var ids []string
	for i := range 5 {
		ids = append(ids, h.mustCharge(t, int64(2000+i), fmt.Sprintf("att-%d", i)).ID)
	}

	page, err := h.client.ListCharges(ctx, omise.ListParams{Limit: 2, From: start})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 5 || page.Limit != 2 || page.Offset != 0 || len(page.Data) != 2 {
		t.Fatalf("first page total=%d limit=%d offset=%d len=%d", page.Total, page.Limit, page.Offset, len(page.Data))
	}
	if page.Data[0].ID != ids[0] || page.Data[1].ID != ids[1] {
		t.Errorf("chronological page 1 = %s,%s want %s,%s", page.Data[0].ID, page.Data[1].ID, ids[0], ids[1])
	}

	page, err = h.client.ListCharges(ctx, omise.ListParams{Offset: 4, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Data) != 1 || page.Data[0].ID != ids[4] || page.Offset != 4 {
		t.Errorf("last page %+v", page)
	}

	page, err = h.client.ListCharges(ctx, omise.ListParams{Limit: 3, Order: omise.OrderReverseChronological})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Data) != 3 || page.Data[0].ID != ids[4] || page.Data[2].ID != ids[2] {
		t.Errorf("reverse page %v", chargeIDs(page.Data))
	}
	if page.Order == nil || *page.Order != omise.OrderReverseChronological {
		t.Errorf("order echoed %v", page.Order)
	}

	// A limit above Omise's maximum is clamped rather than rejected.
	if _, err := h.client.ListCharges(ctx, omise.ListParams{Limit: 500}); err != nil {
		t.Fatal(err)
	}
	q, _ := url.ParseQuery(h.rec.last(t).Query)
	if q.Get("limit") != "100" {
		t.Errorf("limit sent %q, want 100", q.Get("limit"))
	}

	// A window in the future holds nothing.
	page, err = h.client.ListCharges(ctx, omise.ListParams{From: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 0 || len(page.Data) != 0 {
		t.Errorf("future window total %d", page.Total)
	}
}

func chargeIDs(cs []omise.Charge) []string {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	return ids
}

func TestExpireCharge(t *testing.T) {
	h := newHarness(t, omisehttp.Config{})
	ctx := testCtx(t)
	ch := h.mustCharge(t, 2500, "att-expire")

	got, err := h.client.ExpireCharge(ctx, ch.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != omise.StatusExpired || !got.Expired || got.ExpiredAt == nil {
		t.Errorf("expired charge %+v", got)
	}
	if r := h.rec.last(t); r.Method != "POST" || r.Path != "/charges/"+ch.ID+"/expire" {
		t.Errorf("request %s %s", r.Method, r.Path)
	}

	// Expiring again (or after payment) loses the race: a certain 400.
	_, err = h.client.ExpireCharge(ctx, ch.ID)
	if omise.ErrorCode(err) != "failed_expire" || omise.IsUncertain(err) {
		t.Errorf("second expire: %v (uncertain %v)", err, omise.IsUncertain(err))
	}
	paid := h.mustPaid(t, 2500, "att-paid")
	if _, err := h.client.ExpireCharge(ctx, paid.ID); omise.ErrorCode(err) != "failed_expire" {
		t.Errorf("expire of a paid charge: %v", err)
	}
}

func TestRefunds(t *testing.T) {
	h := newHarness(t, omisehttp.Config{})
	ctx := testCtx(t)
	ch := h.mustPaid(t, 10000, "att-refund")
	other := h.mustPaid(t, 3000, "att-other")

	r1, err := h.client.CreateRefund(ctx, ch.ID, omise.CreateRefundParams{Amount: 2500, Metadata: map[string]string{"refund_id": "rf-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if r1.ID == "" || r1.Amount != 2500 || r1.Charge != ch.ID || r1.Currency != "THB" || r1.CreatedAt.IsZero() {
		t.Errorf("refund %+v", r1)
	}
	if h.rec.last(t).Form.Get("metadata[refund_id]") != "rf-1" {
		t.Error("refund metadata not sent")
	}
	r2, err := h.client.CreateRefund(ctx, ch.ID, omise.CreateRefundParams{Amount: 7500})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.CreateRefund(ctx, other.ID, omise.CreateRefundParams{Amount: 3000}); err != nil {
		t.Fatal(err)
	}

	// Nothing is left to refund: Omise refuses with a certain 400.
	_, err = h.client.CreateRefund(ctx, ch.ID, omise.CreateRefundParams{Amount: 1})
	if omise.ErrorCode(err) != "failed_refund" || omise.IsUncertain(err) {
		t.Errorf("over-refund: %v", err)
	}

	got, err := h.client.GetCharge(ctx, ch.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.RefundedAmount != 10000 || got.Refundable || got.Status != omise.StatusSuccessful {
		t.Errorf("fully refunded charge: refunded=%d refundable=%v status=%s", got.RefundedAmount, got.Refundable, got.Status)
	}

	list, err := h.client.ListChargeRefunds(ctx, ch.ID, omise.ListParams{})
	if err != nil {
		t.Fatal(err)
	}
	if list.Total != 2 || len(list.Data) != 2 || list.Data[0].ID != r1.ID || list.Data[1].ID != r2.ID {
		t.Errorf("charge refunds %+v", list)
	}

	all, err := h.client.ListRefunds(ctx, omise.ListParams{Order: omise.OrderReverseChronological, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if all.Total != 3 || len(all.Data) != 2 || all.Data[0].Charge != other.ID {
		t.Errorf("account refunds total=%d first=%+v", all.Total, all.Data)
	}

	if _, err := h.client.CreateRefund(ctx, "chrg_test_missing", omise.CreateRefundParams{Amount: 100}); !omise.IsNotFound(err) {
		t.Errorf("refund of an unknown charge: %v", err)
	}
}

func TestEvents(t *testing.T) {
	h := newHarness(t, omisehttp.Config{})
	ctx := testCtx(t)
	ch := h.mustPaid(t, 4000, "att-events")

	list, err := h.client.ListEvents(ctx, omise.ListParams{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	for _, e := range list.Data {
		if e.ChargeID() == ch.ID {
			keys[e.Key] = e.ID
		}
	}
	for _, k := range []string{"charge.create", "charge.complete"} {
		if keys[k] == "" {
			t.Fatalf("no %s event for %s in %d events", k, ch.ID, len(list.Data))
		}
	}

	ev, err := h.client.GetEvent(ctx, keys["charge.complete"])
	if err != nil {
		t.Fatal(err)
	}
	if ev.Key != "charge.complete" || ev.ChargeID() != ch.ID || ev.CreatedAt.IsZero() {
		t.Errorf("event %+v", ev)
	}
	if obj, id := ev.DataObject(); obj != "charge" || id != ch.ID {
		t.Errorf("event data %s %s", obj, id)
	}
	if _, err := h.client.GetEvent(ctx, "evnt_test_missing"); !omise.IsNotFound(err) {
		t.Errorf("unknown event: %v", err)
	}
}

func TestNotFound(t *testing.T) {
	h := newHarness(t, omisehttp.Config{})
	_, err := h.client.GetCharge(testCtx(t), "chrg_test_doesnotexist00")
	var e *omise.Error
	if !omise.IsNotFound(err) || !asError(err, &e) || e.StatusCode != 404 || e.Code != "not_found" || e.Message == "" {
		t.Fatalf("got %v", err)
	}
	if omise.IsUncertain(err) || omise.IsRateLimited(err) {
		t.Error("a 404 is certain and not a rate limit")
	}
	if _, err := h.client.GetCharge(testCtx(t), ""); err == nil || omise.IsNotFound(err) {
		t.Errorf("empty id must fail before any request: %v", err)
	}
	// An id that needs escaping reaches the simulator as one path segment.
	if _, err := h.client.GetCharge(testCtx(t), "chrg/../refunds"); !omise.IsNotFound(err) {
		t.Errorf("odd id: %v", err)
	}
}

func TestBothAPIVersionsDecode(t *testing.T) {
	for _, version := range []string{"2017-11-02", "2019-05-29"} {
		t.Run(version, func(t *testing.T) {
			h := newHarness(t, omisehttp.Config{Version: version})
			ctx := testCtx(t)
			ch := h.mustPaid(t, 10000, "att-"+version)
			if _, err := h.client.CreateRefund(ctx, ch.ID, omise.CreateRefundParams{Amount: 1000}); err != nil {
				t.Fatal(err)
			}
			got, err := h.client.GetCharge(ctx, ch.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.RefundedAmount != 1000 || got.CreatedAt.IsZero() || got.Currency != "THB" {
				t.Errorf("refunded=%d created=%v currency=%q", got.RefundedAmount, got.CreatedAt, got.Currency)
			}
			if got.Refunds == nil || len(got.Refunds.Data) != 1 || got.Refunds.Data[0].CreatedAt.IsZero() {
				t.Errorf("embedded refunds %+v", got.Refunds)
			}
			if v := h.rec.last(t).Header.Get("Omise-Version"); v != version {
				t.Errorf("Omise-Version sent %q", v)
			}
		})
	}
}
