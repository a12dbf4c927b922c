// Package omise is the Omise API as data: the objects (sources, charges,
// refunds, events, lists), their constants (source types, statuses, failure
// codes), the error types, event decoding and the webhook signature. It
// does no I/O, so the domain and the simulator can speak Omise without an
// HTTP client; omise/omisehttp is the client that calls the API.
package omise

import (
	"encoding/json"
	"strings"
	"time"
)

// Omise-Version values the client speaks. Both body shapes are decoded
// whichever is sent, because webhook and event bodies come in the
// account's own version.
const (
	// Version2017 is the version the product spec pins. Its recorded
	// charges carry no fee, fee_vat, net, paid_at or expires_at.
	Version2017 = "2017-11-02"
	// Version2019 is the current version; it documents fee, fee_vat and net.
	Version2019 = "2019-05-29"
)

// DefaultVersion is the Omise-Version sent when none is configured: the
// one that documents fees, so that a missing fee means Omise did not know
// it rather than that we asked in a shape without one.
const DefaultVersion = Version2019

// Source types the product can charge with.
const (
	SourceBarcodeAlipay = "barcode_alipay"
	SourceAlipayPlusUPM = "alipayplus_upm"
	// SourcePromptPay is Thai QR payment: the customer scans a QR the
	// charge carries (source.scannable_code) in any Thai bank app.
	SourcePromptPay = "promptpay"
)

// ChargeStatus is the status of a charge as Omise reports it.
type ChargeStatus string

// Charge statuses relevant to offline barcode charges.
const (
	StatusPending    ChargeStatus = "pending"
	StatusSuccessful ChargeStatus = "successful"
	StatusFailed     ChargeStatus = "failed"
	StatusExpired    ChargeStatus = "expired"
	StatusReversed   ChargeStatus = "reversed"
)

// Final reports whether no further transition is possible from s.
func (s ChargeStatus) Final() bool {
	return s == StatusSuccessful || s == StatusFailed || s == StatusExpired || s == StatusReversed
}

// Failure codes an Alipay barcode charge can end with.
const (
	FailurePaymentCancelled    = "payment_cancelled"
	FailureFailedProcessing    = "failed_processing"
	FailureInsufficientBalance = "insufficient_balance"
	FailurePaymentRejected     = "payment_rejected"
	FailureTimeout             = "timeout"
	FailureInvalidBarcode      = "invalid_barcode"
)

// Source is an Omise source object (only the fields a barcode charge uses).
type Source struct {
	Object       string    `json:"object"`
	ID           string    `json:"id"`
	Livemode     bool      `json:"livemode"`
	Location     string    `json:"location"`
	Type         string    `json:"type"`
	Flow         string    `json:"flow"`
	Amount       int64     `json:"amount"`
	Currency     string    `json:"currency"`
	Barcode      string    `json:"barcode"`
	StoreID      string    `json:"store_id"`
	StoreName    string    `json:"store_name"`
	TerminalID   string    `json:"terminal_id"`
	ChargeStatus string    `json:"charge_status"`
	CreatedAt    time.Time `json:"created_at"`
	// ScannableCode is the QR a PromptPay charge carries (nil otherwise).
	ScannableCode *ScannableCode `json:"scannable_code"`
}

// ScannableCode is a code the customer scans: for PromptPay a QR image
// kept by Omise as a document.
type ScannableCode struct {
	Object string    `json:"object"`
	Type   string    `json:"type"`
	Image  *Document `json:"image"`
}

// Document is a file Omise keeps for a charge, such as a PromptPay QR.
// DownloadURI serves the file itself.
type Document struct {
	Object      string    `json:"object"`
	ID          string    `json:"id"`
	Filename    string    `json:"filename"`
	Location    string    `json:"location"`
	Kind        string    `json:"kind"`
	DownloadURI string    `json:"download_uri"`
	CreatedAt   time.Time `json:"created_at"`
}

// Charge is an Omise charge. It decodes both the 2017-11-02 and the
// 2019-05-29 shapes: created/created_at, refunded/refunded_amount, thb/THB.
type Charge struct {
	Object   string `json:"object"`
	ID       string `json:"id"`
	Livemode bool   `json:"livemode"`
	Location string `json:"location"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	Fee      int64  `json:"fee"`
	FeeVat   int64  `json:"fee_vat"`
	Net      int64  `json:"net"`
	// FeeAbsent is set by decoding when the body had no fee (the recorded
	// 2017-11-02 shape): Fee, FeeVat and Net are then 0 because nobody
	// said, not because the fee was 0.
	FeeAbsent           bool           `json:"-"`
	RefundedAmount      int64          `json:"refunded_amount"`
	Refunds             *RefundList    `json:"refunds"`
	Description         *string        `json:"description"`
	Metadata            map[string]any `json:"metadata"`
	Status              ChargeStatus   `json:"status"`
	Capture             bool           `json:"capture"`
	Authorized          bool           `json:"authorized"`
	Paid                bool           `json:"paid"`
	Reversed            bool           `json:"reversed"`
	Expired             bool           `json:"expired"`
	Voided              bool           `json:"voided"`
	Refundable          bool           `json:"refundable"`
	PartiallyRefundable bool           `json:"partially_refundable"`
	Transaction         *string        `json:"transaction"`
	Source              *Source        `json:"source"`
	FailureCode         *string        `json:"failure_code"`
	FailureMessage      *string        `json:"failure_message"`
	CreatedAt           time.Time      `json:"created_at"`
	PaidAt              *time.Time     `json:"paid_at"`
	ExpiresAt           *time.Time     `json:"expires_at"`
	ExpiredAt           *time.Time     `json:"expired_at"`
}

// MetadataString returns metadata[key] when it is a string, else "".
func (c *Charge) MetadataString(key string) string {
	if c == nil || c.Metadata == nil {
		return ""
	}
	s, _ := c.Metadata[key].(string)
	return s
}

// chargeIn is a charge as either API version sends it. Fee and Net shadow
// the embedded fields (shallower wins) so that an absent or null key can
// be told from a 0; Refunds shadows the list so that its refunds decode in
// the same pass (a field with a method of its own is scanned again by
// encoding/json before the method runs).
type chargeIn struct {
	plainCharge
	Created  *time.Time      `json:"created"`
	Refunded *int64          `json:"refunded"`
	Fee      *int64          `json:"fee"`
	FeeVat   *int64          `json:"fee_vat"`
	Net      *int64          `json:"net"`
	Refunds  *List[refundIn] `json:"refunds"`
}

// UnmarshalJSON accepts both API versions' names for the same fields. A
// body valid as JSON is read by readChargePlain when it can; anything it
// declines goes to encoding/json.
func (c *Charge) UnmarshalJSON(b []byte) error {
	var aux chargeIn
	if !json.Valid(b) || !readChargePlain(b, &aux) {
		aux = chargeIn{}
		if err := json.Unmarshal(b, &aux); err != nil {
			return err
		}
	}
	c.from(&aux)
	return nil
}

// from fills c from a decoded chargeIn.
func (c *Charge) from(aux *chargeIn) {
	*c = Charge(aux.plainCharge)
	useLegacyCreated(&c.CreatedAt, aux.Created)
	switch {
	case aux.Fee == nil:
		c.Fee, c.FeeVat, c.Net, c.FeeAbsent = 0, 0, 0, true
	default:
		c.Fee = *aux.Fee
		if aux.FeeVat != nil {
			c.FeeVat = *aux.FeeVat
		}
		// Omise defines net as amount − fee − fee_vat; derive it when only
		// the fee parts came.
		if aux.Net != nil {
			c.Net = *aux.Net
		} else {
			c.Net = c.Amount - c.Fee - c.FeeVat
		}
	}
	if aux.Refunded != nil && c.RefundedAmount == 0 {
		c.RefundedAmount = *aux.Refunded
	}
	if l := aux.Refunds; l != nil {
		c.Refunds = &RefundList{Object: l.Object, Limit: l.Limit, Offset: l.Offset, Total: l.Total, Order: l.Order,
			Location: l.Location, From: l.From, To: l.To}
		if l.Data != nil {
			c.Refunds.Data = make([]Refund, len(l.Data))
			for i := range l.Data {
				l.Data[i].to(&c.Refunds.Data[i])
			}
		}
	}
	c.Currency = strings.ToUpper(c.Currency)
}

// plainCharge and plainRefund are the objects without their decoding
// methods, for the decoders' own structs to embed.
type (
	plainCharge Charge
	plainRefund Refund
)

// refundIn is a refund as either API version sends it.
type refundIn struct {
	plainRefund
	Created *time.Time `json:"created"`
}

func (in *refundIn) to(r *Refund) {
	*r = Refund(in.plainRefund)
	useLegacyCreated(&r.CreatedAt, in.Created)
	r.Currency = strings.ToUpper(r.Currency)
}

// useLegacyCreated fills createdAt from the 2017-11-02 "created" key when
// the body had no "created_at".
func useLegacyCreated(createdAt *time.Time, created *time.Time) {
	if createdAt.IsZero() && created != nil {
		*createdAt = *created
	}
}

// Refund is an Omise refund.
type Refund struct {
	Object      string         `json:"object"`
	ID          string         `json:"id"`
	Livemode    bool           `json:"livemode"`
	Location    string         `json:"location"`
	Amount      int64          `json:"amount"`
	Currency    string         `json:"currency"`
	Charge      string         `json:"charge"`
	Transaction string         `json:"transaction"`
	Status      string         `json:"status"`
	Voided      bool           `json:"voided"`
	Metadata    map[string]any `json:"metadata"`
	CreatedAt   time.Time      `json:"created_at"`
}

// UnmarshalJSON accepts created/created_at and either currency case.
func (r *Refund) UnmarshalJSON(b []byte) error {
	var in refundIn
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	in.to(r)
	return nil
}

// Event is an Omise event. Data holds the raw object (charge or refund).
type Event struct {
	Object    string          `json:"object"`
	ID        string          `json:"id"`
	Livemode  bool            `json:"livemode"`
	Location  string          `json:"location"`
	Key       string          `json:"key"`
	Data      json.RawMessage `json:"data"`
	CreatedAt time.Time       `json:"created_at"`

	// about is what Data is about, read once by UnmarshalJSON from the
	// Data it decoded (nil: read it from Data when asked).
	about *eventData
}

// UnmarshalJSON accepts created/created_at. A body of the plain shape
// every delivery has is read by readEventPlain after one validity check;
// anything else goes to encoding/json.
func (e *Event) UnmarshalJSON(b []byte) error {
	if json.Valid(b) {
		if ev, ok := readEventPlain(b); ok {
			*e = ev
			d := readValidEventData(e.Data)
			e.about = &d
			return nil
		}
	}
	return e.unmarshalJSON(b)
}

// unmarshalJSON is UnmarshalJSON through encoding/json alone.
func (e *Event) unmarshalJSON(b []byte) error {
	type plain Event
	var aux struct {
		plain
		Created *time.Time `json:"created"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*e = Event(aux.plain)
	useLegacyCreated(&e.CreatedAt, aux.Created)
	d := readValidEventData(e.Data)
	e.about = &d
	return nil
}

// eventData is the part of an event's data that says what it is about.
type eventData struct {
	Object string `json:"object"`
	ID     string `json:"id"`
	Charge string `json:"charge"`
}

func (e *Event) data() eventData {
	if e.about != nil {
		return *e.about
	}
	return readEventData(e.Data)
}

// DataObject reports the "object" and "id" of the event's data.
func (e *Event) DataObject() (object, id string) {
	d := e.data()
	return d.Object, d.ID
}

// ChargeID returns the charge the event is about: the charge itself, or the
// charge a refund belongs to.
func (e *Event) ChargeID() string {
	switch d := e.data(); d.Object {
	case "refund":
		return d.Charge
	case "charge":
		return d.ID
	}
	return ""
}

// List is an Omise list object.
type List[T any] struct {
	Object   string    `json:"object"`
	Data     []T       `json:"data"`
	Limit    int       `json:"limit"`
	Offset   int       `json:"offset"`
	Total    int       `json:"total"`
	Order    *string   `json:"order"`
	Location string    `json:"location"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
}

// RefundList is the list embedded in a charge.
type RefundList = List[Refund]

// Order values for list requests.
const (
	OrderChronological        = "chronological"
	OrderReverseChronological = "reverse_chronological"
)

// ListParams are the pagination parameters every Omise list accepts.
// Zero values are left out of the request.
type ListParams struct {
	From   time.Time
	To     time.Time
	Offset int
	Limit  int // at most 100
	Order  string
}

// CreateSourceParams creates a barcode source with the public key.
type CreateSourceParams struct {
	Type       string
	Amount     int64
	Currency   string
	Barcode    string
	StoreID    string
	StoreName  string
	TerminalID string
}

// CreateChargeParams creates a charge with the secret key. Either SourceID
// or InlineSource is set.
type CreateChargeParams struct {
	Amount       int64
	Currency     string
	SourceID     string
	InlineSource *CreateSourceParams
	Description  string
	Metadata     map[string]string
}

// CreateRefundParams creates a refund on a charge.
type CreateRefundParams struct {
	Amount   int64
	Void     bool
	Metadata map[string]string
}
