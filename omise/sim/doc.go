// Package sim is an in-process Omise API simulator for Alipay In-Store
// (barcode_alipay), Alipay+ UPM (alipayplus_upm) and PromptPay (promptpay)
// charges.
//
// PromptPay charges carry source.scannable_code, a QR document under
// /charges/{id}/documents/{docu} whose download_uri serves an SVG. The
// shape follows a published live body; the QR's payload (a Thai QR
// bill-payment string with the amount and a CRC), the secret key on the
// download, and expiry, refunds and failure codes working as for barcode
// charges are the simulator's assumptions (see promptpay.go).
//
// It serves the Omise paths (/sources, /charges, /refunds, /events,
// /capability) with Omise's authentication, error shapes, state machine,
// fees, list pagination, events and signed webhooks, so that the product's
// demo mode, its tests and its load tests never need the real API. Mount it
// under a prefix with http.StripPrefix.
//
// Facts come from ../shared/omise-api.md and the recorded exchanges in
// ../shared/fixtures. Where Omise's behaviour is unknown the simulator makes
// a choice of its own; such choices are marked "ours" in comments and error
// messages are listed in errors.go.
//
// # Serialisation
//
// Each request is answered in its Omise-Version (default
// Options.AccountVersion). Following the product spec's examples, both
// 2017-11-02 and 2019-05-29 use the current key names (created_at,
// refunded_amount, uppercase THB) and the full key set; the one difference is
// the embedded refunds list's "order", null under 2017-11-02 and
// "chronological" under 2019-05-29, as recorded. Event data is serialised once,
// in the account version at the time of the event, like Omise does.
//
// # Test controls (not Omise's)
//
// Omise completes offline charges in test mode from its dashboard ("mark as
// paid" / "mark as failed"). The simulator offers the same as
// POST /charges/{id}/mark_as_paid and POST /charges/{id}/mark_as_failed
// (failure_code), and as the Go methods MarkPaid and MarkFailed. Further Go
// controls inject faults (SetFaults), move the clock (Advance), change a charge
// behind the product's back (ForceStatus, RefundQuietly) and report what
// happened (Deliveries, Stats).
//
// # Automatic outcomes (ours, not Omise's)
//
// With Options.AutoOutcome, a pending charge resolves by itself after
// Options.AutoOutcomeDelay according to the last four digits of its barcode;
// see AutoOutcomeRules and AutoOutcomeFor. Omise documents no such magic
// barcodes; this convention exists only so a demo can show every outcome.
//
// # Webhooks
//
// Every event is POSTed as JSON to Options.WebhookURL (and to each of
// Options.WebhookURLs) by a small pool of workers, sharded by charge so that
// one charge's events keep their order.
// With Options.WebhookSecret (base64) each delivery carries
// Omise-Signature-Timestamp (Unix seconds) and Omise-Signature =
// hex(HMAC-SHA256(base64-decoded secret, timestamp + "." + body)). Failed
// deliveries are retried with exponential backoff.
package sim
