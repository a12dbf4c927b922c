package payments

import "instore/omise"

// alipayFailures are the failure codes Omise documents for Alipay's
// offline barcode charges.
var alipayFailures = []string{
	omise.FailurePaymentCancelled, omise.FailureFailedProcessing, omise.FailureInsufficientBalance,
	omise.FailurePaymentRejected, omise.FailureTimeout, omise.FailureInvalidBarcode,
}

// methodBarcodeAlipay is Alipay In-Store as the product spec names it: the
// cashier scans the customer's Alipay code (16–24 digits beginning 25 to
// 30; a code split by a scan that landed partly in the amount field keeps
// its length often enough but rarely its prefix, so the prefix is
// enforced), and the store and terminal go to Omise with it.
var methodBarcodeAlipay = Method{
	ID: omise.SourceBarcodeAlipay, SourceType: omise.SourceBarcodeAlipay, Capture: CaptureScan,
	Code:        CodeRule{MinLen: 16, MaxLen: 24, Prefixes: []string{"25", "26", "27", "28", "29", "30"}},
	StoreFields: true, Failures: alipayFailures, Expirable: true, Refundable: true,
}

// methodAlipayPlusUPM is Omise's current successor: Alipay+ wallets' codes
// of 17–32 digits with no fixed prefix, sent without store fields (Omise
// documents only the barcode for it).
var methodAlipayPlusUPM = Method{
	ID: omise.SourceAlipayPlusUPM, SourceType: omise.SourceAlipayPlusUPM, Capture: CaptureScan,
	Code:     CodeRule{MinLen: 17, MaxLen: 32},
	Failures: alipayFailures, Expirable: true, Refundable: true,
}
