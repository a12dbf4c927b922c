package sim

import (
	"strings"

	"instore/omise"
)

// sourceTypes are the barcode types the simulator supports, with their flow.
var sourceTypes = map[string]string{
	omise.SourceBarcodeAlipay: "offline",
	omise.SourceAlipayPlusUPM: "offline",
	omise.SourcePromptPay:     "offline",
}

// Barcode length bounds (ours: Omise's own barcode validation is unknown;
// real Alipay codes have 16 to 24 digits).
const (
	MinBarcodeLen = 10
	MaxBarcodeLen = 64
)

// validBarcode: digits only, MinBarcodeLen..MaxBarcodeLen long.
func validBarcode(b string) bool {
	if len(b) < MinBarcodeLen || len(b) > MaxBarcodeLen {
		return false
	}
	for i := 0; i < len(b); i++ {
		if b[i] < '0' || b[i] > '9' {
			return false
		}
	}
	return true
}

// checkAmount parses an amount parameter.
func (s *Sim) checkAmount(v any, present bool) (int64, *Error) {
	if !present {
		return 0, errAmountMissing
	}
	n, err := asInt(v)
	if err != nil {
		return 0, errAmountNaN
	}
	return n, nil
}

// checkRange applies the charge amount bounds (codes as for charges; the
// sources endpoint turns them into bad_request).
func (s *Sim) checkRange(n int64) *Error {
	if n < MinAmount {
		return errAmountTooSmall
	}
	if n > s.o.MaxAmount {
		return errAmountTooLarge(s.o.MaxAmount)
	}
	return nil
}

// buildSource validates source parameters in the order the recordings imply
// (amount, currency, type) and returns an unsaved source.
func (s *Sim) buildSource(p params, amount int64) (*source, *Error) {
	typ := p.str("type")
	flow, ok := sourceTypes[typ]
	if !ok || s.sourceTypeRefused(typ) {
		return nil, errType
	}
	src := &source{
		id:           s.newID("src"),
		typ:          typ,
		flow:         flow,
		amount:       amount,
		chargeStatus: "unknown",
	}
	if isPromptPay(src) {
		// The customer scans our QR: no barcode, no store fields.
		return src, nil
	}
	src.barcode = strings.TrimSpace(p.str("barcode"))
	if src.barcode == "" {
		return nil, errBarcodeMissing
	}
	if !validBarcode(src.barcode) {
		return nil, errBarcode
	}
	if typ == omise.SourceBarcodeAlipay {
		src.storeID = p.optString("store_id")
		src.storeName = p.optString("store_name")
		src.terminalID = p.optString("terminal_id")
	}
	return src, nil
}

func (s *Sim) createSource(q *request) (any, *Error) {
	amount, e := s.checkAmount(q.p["amount"], q.p.has("amount"))
	if e != nil {
		return nil, e
	}
	if !q.p.has("currency") {
		return nil, errCurrencyMissing
	}
	if !strings.EqualFold(q.p.str("currency"), currencyTHB) {
		return nil, errSourceCurrency
	}
	src, e := s.buildSource(q.p, amount)
	if e != nil {
		return nil, e
	}
	if e := s.checkRange(amount); e != nil {
		return nil, asBadRequest(e)
	}
	src.created = q.now
	out := renderSource(src) // before src is shared
	s.mu.Lock()
	s.sources[src.id] = src
	s.mu.Unlock()
	s.stats.sources.Add(1)
	return out, nil
}

func (s *Sim) getSource(q *request) (any, *Error) {
	s.mu.RLock()
	src, ok := s.sources[q.id]
	var cp source
	if ok {
		cp = *src
	}
	s.mu.RUnlock()
	if !ok {
		return nil, errNotFound("source", q.id)
	}
	return renderSource(&cp), nil
}
