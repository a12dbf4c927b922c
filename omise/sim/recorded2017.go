package sim

import "strings"

// shapeRecorded2017 is the internal version name of the charge shape the
// 2017-11-02 API was recorded answering in (../shared/fixtures, omise-elixir
// cassettes): created, refunded, lowercase currency, and no fee, fee_vat,
// net, paid_at or expires_at; refunds and events carry created, and refunds
// lack status and metadata, as recorded. Options.Recorded2017 selects it, so
// the product can be tested against a server that never reports fees.
const shapeRecorded2017 = "2017-11-02/recorded"

// legacyChargeJSON is the key set of a charge recorded under 2017-11-02.
type legacyChargeJSON struct {
	Object         string         `json:"object"`
	ID             string         `json:"id"`
	Livemode       bool           `json:"livemode"`
	Location       string         `json:"location"`
	Amount         int64          `json:"amount"`
	Currency       string         `json:"currency"`
	Description    *string        `json:"description"`
	Metadata       map[string]any `json:"metadata"`
	Status         string         `json:"status"`
	Capture        bool           `json:"capture"`
	Authorized     bool           `json:"authorized"`
	Reversed       bool           `json:"reversed"`
	Paid           bool           `json:"paid"`
	Transaction    *string        `json:"transaction"`
	Refunded       int64          `json:"refunded"`
	Refunds        listJSON       `json:"refunds"`
	ReturnURI      *string        `json:"return_uri"`
	Reference      *string        `json:"reference"`
	AuthorizeURI   any            `json:"authorize_uri"`
	FailureCode    *string        `json:"failure_code"`
	FailureMessage *string        `json:"failure_message"`
	Card           any            `json:"card"`
	Customer       any            `json:"customer"`
	IP             *string        `json:"ip"`
	Dispute        any            `json:"dispute"`
	Created        string         `json:"created"`
	Source         *sourceJSON    `json:"source"`
}

// legacyRefundJSON is a refund recorded under 2017-11-02.
type legacyRefundJSON struct {
	Object      string `json:"object"`
	ID          string `json:"id"`
	Location    string `json:"location"`
	Amount      int64  `json:"amount"`
	Currency    string `json:"currency"`
	Voided      bool   `json:"voided"`
	Charge      string `json:"charge"`
	Transaction string `json:"transaction"`
	Created     string `json:"created"`
}

// legacyRefund is r in the recorded 2017 shape.
func legacyRefund(r *refundJSON) *legacyRefundJSON {
	return &legacyRefundJSON{Object: "refund", ID: r.ID, Location: r.Location, Amount: r.Amount,
		Currency: strings.ToLower(r.Currency), Voided: r.Voided, Charge: r.Charge, Transaction: r.Transaction,
		Created: r.CreatedAt}
}

// renderRefundIn serialises r in version v: the recorded 2017 shape, so a
// refund reads the same from its own endpoints, GET /refunds and events as
// embedded in its charge, or the current one.
func renderRefundIn(r *refund, v string) any {
	j := renderRefund(r)
	if v == shapeRecorded2017 {
		return legacyRefund(j)
	}
	return j
}

// recorded2017 turns a current-shape charge into the recorded 2017 shape.
// The source keeps its current keys: a source read under 2017-11-02 was
// already recorded with them (omise-api.md §1.4).
func recorded2017(j *chargeJSON) *legacyChargeJSON {
	refunds := j.Refunds
	refunds.Order = nil
	if rs, ok := refunds.Data.([]*refundJSON); ok {
		out := make([]*legacyRefundJSON, len(rs))
		for i, r := range rs {
			out[i] = legacyRefund(r)
		}
		refunds.Data = out
	}
	return &legacyChargeJSON{
		Object: j.Object, ID: j.ID, Livemode: j.Livemode, Location: j.Location, Amount: j.Amount,
		Currency: strings.ToLower(j.Currency), Description: j.Description, Metadata: j.Metadata, Status: j.Status,
		Capture: j.Capture, Authorized: j.Authorized, Reversed: j.Reversed, Paid: j.Paid, Transaction: j.Transaction,
		Refunded: j.RefundedAmount, Refunds: refunds, ReturnURI: j.ReturnURI, FailureCode: j.FailureCode,
		FailureMessage: j.FailureMessage, IP: j.IP, Created: j.CreatedAt, Source: j.Source,
	}
}
