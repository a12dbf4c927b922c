package payments

import (
	"strings"

	"instore/db"
	"instore/money"
	"instore/omise"
)

// Refusals of the sale form: what is wrong and what to do. The sentences
// are the catalog's, under "refusal." + code.
func refuseField(field, code string, args map[string]any) *Refusal {
	return refuse(Invalid, code, field, args)
}

func refusalBarcodeEmpty() *Refusal     { return refuseField("barcode", "barcode_empty", nil) }
func refusalBarcodeNotDigits() *Refusal { return refuseField("barcode", "barcode_not_digits", nil) }
func refusalBarcodeReused() *Refusal    { return refuseField("barcode", "barcode_reused", nil) }
func refusalAmountEmpty() *Refusal      { return refuseField("amount", "amount_empty", nil) }
func refusalAmountFormat() *Refusal     { return refuseField("amount", "amount_format", nil) }
func refusalAttemptInvalid() *Refusal   { return refuseField("attempt_id", "attempt_invalid", nil) }
func refusalTerminalUnknown() *Refusal  { return refuseField("terminal_id", "terminal_unknown", nil) }
func refusalAttemptConflict() *Refusal  { return refuseField("attempt_id", "attempt_conflict", nil) }

func refusalAmountUnconfirmed() *Refusal {
	return refuseField("amount", CodeAmountUnconfirmed, nil)
}

func refusalAmountRange() *Refusal {
	return refuseField("amount", "amount_range", map[string]any{
		"Min": money.FormatTHB(money.MinCharge), "Max": money.FormatTHB(money.MaxCharge)})
}

func refusalBarcodeLength(minLen, maxLen, got int) *Refusal {
	return refuseField("barcode", "barcode_length", map[string]any{"Min": minLen, "Max": maxLen, "Got": got})
}

// refusalBarcodePrefix names the prefixes a code must begin with, first to
// last (they are consecutive).
func refusalBarcodePrefix(prefixes []string) *Refusal {
	return refuseField("barcode", "barcode_not_alipay", map[string]any{
		"First": prefixes[0], "Last": prefixes[len(prefixes)-1]})
}

func refusalTerminalBusy() *Refusal { return refuse(Conflict, "terminal_busy", "", nil) }

// refusalMethodNotOffered: the sale asked for a payment method the store
// does not take.
func refusalMethodNotOffered() *Refusal { return refuseField("method", "method_not_offered", nil) }

// CodeAmountUnconfirmed is the amount field's refusal when the amount sent
// is not the amount the cashier confirmed (CheckoutRequest.AmountConfirmed).
const CodeAmountUnconfirmed = "amount_unconfirmed"

// Error codes the till records on attempts that never got a charge.
const (
	// CodeNoCharge: the outcome was unknown and Omise turned out to have no
	// charge for the attempt.
	CodeNoCharge = "no_charge"
	// CodeSourceFailed: the source could not be created, so no charge exists.
	CodeSourceFailed = "source_failed"
	// CodeOmiseRefused: Omise answered POST /charges with a 4xx.
	CodeOmiseRefused = "omise_refused"
	// CodeOmiseConfig: Omise refused our keys; a person must fix settings.
	CodeOmiseConfig = "omise_config"
	// CodeReversed: the charge was reversed (not expected for barcode charges).
	CodeReversed = "reversed"
	// CodeMethodNotEnabled: Omise does not accept the store's source type
	// ("type is currently not supported"): the payment method is not
	// enabled on the merchant's Omise account. A new code does not help;
	// the manager must have it enabled or change the store's payment type.
	CodeMethodNotEnabled = "method_not_enabled"
)

// outcomeCodes are the codes with a sentence of their own under
// "outcome." in the catalog: an attempt's status, or why it failed.
var outcomeCodes = map[string]bool{
	"creating": true, "pending": true, "unknown": true, "successful": true, "expired": true,
	omise.FailureTimeout: true, omise.FailureInsufficientBalance: true, omise.FailurePaymentCancelled: true,
	omise.FailurePaymentRejected: true, omise.FailureFailedProcessing: true, omise.FailureInvalidBarcode: true,
	CodeNoCharge: true, CodeSourceFailed: true, CodeOmiseRefused: true, CodeOmiseConfig: true,
	CodeMethodNotEnabled: true, CodeReversed: true,
}

// codeFailed is the outcome of a failure with no sentence of its own.
const codeFailed = "failed"

// Outcome is how a till sale stands or ended, for people: a stable code and
// the catalog id of the sentence that says what the cashier does next.
type Outcome struct {
	Code  string
	MsgID string
}

// qrOutcomes are the outcomes whose sentence differs for a method whose
// customer scans a QR we show: they have no code to ask for (the next try
// is a new sale, with a new QR) and pay from a bank app, not a wallet.
// Their sentences are under "outcome.qr.".
var qrOutcomes = map[string]bool{
	"pending": true, "unknown": true, "expired": true, codeFailed: true,
	omise.FailureTimeout: true, omise.FailurePaymentCancelled: true, omise.FailureFailedProcessing: true,
	omise.FailurePaymentRejected: true,
	CodeNoCharge:                 true, CodeSourceFailed: true, CodeOmiseRefused: true, CodeMethodNotEnabled: true,
}

// OutcomeOf explains an attempt's state. For failed and rejected attempts
// the failure code decides; an unknown failure code is kept as the code
// and reads as a plain failure. A QR sale's waiting and timing out are
// told in its own words.
func OutcomeOf(a *db.Attempt) Outcome {
	out := outcomeOf(a)
	// By the sentence, not the code: a failure code we have no sentence
	// for reads as the plain failure, which has its QR wording too.
	if key, ok := strings.CutPrefix(out.MsgID, "outcome."); ok && qrOutcomes[key] && PaidByQR(a.SourceType) {
		out.MsgID = "outcome.qr." + key
	}
	return out
}

func outcomeOf(a *db.Attempt) Outcome {
	switch a.Status {
	case db.AttemptFailed, db.AttemptRejected:
		if outcomeCodes[a.ErrorCode] {
			return Outcome{a.ErrorCode, "outcome." + a.ErrorCode}
		}
		if a.ErrorCode != "" {
			return Outcome{a.ErrorCode, "outcome." + codeFailed}
		}
		return Outcome{codeFailed, "outcome." + codeFailed}
	}
	if outcomeCodes[a.Status] {
		return Outcome{a.Status, "outcome." + a.Status}
	}
	return Outcome{codeFailed, "outcome." + codeFailed}
}
