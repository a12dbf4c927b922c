package sim

import (
	"strings"

	"instore/omise"
)

// Barcode suffixes of the automatic-outcome convention. This is OUR
// convention for demos and tests, not Omise's: Omise documents no magic
// barcodes for barcode_alipay.
const (
	SuffixStayPending         = "0000" // stays pending until expired or marked by hand
	SuffixInsufficientBalance = "1111" // fails with insufficient_balance
	SuffixPaymentRejected     = "2222" // fails with payment_rejected
	SuffixTimeout             = "3333" // fails with timeout
	SuffixPaymentCancelled    = "4444" // fails with payment_cancelled
	SuffixFailedProcessing    = "5555" // fails with failed_processing
	SuffixInvalidBarcode      = "6666" // fails with invalid_barcode
)

// AutoOutcomeRule maps a barcode suffix to the state a pending charge reaches
// by itself when Options.AutoOutcome is on.
type AutoOutcomeRule struct {
	Suffix      string
	Status      omise.ChargeStatus // StatusPending means "stay pending"
	FailureCode string             // set when Status is StatusFailed
}

// AutoOutcomeRules is the whole convention; any barcode not matching a rule
// becomes successful. Exported so a demo screen can list the magic codes.
var AutoOutcomeRules = []AutoOutcomeRule{
	{SuffixStayPending, omise.StatusPending, ""},
	{SuffixInsufficientBalance, omise.StatusFailed, omise.FailureInsufficientBalance},
	{SuffixPaymentRejected, omise.StatusFailed, omise.FailurePaymentRejected},
	{SuffixTimeout, omise.StatusFailed, omise.FailureTimeout},
	{SuffixPaymentCancelled, omise.StatusFailed, omise.FailurePaymentCancelled},
	{SuffixFailedProcessing, omise.StatusFailed, omise.FailureFailedProcessing},
	{SuffixInvalidBarcode, omise.StatusFailed, omise.FailureInvalidBarcode},
}

// AutoOutcomeFor returns the outcome the automatic convention gives barcode.
func AutoOutcomeFor(barcode string) (omise.ChargeStatus, string) {
	for _, r := range AutoOutcomeRules {
		if strings.HasSuffix(barcode, r.Suffix) {
			return r.Status, r.FailureCode
		}
	}
	return omise.StatusSuccessful, ""
}

// failureMessages are the human texts set beside each failure code. Only
// "Timeout" is attested (SWIFT fixture); the others follow its style (ours).
var failureMessages = map[string]string{
	omise.FailurePaymentCancelled:    "Payment cancelled",
	omise.FailureFailedProcessing:    "Failed processing",
	omise.FailureInsufficientBalance: "Insufficient balance",
	omise.FailurePaymentRejected:     "Payment rejected",
	omise.FailureTimeout:             "Timeout",
	omise.FailureInvalidBarcode:      "Invalid barcode",
}

// autoResolve applies the automatic outcome to a charge that is still pending.
func (s *Sim) autoResolve(id string) {
	s.mu.RLock()
	c := s.charges[id]
	var barcode string
	pending := c != nil && c.status == omise.StatusPending
	if pending {
		barcode = c.src.barcode
	}
	s.mu.RUnlock()
	if !pending {
		return
	}
	status, code := AutoOutcomeFor(barcode)
	switch status {
	case omise.StatusSuccessful:
		_, _ = s.complete(id, "")
	case omise.StatusFailed:
		_, _ = s.complete(id, code)
	}
}
