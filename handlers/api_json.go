package handlers

import (
	"encoding/json"
	"strconv"
	"sync"
	"unicode/utf8"
)

// GET /api/charges writes its answer with the encoder below instead of
// encoding/json: reflecting over 23 fields of 50 charges was a sixth of
// the handler's CPU. The bytes are those encoding/json writes for
// chargeListJSON (a test compares the two over varied charges), so a
// field added to ChargeJSON must be added here too; the test fails until
// it is.

var jsonBufs = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}

// appendJSON appends l as json.Encoder.Encode writes it, newline included.
func (l *chargeListJSON) appendJSON(b []byte) []byte {
	b = append(b, `{"object":`...)
	b = appendJSONString(b, l.Object)
	b = append(b, `,"data":`...)
	if l.Data == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range l.Data {
			if i > 0 {
				b = append(b, ',')
			}
			b = l.Data[i].appendJSON(b)
		}
		b = append(b, ']')
	}
	b = append(b, `,"next_cursor":`...)
	b = appendJSONString(b, l.NextCursor)
	if l.Count != nil {
		b = append(b, `,"count":`...)
		b = strconv.AppendInt(b, *l.Count, 10)
	}
	if t := l.Totals; t != nil {
		b = append(b, `,"totals":{"amount":`...)
		b = strconv.AppendInt(b, t.Amount, 10)
		b = append(b, `,"fee":`...)
		b = strconv.AppendInt(b, t.Fee, 10)
		b = append(b, `,"fee_vat":`...)
		b = strconv.AppendInt(b, t.FeeVat, 10)
		b = append(b, `,"net":`...)
		b = strconv.AppendInt(b, t.Net, 10)
		b = append(b, `,"refunded_amount":`...)
		b = strconv.AppendInt(b, t.RefundedAmount, 10)
		b = append(b, `,"fee_unknown_count":`...)
		b = strconv.AppendInt(b, t.FeeUnknownCount, 10)
		b = append(b, '}')
	}
	return append(b, "}\n"...)
}

// appendJSON appends c as encoding/json marshals it.
func (c *ChargeJSON) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, c.ID)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, c.Status)
	b = append(b, `,"state":`...)
	b = appendJSONString(b, c.State)
	b = append(b, `,"amount":`...)
	b = strconv.AppendInt(b, c.Amount, 10)
	b = append(b, `,"currency":`...)
	b = appendJSONString(b, c.Currency)
	b = append(b, `,"fee":`...)
	b = appendJSONInt(b, c.Fee)
	b = append(b, `,"fee_vat":`...)
	b = appendJSONInt(b, c.FeeVat)
	b = append(b, `,"net":`...)
	b = appendJSONInt(b, c.Net)
	b = append(b, `,"fee_reported":`...)
	b = strconv.AppendBool(b, c.FeeReported)
	b = append(b, `,"refunded_amount":`...)
	b = strconv.AppendInt(b, c.RefundedAmount, 10)
	b = append(b, `,"failure_code":`...)
	b = appendJSONStringPtr(b, c.FailureCode)
	b = append(b, `,"failure_message":`...)
	b = appendJSONStringPtr(b, c.FailureMessage)
	b = append(b, `,"store_id":`...)
	b = appendJSONString(b, c.StoreID)
	b = append(b, `,"terminal_id":`...)
	b = appendJSONString(b, c.TerminalID)
	if c.AttemptID != "" {
		b = append(b, `,"attempt_id":`...)
		b = appendJSONString(b, c.AttemptID)
	}
	b = append(b, `,"source_type":`...)
	b = appendJSONString(b, c.SourceType)
	b = append(b, `,"method":`...)
	b = appendJSONString(b, c.Method)
	b = append(b, `,"method_name":{"th":`...)
	b = appendJSONString(b, c.MethodName.TH)
	b = append(b, `,"en":`...)
	b = appendJSONString(b, c.MethodName.EN)
	b = append(b, `},"barcode_masked":`...)
	b = appendJSONString(b, c.BarcodeMasked)
	b = append(b, `,"created_at":`...)
	b = appendJSONString(b, c.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendJSONString(b, c.UpdatedAt)
	b = append(b, `,"paid_at":`...)
	b = appendJSONStringPtr(b, c.PaidAt)
	b = append(b, `,"expired_at":`...)
	b = appendJSONStringPtr(b, c.ExpiredAt)
	return append(b, '}')
}

func appendJSONInt(b []byte, v *int64) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, *v, 10)
}

func appendJSONStringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendJSONString(b, *s)
}

// appendJSONString appends s quoted. Text encoding/json would write as it
// is (valid UTF-8 without control characters, quotes, backslashes, <, >,
// &, U+2028 or U+2029: ids, codes, Thai names) is copied; anything else is
// left to encoding/json, so its escapes are always its own.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return appendJSONMarshal(b, s)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == '\u2028' || r == '\u2029' {
			return appendJSONMarshal(b, s)
		}
		i += size
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendJSONMarshal(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}
