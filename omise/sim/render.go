package sim

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"instore/omise"
)

// Version2019 is the current Omise API version.
const Version2019 = "2019-05-29"

// isModern reports whether version v serialises like 2019-05-29.
func isModern(v string) bool { return v >= Version2019 }

const currencyTHB = "THB"

func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func optTS(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := ts(t)
	return &s
}

func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// listJSON is Omise's list object.
type listJSON struct {
	Object   string  `json:"object"`
	Data     any     `json:"data"`
	Limit    int     `json:"limit"`
	Offset   int     `json:"offset"`
	Total    int     `json:"total"`
	Location string  `json:"location"`
	Order    *string `json:"order"`
	From     string  `json:"from"`
	To       string  `json:"to"`
}

type transactionFees struct {
	FeeFlat string `json:"fee_flat"`
	FeeRate string `json:"fee_rate"`
	VatRate string `json:"vat_rate"`
}

type platformFee struct {
	Fixed      any `json:"fixed"`
	Amount     any `json:"amount"`
	Percentage any `json:"percentage"`
}

type references struct {
	ExpiresAt            string `json:"expires_at"`
	DeviceID             any    `json:"device_id"`
	CustomerAmount       any    `json:"customer_amount"`
	CustomerCurrency     any    `json:"customer_currency"`
	CustomerExchangeRate any    `json:"customer_exchange_rate"`
	OmiseTaxID           any    `json:"omise_tax_id"`
	ReferenceNumber1     any    `json:"reference_number_1"`
	ReferenceNumber2     any    `json:"reference_number_2"`
	Barcode              any    `json:"barcode"`
	PaymentCode          any    `json:"payment_code"`
	VaCode               any    `json:"va_code"`
}

// sourceJSON has the full current source key set (omise-php 2025 fixture).
type sourceJSON struct {
	Object                   string      `json:"object"`
	ID                       string      `json:"id"`
	Livemode                 bool        `json:"livemode"`
	Location                 string      `json:"location"`
	Amount                   int64       `json:"amount"`
	Barcode                  *string     `json:"barcode"`
	Bank                     any         `json:"bank"`
	CreatedAt                string      `json:"created_at"`
	Currency                 string      `json:"currency"`
	Email                    any         `json:"email"`
	Flow                     string      `json:"flow"`
	InstallmentTerm          any         `json:"installment_term"`
	IP                       any         `json:"ip"`
	AbsorptionType           any         `json:"absorption_type"`
	Name                     any         `json:"name"`
	MobileNumber             any         `json:"mobile_number"`
	PhoneNumber              any         `json:"phone_number"`
	PlatformType             any         `json:"platform_type"`
	ScannableCode            any         `json:"scannable_code"`
	QRSettings               any         `json:"qr_settings"`
	Billing                  any         `json:"billing"`
	Shipping                 any         `json:"shipping"`
	Items                    []any       `json:"items"`
	References               *references `json:"references"`
	ProviderReferences       any         `json:"provider_references"`
	StoreID                  *string     `json:"store_id"`
	StoreName                *string     `json:"store_name"`
	TerminalID               *string     `json:"terminal_id"`
	Type                     string      `json:"type"`
	ZeroInterestInstallments any         `json:"zero_interest_installments"`
	ChargeStatus             string      `json:"charge_status"`
	ReceiptAmount            any         `json:"receipt_amount"`
	Discounts                []any       `json:"discounts"`
	PromotionCode            any         `json:"promotion_code"`
}

func renderSource(src *source) *sourceJSON {
	j := &sourceJSON{
		Object:       "source",
		ID:           src.id,
		Location:     "/sources/" + src.id,
		Amount:       src.amount,
		Barcode:      optStr(src.barcode),
		CreatedAt:    ts(src.created),
		Currency:     currencyTHB,
		Flow:         src.flow,
		Items:        []any{},
		StoreID:      src.storeID,
		StoreName:    src.storeName,
		TerminalID:   src.terminalID,
		Type:         src.typ,
		ChargeStatus: src.chargeStatus,
		Discounts:    []any{},
	}
	if !src.refExpiresAt.IsZero() {
		j.References = &references{ExpiresAt: ts(src.refExpiresAt)}
	}
	if src.doc != nil {
		j.ScannableCode = renderScannable(src.doc)
	}
	return j
}

// refundJSON has the current refund key set.
type refundJSON struct {
	Object                  string         `json:"object"`
	ID                      string         `json:"id"`
	Location                string         `json:"location"`
	Livemode                bool           `json:"livemode"`
	Voided                  bool           `json:"voided"`
	Currency                string         `json:"currency"`
	Amount                  int64          `json:"amount"`
	Metadata                map[string]any `json:"metadata"`
	Charge                  string         `json:"charge"`
	Capture                 any            `json:"capture"`
	Terminal                any            `json:"terminal"`
	Transaction             string         `json:"transaction"`
	Status                  string         `json:"status"`
	FundingAmount           int64          `json:"funding_amount"`
	FundingCurrency         string         `json:"funding_currency"`
	CreatedAt               string         `json:"created_at"`
	AcquirerReferenceNumber any            `json:"acquirer_reference_number"`
	ApprovalCode            any            `json:"approval_code"`
}

func renderRefund(r *refund) *refundJSON {
	return &refundJSON{
		Object:          "refund",
		ID:              r.id,
		Location:        "/charges/" + r.chargeID + "/refunds/" + r.id,
		Voided:          r.voided,
		Currency:        currencyTHB,
		Amount:          r.amount,
		Metadata:        r.metadata,
		Charge:          r.chargeID,
		Transaction:     r.transaction,
		Status:          "closed",
		FundingAmount:   r.amount,
		FundingCurrency: currencyTHB,
		CreatedAt:       ts(r.created),
	}
}

// chargeJSON has the full 2019-05-29 key set of omise-api.md §3.3.
type chargeJSON struct {
	Object                   string          `json:"object"`
	ID                       string          `json:"id"`
	Location                 string          `json:"location"`
	Amount                   int64           `json:"amount"`
	AcquirerReferenceNumber  any             `json:"acquirer_reference_number"`
	Net                      int64           `json:"net"`
	Fee                      int64           `json:"fee"`
	FeeVat                   int64           `json:"fee_vat"`
	Interest                 int64           `json:"interest"`
	InterestVat              int64           `json:"interest_vat"`
	FundingAmount            int64           `json:"funding_amount"`
	RefundedAmount           int64           `json:"refunded_amount"`
	AuthorizedAmount         int64           `json:"authorized_amount"`
	CapturedAmount           int64           `json:"captured_amount"`
	TransactionFees          transactionFees `json:"transaction_fees"`
	PlatformFee              platformFee     `json:"platform_fee"`
	Currency                 string          `json:"currency"`
	FundingCurrency          string          `json:"funding_currency"`
	IP                       *string         `json:"ip"`
	Refunds                  listJSON        `json:"refunds"`
	Link                     any             `json:"link"`
	Description              *string         `json:"description"`
	Metadata                 map[string]any  `json:"metadata"`
	Card                     any             `json:"card"`
	Source                   *sourceJSON     `json:"source"`
	Schedule                 any             `json:"schedule"`
	LinkedAccount            any             `json:"linked_account"`
	Customer                 any             `json:"customer"`
	Dispute                  any             `json:"dispute"`
	Transaction              *string         `json:"transaction"`
	FailureCode              *string         `json:"failure_code"`
	FailureMessage           *string         `json:"failure_message"`
	MerchantAdvice           any             `json:"merchant_advice"`
	MerchantAdviceCode       any             `json:"merchant_advice_code"`
	Missing3DSFields         any             `json:"missing_3ds_fields"`
	AuthenticatedBy          any             `json:"authenticated_by"`
	Status                   string          `json:"status"`
	AuthorizationType        any             `json:"authorization_type"`
	AuthorizeURI             any             `json:"authorize_uri"`
	ReturnURI                *string         `json:"return_uri"`
	CreatedAt                string          `json:"created_at"`
	PaidAt                   *string         `json:"paid_at"`
	AuthorizedAt             *string         `json:"authorized_at"`
	ExpiresAt                *string         `json:"expires_at"`
	ExpiredAt                *string         `json:"expired_at"`
	ReversedAt               any             `json:"reversed_at"`
	MultiCapture             bool            `json:"multi_capture"`
	ZeroInterestInstallments bool            `json:"zero_interest_installments"`
	Branch                   any             `json:"branch"`
	Terminal                 any             `json:"terminal"`
	Device                   any             `json:"device"`
	Authorized               bool            `json:"authorized"`
	Capturable               bool            `json:"capturable"`
	Capture                  bool            `json:"capture"`
	Disputable               bool            `json:"disputable"`
	Livemode                 bool            `json:"livemode"`
	Refundable               bool            `json:"refundable"`
	PartiallyRefundable      bool            `json:"partially_refundable"`
	Reversed                 bool            `json:"reversed"`
	Reversible               bool            `json:"reversible"`
	Voided                   bool            `json:"voided"`
	Paid                     bool            `json:"paid"`
	Expired                  bool            `json:"expired"`
	CanPerformVoid           bool            `json:"can_perform_void"`
	ApprovalCode             any             `json:"approval_code"`
}

var orderChronological = omise.OrderChronological

// renderCharge serialises a snapshot in version v (or the recorded 2017
// shape); to is the serialisation time shown in the embedded refunds list.
func renderCharge(sn *chargeSnap, v string, to time.Time) any {
	j := renderChargeJSON(sn, v, to)
	if v == shapeRecorded2017 {
		return recorded2017(j)
	}
	return j
}

// renderChargeJSON is the full current key set of a snapshot.
func renderChargeJSON(sn *chargeSnap, v string, to time.Time) *chargeJSON {
	c := &sn.c
	refunds := make([]*refundJSON, len(c.refunds))
	for i, r := range c.refunds {
		refunds[i] = renderRefund(r)
	}
	var order *string
	if isModern(v) {
		order = &orderChronological
	}
	refundable := c.status == omise.StatusSuccessful && c.refunded < c.amount
	j := &chargeJSON{
		Object:           "charge",
		ID:               c.id,
		Location:         "/charges/" + c.id,
		Amount:           c.amount,
		Net:              c.net,
		Fee:              c.fee,
		FeeVat:           c.feeVat,
		FundingAmount:    c.amount,
		RefundedAmount:   c.refunded,
		AuthorizedAmount: c.amount,
		CapturedAmount:   c.amount,
		TransactionFees: transactionFees{
			FeeFlat: "0.0",
			FeeRate: formatRate(c.feeRate),
			VatRate: "7.0",
		},
		Currency:        currencyTHB,
		FundingCurrency: currencyTHB,
		IP:              c.ip,
		Refunds: listJSON{
			Object:   "list",
			Data:     refunds,
			Limit:    20,
			Total:    len(refunds),
			Location: "/charges/" + c.id + "/refunds",
			Order:    order,
			From:     ts(time.Unix(0, 0)),
			To:       ts(to),
		},
		Description:         c.description,
		Metadata:            c.metadata,
		Source:              renderSource(&sn.src),
		Transaction:         optStr(c.transaction),
		Status:              string(c.status),
		ReturnURI:           c.returnURI,
		CreatedAt:           ts(c.created),
		PaidAt:              optTS(c.paidAt),
		AuthorizedAt:        optTS(c.paidAt),
		ExpiresAt:           optTS(c.expiresAt),
		ExpiredAt:           optTS(c.expiredAt),
		Authorized:          c.authorized,
		Capture:             true,
		Refundable:          refundable,
		PartiallyRefundable: refundable,
		Voided:              c.voided,
		Paid:                c.paid,
		Expired:             c.expired,
	}
	if c.status == omise.StatusFailed {
		j.FailureCode = optStr(c.failureCode)
		msg := failureMessages[c.failureCode]
		if msg == "" {
			msg = c.failureCode
		}
		j.FailureMessage = &msg
	}
	if c.metadata == nil {
		j.Metadata = map[string]any{}
	}
	return j
}

// formatRate shows basis points as Omise's fee_rate string: 365 -> "3.65",
// 300 -> "3.0".
func formatRate(bp int64) string {
	s := strconv.FormatInt(bp/100, 10) + "." + strconv.FormatInt(100+bp%100, 10)[1:]
	if strings.HasSuffix(s, "0") {
		s = s[:len(s)-1]
	}
	return s
}

// eventJSON is Omise's event object.
type eventJSON struct {
	Object            string            `json:"object"`
	ID                string            `json:"id"`
	Livemode          bool              `json:"livemode"`
	Location          string            `json:"location"`
	WebhookDeliveries []webhookDelivery `json:"webhook_deliveries"`
	Data              json.RawMessage   `json:"data"`
	Key               string            `json:"key"`
	CreatedAt         string            `json:"created_at,omitempty"`
	Created           string            `json:"created,omitempty"` // the recorded 2017 shape's name instead
}

// webhookDelivery is one attempt as shown in an event's webhook_deliveries.
type webhookDelivery struct {
	Object    string  `json:"object"`
	ID        string  `json:"id"`
	URI       string  `json:"uri"`
	Status    *int    `json:"status"`
	Key       string  `json:"key"`
	Error     *string `json:"error"`
	Payload   string  `json:"payload"`
	CreatedAt string  `json:"created_at"` // Omise's odd "2006-01-02 15:04:05 UTC"
}

// render fills ev.data and ev.payload once.
func (ev *event) render() {
	ev.once.Do(func() {
		var v any
		if ev.refund != nil {
			v = renderRefundIn(ev.refund, ev.version)
		} else {
			v = renderCharge(ev.charge, ev.version, ev.created)
		}
		ev.data, _ = json.Marshal(v)
		ev.payload, _ = json.Marshal(ev.json(nil))
		ev.payloadStr = string(ev.payload)
	})
}

// json returns the event object with the given deliveries (never nil).
func (ev *event) json(d []webhookDelivery) *eventJSON {
	if d == nil {
		d = []webhookDelivery{}
	}
	j := &eventJSON{
		Object:            "event",
		ID:                ev.id,
		Location:          "/events/" + ev.id,
		WebhookDeliveries: d,
		Data:              ev.data,
		Key:               ev.key,
	}
	if ev.version == shapeRecorded2017 {
		j.Created = ts(ev.created)
	} else {
		j.CreatedAt = ts(ev.created)
	}
	return j
}
