package payments

import (
	"encoding/json"
	"strings"
	"time"

	"instore/db"
	"instore/omise"
)

// Metadata keys the till puts on every charge it creates.
const (
	MetaAttemptID  = "attempt_id"
	MetaTerminalID = "terminal_id"
	MetaStoreID    = "store_id"
	MetaCashier    = "cashier"
)

// fromOmise maps an Omise charge to our row. Store and terminal come from
// the source when Omise has them (barcode_alipay), else from our metadata.
func fromOmise(oc *omise.Charge) *db.Charge {
	c := &db.Charge{
		ID: oc.ID, Livemode: oc.Livemode, Amount: oc.Amount, Currency: strings.ToUpper(oc.Currency),
		Status: string(oc.Status), Fee: oc.Fee, FeeVat: oc.FeeVat, Net: oc.Net, FeeUnknown: oc.FeeAbsent,
		RefundedAmount: oc.RefundedAmount,
		CreatedAt:      oc.CreatedAt.UTC(), PaidAt: utcPtr(oc.PaidAt), ExpiresAt: utcPtr(oc.ExpiresAt), ExpiredAt: utcPtr(oc.ExpiredAt),
		Metadata: "{}",
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now().UTC()
	}
	c.BkkDay = BusinessDay(c.CreatedAt)
	if oc.FailureCode != nil {
		c.FailureCode = *oc.FailureCode
	}
	if oc.FailureMessage != nil {
		c.FailureMessage = *oc.FailureMessage
	}
	if oc.Transaction != nil {
		c.TransactionID = *oc.Transaction
	}
	if oc.Source != nil {
		c.SourceID, c.SourceType = oc.Source.ID, oc.Source.Type
		c.StoreID, c.TerminalID = oc.Source.StoreID, oc.Source.TerminalID
		if oc.Source.Barcode != "" {
			c.BarcodeMasked = MaskBarcode(oc.Source.Barcode)
		}
	}
	if c.StoreID == "" {
		c.StoreID = oc.MetadataString(MetaStoreID)
	}
	if c.TerminalID == "" {
		c.TerminalID = oc.MetadataString(MetaTerminalID)
	}
	c.AttemptID = oc.MetadataString(MetaAttemptID)
	c.Cashier = oc.MetadataString(MetaCashier)
	if len(oc.Metadata) > 0 {
		if b, err := json.Marshal(oc.Metadata); err == nil {
			c.Metadata = string(b)
		}
	}
	return c
}

func refundFromOmise(r *omise.Refund, now time.Time) *db.Refund {
	f := &db.Refund{
		ID: r.ID, ChargeID: r.Charge, Amount: r.Amount, Currency: strings.ToUpper(r.Currency), Status: r.Status,
		Voided: r.Voided, TransactionID: r.Transaction, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: now, Metadata: "{}",
	}
	if f.Status == "" {
		f.Status = "closed"
	}
	if f.CreatedAt.IsZero() {
		f.CreatedAt = now
	}
	f.BkkDay = BusinessDay(f.CreatedAt)
	if len(r.Metadata) > 0 {
		if b, err := json.Marshal(r.Metadata); err == nil {
			f.Metadata = string(b)
		}
		if v, ok := r.Metadata["reason"].(string); ok {
			f.Reason = v
		}
	}
	return f
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// MaskBarcode keeps the first 2 and last 4 digits of a payment code, which
// is all we ever store of it.
func MaskBarcode(code string) string {
	if len(code) <= 6 {
		return strings.Repeat("•", len(code))
	}
	return code[:2] + strings.Repeat("•", len(code)-6) + code[len(code)-4:]
}
