package payments

import (
	"strings"
	"testing"
	"time"

	"instore/db"
	"instore/i18n"
	"instore/omise"
)

// inCatalog reports whether r's sentence exists in both languages and
// every placeholder was filled.
func inCatalog(r *Refusal) bool {
	for _, lang := range i18n.Langs {
		s := i18n.TLang(lang, r.MessageID(), r.Args)
		if s == r.MessageID() || s == "" || strings.Contains(s, "<no value>") || strings.Contains(s, "refusal.") {
			return false
		}
	}
	return true
}

// Every refusal the rules can give reads in both languages, and the
// numbers in the words are the constants' (change one, the words follow).
func TestRefusalsReadFromCatalog(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, Bangkok)
	paid := now.Add(-time.Hour)
	ok := &db.Charge{Status: "successful", Amount: 10000, CreatedAt: paid, PaidAt: &paid}
	old := now.Add(-RefundWindow - time.Hour)
	cases := []struct {
		r    *Refusal
		kind Kind
		en   string // a fragment of the English text
	}{
		{checkRefundRequest(RefundRequest{IdempotencyKey: "x"}), Invalid, "out of date"},
		{checkRefundRequest(RefundRequest{IdempotencyKey: "key-12345678"}), Invalid, "฿0.00"},
		{checkRefundRequest(RefundRequest{IdempotencyKey: "key-12345678", Amount: 1}), Invalid, "reason"},
		{checkRefundRequest(RefundRequest{IdempotencyKey: "key-12345678", Amount: 1, Reason: ReasonOther,
			Note: strings.Repeat("x", MaxRefundNote+1)}), Invalid, "500 characters"},
		{checkRefundable(&db.Charge{Status: "pending"}, 1, 0, 0, 0, now), Conflict, "this one is pending"},
		{checkRefundable(ok, 1, MaxRefundsPerCharge, 0, 0, now), Conflict, "at most 15 times"},
		{checkRefundable(&db.Charge{Status: "successful", Amount: 100, CreatedAt: old, PaidAt: &old}, 1, 0, 0, 0, now), Conflict, "12 months"},
		{checkRefundable(ok, 20000, 0, 0, 0, now), Invalid, "(฿100.00)"},
		{checkRefundable(&db.Charge{Status: "successful", Amount: 100, RefundedAmount: 100}, 1, 0, 0, 0, now), Conflict, "in full"},
		{errKeyReused, Conflict, "different refund"},
		{errRefundUnknown, Unavailable, "not confirmed"},
		{ruleByCode(codeNotAtOmise), Conflict, "never reached"},
		{ruleByCode("omise_failed_refund"), Conflict, "cannot be refunded"},
		{ruleByCode("omise_bad_request"), Conflict, "(omise_bad_request)"},
		{omiseRefusal(&omise.Error{StatusCode: 401, Code: "authentication_failure"}, "refund"), Upstream, "API key"},
		{omiseRefusal(&omise.Error{StatusCode: 429, Code: "too_many_requests"}, "refund"), Unavailable, "busy"},
		{omiseRefusal(&omise.Error{StatusCode: 404, Code: "not_found"}, "refund"), NotFound, "Nothing was refunded"},
		{omiseRefusal(&omise.Error{StatusCode: 400, Code: "invalid_amount"}, "refund"), Upstream, "(invalid_amount)"},
		{omiseRefusal(&omise.Error{StatusCode: 500, Code: "internal_error"}, "refund"), Unavailable, "could not be reached"},
		{omiseRefusal(&omise.Error{StatusCode: 400, Code: "failed_expire"}, "charge"), Conflict, "could not expire"},
		{omiseRefusal(&omise.Error{StatusCode: 400, Code: "bad_request"}, "charge"), Upstream, "(bad_request)"},
	}
	for _, tc := range cases {
		if tc.r == nil {
			t.Fatalf("no refusal where %q was expected", tc.en)
		}
		if tc.r.Kind != tc.kind || !inCatalog(tc.r) {
			t.Errorf("%s: kind %s (want %s), in catalog %v", tc.r.Code, tc.r.Kind, tc.kind, inCatalog(tc.r))
		}
		if en := i18n.TLang(i18n.EN, tc.r.MessageID(), tc.r.Args); !strings.Contains(en, tc.en) {
			t.Errorf("%s: %q lacks %q", tc.r.Code, en, tc.en)
		}
	}
	// A status named in a Thai sentence is the Thai name.
	th := i18n.TLang(i18n.TH, "refusal.refund_not_successful", checkRefundable(&db.Charge{Status: "expired"}, 1, 0, 0, 0, now).Args)
	if !strings.Contains(th, "(expired)") || strings.Contains(th, "refusal.") {
		t.Errorf("thai status: %q", th)
	}
}

// The till's refusals, every outcome and the filter's refusals have their
// sentences in both languages.
func TestTillAndFilterWordsInCatalog(t *testing.T) {
	t.Parallel()
	rs := []*Refusal{refusalBarcodeEmpty(), refusalBarcodeNotDigits(), refusalBarcodeReused(), refusalAmountEmpty(),
		refusalAmountFormat(), refusalAttemptInvalid(), refusalTerminalUnknown(), refusalAttemptConflict(),
		refusalAmountUnconfirmed(), refusalAmountRange(), refusalBarcodeLength(16, 24, 3),
		refusalBarcodePrefix([]string{"25", "30"}), refusalTerminalBusy()}
	_, errs := ChargeFilterOf(ChargeFilterInput{Store: "other", Statuses: []string{"nope"}, From: "x", To: "y",
		Min: "z", Max: "w", Q: strings.Repeat("q", maxSearchLen+1), Cursor: "%%", Limit: "0"}, ChargeScope{Stores: []string{"mine"}})
	if len(errs) < 8 {
		t.Fatalf("filter refusals: %v", errs)
	}
	for _, r := range errs {
		rs = append(rs, r)
	}
	_, errs = ChargeFilterOf(ChargeFilterInput{From: "2025-03-20", To: "2025-03-01", Min: "10", Max: "5"}, ChargeScope{})
	for _, r := range errs {
		rs = append(rs, r)
	}
	for _, r := range rs {
		if !inCatalog(r) {
			t.Errorf("%s (%s): not in the catalog in both languages", r.Code, r.MessageID())
		}
	}
	if en := i18n.TLang(i18n.EN, refusalAmountRange().MessageID(), refusalAmountRange().Args); !strings.Contains(en, "฿20.00") {
		t.Errorf("amount range: %q", en)
	}
	for code := range outcomeCodes {
		for _, status := range []string{db.AttemptFailed, code} {
			o := OutcomeOf(&db.Attempt{Status: status, ErrorCode: code})
			for _, lang := range i18n.Langs {
				if s := i18n.TLang(lang, o.MsgID); s == o.MsgID || s == "" {
					t.Errorf("outcome %s/%s: %s missing in %s", status, code, o.MsgID, lang)
				}
			}
		}
	}
	if o := OutcomeOf(&db.Attempt{Status: db.AttemptFailed, ErrorCode: "brand_new"}); o.Code != "brand_new" || o.MsgID != "outcome.failed" {
		t.Errorf("unknown failure: %+v", o)
	}
}
