package payments

import (
	"slices"
	"time"

	"instore/omise"
)

// Capture is how the till takes a method's payment from the customer.
type Capture string

// The ways a till captures a payment.
const (
	// CaptureScan: the cashier scans the payment code on the customer's
	// phone and the code goes to Omise with the source.
	CaptureScan Capture = "scan"
	// CaptureQR: the till shows a QR code Omise made for the charge and
	// the customer scans it; nothing is scanned at the till.
	CaptureQR Capture = "qr"
)

// CodeRule is what a scanned payment code of a method looks like after
// NormaliseBarcode: digits only, MinLen to MaxLen of them, beginning with
// one of Prefixes (nil: any).
type CodeRule struct {
	MinLen, MaxLen int
	Prefixes       []string
}

// Method is one in-store payment method: everything the till, the forms,
// the configuration check and the rules need to know about it. Adding a
// method is one file declaring a Method, a line in methods, its catalog
// entries and simulator support.
type Method struct {
	// ID names the method in stores, attempts, forms, the CLI and
	// INSTORE_SOURCE_TYPE. It is Omise's source type for the methods that
	// existed before stores could enable several, so stored data kept its
	// meaning.
	ID string
	// SourceType is the Omise source type charges of the method are made with.
	SourceType string
	// Capture says whether the customer's code is scanned or a QR is shown.
	Capture Capture
	// Code validates a scanned code (CaptureScan only).
	Code CodeRule
	// StoreFields: the store id and name and the terminal id go to Omise
	// with the source. Methods whose source type Omise documents without
	// them leave them out rather than risk a 400.
	StoreFields bool
	// Failures are the Omise failure codes a charge of the method can end
	// with; the till explains each from the catalog entry outcome.<code>
	// (a test holds every method to having them).
	Failures []string
	// TillTimeout is how long a till sale may wait for the customer before
	// its charge is expired; 0 = INSTORE_TILL_TIMEOUT.
	TillTimeout time.Duration
	// Expirable and Refundable say whether Omise lets a pending charge of
	// the method be expired and a successful one be refunded.
	Expirable, Refundable bool
}

// LabelID is the catalog id of the method's name as people read it.
func (m *Method) LabelID() string { return "source." + m.ID }

// NameID is the catalog id of the method's short name ("Alipay",
// "PromptPay"), for lists, reports and CSVs where a person reads which
// method a charge was paid by.
func (m *Method) NameID() string { return "method." + m.ID }

// MethodNameID is the catalog id of the short name of the method whose
// charges Omise makes with sourceType, or "" when no method of this build
// makes them (the source type is then shown as it is).
func MethodNameID(sourceType string) string {
	if m, ok := MethodBySourceType(sourceType); ok {
		return m.NameID()
	}
	return ""
}

// Scanned reports whether the till scans the customer's code for m.
func (m *Method) Scanned() bool { return m.Capture == CaptureScan }

// methods is the registry, in the order forms offer the methods. The first
// is the default for new stores.
var methods = []*Method{&methodBarcodeAlipay, &methodAlipayPlusUPM, &methodPromptPay}

// Methods returns every method in the order forms offer them.
func Methods() []*Method { return slices.Clone(methods) }

// MethodIDs returns the ids of every method, in order.
func MethodIDs() []string {
	ids := make([]string, len(methods))
	for i, m := range methods {
		ids[i] = m.ID
	}
	return ids
}

// DefaultMethod is the method new stores get when nothing says otherwise.
func DefaultMethod() *Method { return methods[0] }

// MethodByID returns the method named id.
func MethodByID(id string) (*Method, bool) {
	for _, m := range methods {
		if m.ID == id {
			return m, true
		}
	}
	return nil, false
}

// ValidMethod reports whether id names a method a store may enable.
func ValidMethod(id string) bool {
	_, ok := MethodByID(id)
	return ok
}

// MethodBySourceType returns the method whose charges Omise makes with the
// source type (a charge remembers its source type, not our method).
func MethodBySourceType(sourceType string) (*Method, bool) {
	for _, m := range methods {
		if m.SourceType == sourceType {
			return m, true
		}
	}
	return nil, false
}

// sourceParams is what goes to Omise to make the source of a sale.
func (m *Method) sourceParams(amount int64, currency, code, storeID, storeName, terminalID string) omise.CreateSourceParams {
	p := omise.CreateSourceParams{Type: m.SourceType, Amount: amount, Currency: currency}
	if m.Scanned() {
		p.Barcode = code
	}
	if m.StoreFields {
		p.StoreID, p.StoreName, p.TerminalID = storeID, storeName, terminalID
	}
	return p
}

// StoreMethods checks a set of method ids a store is to take and returns
// them in registry order, without repeats (so the first is the store's
// default, and Alipay stays the default beside methods added later). ok is
// false when the set is empty or names a method that does not exist.
func StoreMethods(ids []string) (ordered []string, ok bool) {
	for _, id := range ids {
		if !ValidMethod(id) {
			return nil, false
		}
	}
	for _, m := range methods {
		if slices.Contains(ids, m.ID) {
			ordered = append(ordered, m.ID)
		}
	}
	return ordered, len(ordered) > 0
}

// StoreMethod returns the method a store's sale uses: id when the store
// takes it, or the store's default when id is "". ok is false when the
// store does not take id (or takes no method this build knows).
func StoreMethod(enabled []string, id string) (*Method, bool) {
	if id == "" {
		for _, e := range enabled {
			if m, ok := MethodByID(e); ok {
				return m, true
			}
		}
		return nil, false
	}
	if !slices.Contains(enabled, id) {
		return nil, false
	}
	return MethodByID(id)
}
