package payments

import (
	"time"

	"instore/omise"
)

// methodPromptPay is Thai QR payment: the till makes the charge for the
// typed amount at once and shows the QR Omise made for it, on the till and
// on the customer display; the customer scans it in any Thai bank app.
// Opening a bank app and confirming takes longer than showing an Alipay
// code, hence the longer till timeout. Omise documents neither whether a
// pending PromptPay charge can be expired and a paid one refunded nor its
// failure codes; we assume they work as for Alipay (the simulator does the
// same, and says so).
var methodPromptPay = Method{
	ID: omise.SourcePromptPay, SourceType: omise.SourcePromptPay, Capture: CaptureQR,
	Failures: []string{
		omise.FailurePaymentCancelled, omise.FailureFailedProcessing, omise.FailurePaymentRejected, omise.FailureTimeout,
	},
	TillTimeout: 180 * time.Second, Expirable: true, Refundable: true,
}
