package sim

import (
	"fmt"
	"net/http"
	"strings"
)

// Error is an Omise API error. Handlers answer it as
// {"object":"error","location":…,"code":…,"message":…}; the Go control
// methods return it.
type Error struct {
	Status  int    // HTTP status
	Code    string // Omise error code, e.g. "invalid_charge"
	Message string // lowercase English, as Omise writes them
}

// Error implements error.
func (e *Error) Error() string {
	return fmt.Sprintf("omise sim: %d %s: %s", e.Status, e.Code, e.Message)
}

// Location is the documentation URL Omise puts in the error body (the
// recorded 2017 form: code with dashes).
func (e *Error) Location() string {
	return "https://www.omise.co/api-errors#" + strings.ReplaceAll(e.Code, "_", "-")
}

func newErr(status int, code, msg string) *Error {
	return &Error{Status: status, Code: code, Message: msg}
}

// Errors with real, recorded or documented messages.
var (
	errAuth            = newErr(http.StatusUnauthorized, "authentication_failure", "authentication failed")
	errAmountNaN       = newErr(http.StatusBadRequest, "bad_request", "amount is not a number")
	errSourceCurrency  = newErr(http.StatusBadRequest, "bad_request", "currency is currently not supported")
	errChargeCurrency  = newErr(http.StatusBadRequest, "invalid_charge", "currency is currently not supported")
	errType            = newErr(http.StatusBadRequest, "bad_request", "type is currently not supported")
	errFailedExpire    = newErr(http.StatusBadRequest, "failed_expire", "expire failed")
	errExpiredCharge   = newErr(http.StatusBadRequest, "expired_charge", "charge expired")
	errFailedReverse   = newErr(http.StatusBadRequest, "failed_reverse", "only uncaptured authorized charges can be reversed")
	errFailedCapture   = newErr(http.StatusBadRequest, "failed_capture", "capture failed")
	errCannotRefund    = newErr(http.StatusBadRequest, "failed_refund", "charge can't be refunded")
	errInternal        = newErr(http.StatusInternalServerError, "internal_server_error", "internal server error")
	errTooManyRequests = newErr(http.StatusTooManyRequests, "too_many_requests", "too many requests")
)

// Errors whose messages are ours (Omise's are unknown).
var (
	errAmountMissing   = newErr(http.StatusBadRequest, "bad_request", "amount is required")
	errCurrencyMissing = newErr(http.StatusBadRequest, "bad_request", "currency is required")
	errBarcodeMissing  = newErr(http.StatusBadRequest, "bad_request", "barcode is required")
	errBarcode         = newErr(http.StatusBadRequest, "bad_request", "barcode is invalid")
	errMetadata        = newErr(http.StatusBadRequest, "bad_request", "metadata must be an object")
	errDescription     = newErr(http.StatusBadRequest, "bad_request", "description must be a string")
	errSourceParam     = newErr(http.StatusBadRequest, "bad_request", "source must be a source id or an object")
	errNoPaymentMethod = newErr(http.StatusBadRequest, "invalid_charge", "card, customer or source is required")
	errSourceAmount    = newErr(http.StatusBadRequest, "invalid_charge", "amount does not match source amount")
	errSourceUsed      = newErr(http.StatusBadRequest, "invalid_charge", "source was already used")
	errNotPending      = newErr(http.StatusBadRequest, "bad_request", "charge is not pending")
	errFailureCode     = newErr(http.StatusBadRequest, "bad_request", "failure_code is not supported")
	errRefundAmount    = newErr(http.StatusBadRequest, "bad_request", "amount must be greater than 0")
	errRefundExceeds   = newErr(http.StatusBadRequest, "failed_refund", "amount exceeds the refundable amount")
	errRefundFull      = newErr(http.StatusBadRequest, "failed_refund", "charge has already been fully refunded")
	errRefundTooMany   = newErr(http.StatusBadRequest, "failed_refund", "charge has reached the maximum number of refunds")
	errRefundTooOld    = newErr(http.StatusBadRequest, "failed_refund", "charge is too old to be refunded")
	errBadParam        = newErr(http.StatusBadRequest, "bad_request", "request body is not valid")
	errStatus          = newErr(http.StatusBadRequest, "bad_request", "status is not supported")
	errUnknownPath     = newErr(http.StatusNotFound, "not_found", "the requested resource was not found")
	errRequestTooLarge = newErr(http.StatusRequestEntityTooLarge, "bad_request", "request body is too large")
	errListParam       = func(name string) *Error { return newErr(http.StatusBadRequest, "bad_request", name+" is invalid") }
	errAmountTooSmall  = newErr(http.StatusBadRequest, "invalid_charge", fmt.Sprintf("amount must be greater than or equal to %d (thb subunits)", MinAmount))
)

// asBadRequest keeps e's message under the code bad_request, which is what
// the sources endpoint uses for every parameter error recorded.
func asBadRequest(e *Error) *Error { return newErr(e.Status, "bad_request", e.Message) }

// errAmountTooLarge quotes the configured maximum (the wording mirrors the
// real minimum message; ours).
func errAmountTooLarge(max int64) *Error {
	return newErr(http.StatusBadRequest, "invalid_charge", fmt.Sprintf("amount must be less than or equal to %d (thb subunits)", max))
}

// errNotFound is Omise's "<thing> <id> was not found".
func errNotFound(thing, id string) *Error {
	return newErr(http.StatusNotFound, "not_found", thing+" "+id+" was not found")
}
