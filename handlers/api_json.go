package handlers

import (
	"encoding/json"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"instore/db"
	"instore/payments"
)

// GET /api/charges writes its answer with the encoder below instead of
// encoding/json: reflecting over 23 fields of 50 charges was a sixth of
// the handler's CPU. The bytes are those encoding/json writes for
// chargeListJSON (a test compares the two over varied charges), so a
// field added to ChargeJSON must be added here too; the test fails until
// it is.

var jsonBufs = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}

// appendChargeList appends GET /api/charges' answer for rows as
// json.Encoder.Encode writes the chargeListJSON holding NewChargeJSON of
// each row, newline included. It writes each charge straight from the
// stored row: the intermediate ChargeJSON values, their time strings and
// pointers, were a fifth of the handler's allocations.
func appendChargeList(b []byte, rows []*db.Charge, next string, count *int64, t *totalsJSON) []byte {
	b = append(b, `{"object":"list","data":[`...)
	for i, c := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendChargeJSON(b, c)
	}
	b = append(b, `],"next_cursor":`...)
	b = appendJSONString(b, next)
	if count != nil {
		b = append(b, `,"count":`...)
		b = strconv.AppendInt(b, *count, 10)
	}
	if t != nil {
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

// appendChargeJSON appends c as encoding/json marshals NewChargeJSON(c).
func appendChargeJSON(b []byte, c *db.Charge) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, c.ID)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, c.Status)
	b = append(b, `,"state":`...)
	b = appendJSONString(b, payments.ChargeState(c))
	b = append(b, `,"amount":`...)
	b = strconv.AppendInt(b, c.Amount, 10)
	b = append(b, `,"currency":`...)
	b = appendJSONString(b, c.Currency)
	if payments.ShowsFee(c) {
		b = append(b, `,"fee":`...)
		b = strconv.AppendInt(b, c.Fee, 10)
		b = append(b, `,"fee_vat":`...)
		b = strconv.AppendInt(b, c.FeeVat, 10)
		b = append(b, `,"net":`...)
		b = strconv.AppendInt(b, c.Net, 10)
	} else {
		b = append(b, `,"fee":null,"fee_vat":null,"net":null`...)
	}
	b = append(b, `,"fee_reported":`...)
	b = strconv.AppendBool(b, !c.FeeUnknown)
	b = append(b, `,"refunded_amount":`...)
	b = strconv.AppendInt(b, c.RefundedAmount, 10)
	b = append(b, `,"failure_code":`...)
	b = appendJSONStringOrNull(b, c.FailureCode)
	b = append(b, `,"failure_message":`...)
	b = appendJSONStringOrNull(b, c.FailureMessage)
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
	if m, ok := methodNames()[c.SourceType]; ok {
		b = append(b, m.json...)
	} else {
		b = append(b, `,"method":"","method_name":{"th":"","en":""}`...)
	}
	b = append(b, `,"barcode_masked":`...)
	b = appendJSONString(b, c.BarcodeMasked)
	b = append(b, `,"created_at":`...)
	b = appendJSONTime(b, c.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendJSONTime(b, c.UpdatedAt)
	b = append(b, `,"paid_at":`...)
	b = appendJSONTimeOrNull(b, c.PaidAt)
	b = append(b, `,"expired_at":`...)
	b = appendJSONTimeOrNull(b, c.ExpiredAt)
	return append(b, '}')
}

// appendJSONTime appends t as NewChargeJSON writes times: UTC RFC 3339,
// which needs no escaping.
func appendJSONTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, time.RFC3339)
	return append(b, '"')
}

func appendJSONTimeOrNull(b []byte, t *time.Time) []byte {
	if t == nil {
		return append(b, "null"...)
	}
	return appendJSONTime(b, *t)
}

// appendJSONStringOrNull appends s, or null for "" (NewChargeJSON's str).
func appendJSONStringOrNull(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendJSONString(b, s)
}

// appendJSONString appends s quoted. Text encoding/json would write as it
// is (valid UTF-8 without control characters, quotes, backslashes, <, >,
// &, U+2028 or U+2029: ids, codes, Thai names) is copied; anything else is
// left to encoding/json, so its escapes are always its own. The bytes are
// looked at one table lookup each; only text with bytes above ASCII is
// then checked as UTF-8 (utf8.ValidString reads words at a time).
func appendJSONString(b []byte, s string) []byte {
	wide := false
	for i := 0; i < len(s); i++ {
		switch jsonByte[s[i]] {
		case jsonEscaped:
			return appendJSONMarshal(b, s)
		case jsonWide:
			// U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
			if s[i] == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9) {
				return appendJSONMarshal(b, s)
			}
			wide = true
		}
	}
	if wide && !utf8.ValidString(s) {
		return appendJSONMarshal(b, s)
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

const (
	jsonPlain   = iota
	jsonEscaped // encoding/json writes it escaped
	jsonWide    // part of a multi-byte sequence
)

var jsonByte = func() (t [256]uint8) {
	for c := range 256 {
		switch {
		case c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&':
			t[c] = jsonEscaped
		case c >= utf8.RuneSelf:
			t[c] = jsonWide
		}
	}
	return t
}()

func appendJSONMarshal(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}
