package omise

import (
	"encoding/json"
	"strconv"
	"time"
)

// readChargePlain reads a charge already checked to be valid JSON into
// aux, as encoding/json reads it, by a walk over its top level, its
// source's and its refund list's: every webhook's re-read of a charge is
// decoded, and encoding/json spent most of that on reflection over the
// objects' hundred-odd keys, most of them null or unused. A value of the
// plain shape (a string of printable ASCII without escapes, an integer,
// true or false, null for a pointer, a time that parses) is read here; any
// other value of a field (metadata, the refunds themselves, a string with
// an escape or a Thai name) is handed to encoding/json alone, into the
// same field, which reads it as it would in place. It declines (false,
// aux then partly filled) whatever it cannot tell the same: a key
// matching a field only ignoring case, a key with an escape or a byte
// outside ASCII, a value encoding/json refuses.
func readChargePlain(b []byte, aux *chargeIn) bool {
	end, ok := walkObject(b, skipSpace(b, 0), chargeFields, func(key []byte, i int) (int, bool) {
		switch string(key) {
		case "object":
			return readString(b, i, &aux.Object)
		case "id":
			return readString(b, i, &aux.ID)
		case "livemode":
			return readBool(b, i, &aux.Livemode)
		case "location":
			return readString(b, i, &aux.Location)
		case "amount":
			return readInt(b, i, &aux.Amount)
		case "currency":
			return readString(b, i, &aux.Currency)
		case "fee":
			return readIntPtr(b, i, &aux.Fee)
		case "fee_vat":
			return readIntPtr(b, i, &aux.FeeVat)
		case "net":
			return readIntPtr(b, i, &aux.Net)
		case "refunded_amount":
			return readInt(b, i, &aux.RefundedAmount)
		case "refunded":
			return readIntPtr(b, i, &aux.Refunded)
		case "refunds":
			return readRefundsPlain(b, i, &aux.Refunds)
		case "description":
			return readStringPtr(b, i, &aux.Description)
		case "metadata":
			return readJSON(b, i, &aux.Metadata)
		case "status":
			return readString(b, i, (*string)(&aux.Status))
		case "capture":
			return readBool(b, i, &aux.Capture)
		case "authorized":
			return readBool(b, i, &aux.Authorized)
		case "paid":
			return readBool(b, i, &aux.Paid)
		case "reversed":
			return readBool(b, i, &aux.Reversed)
		case "expired":
			return readBool(b, i, &aux.Expired)
		case "voided":
			return readBool(b, i, &aux.Voided)
		case "refundable":
			return readBool(b, i, &aux.Refundable)
		case "partially_refundable":
			return readBool(b, i, &aux.PartiallyRefundable)
		case "transaction":
			return readStringPtr(b, i, &aux.Transaction)
		case "source":
			return readSourcePlain(b, i, &aux.Source)
		case "failure_code":
			return readStringPtr(b, i, &aux.FailureCode)
		case "failure_message":
			return readStringPtr(b, i, &aux.FailureMessage)
		case "created_at":
			return readTime(b, i, &aux.CreatedAt)
		case "created":
			return readTimePtr(b, i, &aux.Created)
		case "paid_at":
			return readTimePtr(b, i, &aux.PaidAt)
		case "expires_at":
			return readTimePtr(b, i, &aux.ExpiresAt)
		case "expired_at":
			return readTimePtr(b, i, &aux.ExpiredAt)
		}
		return skipValue(b, i)
	})
	return ok && skipSpace(b, end) == len(b)
}

// chargeFields are the keys encoding/json decodes into a chargeIn.
var chargeFields = []string{"object", "id", "livemode", "location", "amount", "currency", "fee", "fee_vat", "net",
	"refunded_amount", "refunded", "refunds", "description", "metadata", "status", "capture", "authorized", "paid",
	"reversed", "expired", "voided", "refundable", "partially_refundable", "transaction", "source", "failure_code",
	"failure_message", "created_at", "created", "paid_at", "expires_at", "expired_at"}

// readSourcePlain reads the charge's source at b[i] into *dst as
// encoding/json does: null empties it, an object is read into the source
// already there (a repeated key) or a new one.
func readSourcePlain(b []byte, i int, dst **Source) (int, bool) {
	if hasLiteral(b, i, "null") {
		*dst = nil
		return i + len("null"), true
	}
	if i >= len(b) || b[i] != '{' {
		return readJSON(b, i, dst)
	}
	if *dst == nil {
		*dst = new(Source)
	}
	s := *dst
	return walkObject(b, i, sourceFields, func(key []byte, i int) (int, bool) {
		switch string(key) {
		case "object":
			return readString(b, i, &s.Object)
		case "id":
			return readString(b, i, &s.ID)
		case "livemode":
			return readBool(b, i, &s.Livemode)
		case "location":
			return readString(b, i, &s.Location)
		case "type":
			return readString(b, i, &s.Type)
		case "flow":
			return readString(b, i, &s.Flow)
		case "amount":
			return readInt(b, i, &s.Amount)
		case "currency":
			return readString(b, i, &s.Currency)
		case "barcode":
			return readString(b, i, &s.Barcode)
		case "store_id":
			return readString(b, i, &s.StoreID)
		case "store_name":
			return readString(b, i, &s.StoreName)
		case "terminal_id":
			return readString(b, i, &s.TerminalID)
		case "charge_status":
			return readString(b, i, &s.ChargeStatus)
		case "created_at":
			return readTime(b, i, &s.CreatedAt)
		case "scannable_code":
			return readJSON(b, i, &s.ScannableCode)
		}
		return skipValue(b, i)
	})
}

// sourceFields are the keys encoding/json decodes into a Source.
var sourceFields = []string{"object", "id", "livemode", "location", "type", "flow", "amount", "currency", "barcode",
	"store_id", "store_name", "terminal_id", "charge_status", "created_at", "scannable_code"}

// walkObject walks the object at b[i], calling field with each key and the
// index of its value; field returns the index after the value. A key that
// is not plain, or that matches one of fields only ignoring case, declines
// the walk. It returns the index after the object.
func walkObject(b []byte, i int, fields []string, field func(key []byte, i int) (int, bool)) (int, bool) {
	if i >= len(b) || b[i] != '{' {
		return 0, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, true
	}
	for {
		key, next, plain := plainString(b, i)
		if !plain {
			return 0, false
		}
		// Only a key with a capital letter can match a field ignoring
		// case without being its name (the key is plain ASCII).
		if hasUpper(key) {
			for _, name := range fields {
				if foldsTo(key, name) {
					return 0, false
				}
			}
		}
		i = skipSpace(b, next)
		if i >= len(b) || b[i] != ':' {
			return 0, false
		}
		var ok bool
		if i, ok = field(key, skipSpace(b, i+1)); !ok {
			return 0, false
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return 0, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return i + 1, true
		default:
			return 0, false
		}
	}
}

// readRefundsPlain reads the charge's list of refunds at b[i] into *dst
// as encoding/json does (see readSourcePlain); the refunds themselves, when
// there are any, are handed to encoding/json.
func readRefundsPlain(b []byte, i int, dst **List[refundIn]) (int, bool) {
	if hasLiteral(b, i, "null") {
		*dst = nil
		return i + len("null"), true
	}
	if i >= len(b) || b[i] != '{' {
		return readJSON(b, i, dst)
	}
	if *dst == nil {
		*dst = new(List[refundIn])
	}
	l := *dst
	return walkObject(b, i, listFields, func(key []byte, i int) (int, bool) {
		switch string(key) {
		case "object":
			return readString(b, i, &l.Object)
		case "data":
			if b[i] == '[' {
				if j := skipSpace(b, i+1); j < len(b) && b[j] == ']' {
					l.Data = []refundIn{}
					return j + 1, true
				}
			}
			return readJSON(b, i, &l.Data)
		case "limit":
			return readSmallInt(b, i, &l.Limit)
		case "offset":
			return readSmallInt(b, i, &l.Offset)
		case "total":
			return readSmallInt(b, i, &l.Total)
		case "order":
			return readStringPtr(b, i, &l.Order)
		case "location":
			return readString(b, i, &l.Location)
		case "from":
			return readTime(b, i, &l.From)
		case "to":
			return readTime(b, i, &l.To)
		}
		return skipValue(b, i)
	})
}

// listFields are the keys encoding/json decodes into a List.
var listFields = []string{"object", "data", "limit", "offset", "total", "order", "location", "from", "to"}

// hasUpper reports whether key has a capital ASCII letter.
func hasUpper(key []byte) bool {
	for _, c := range key {
		if 'A' <= c && c <= 'Z' {
			return true
		}
	}
	return false
}

// readString reads a plain string at b[i] into *dst, or hands any other
// value to encoding/json.
func readString(b []byte, i int, dst *string) (int, bool) {
	if v, next, plain := plainString(b, i); plain {
		*dst = string(v)
		return next, true
	}
	return readJSON(b, i, dst)
}

// readStringPtr is readString for a field that may be null.
func readStringPtr(b []byte, i int, dst **string) (int, bool) {
	if hasLiteral(b, i, "null") {
		*dst = nil
		return i + len("null"), true
	}
	if v, next, plain := plainString(b, i); plain {
		if *dst == nil {
			*dst = new(string)
		}
		**dst = string(v)
		return next, true
	}
	return readJSON(b, i, dst)
}

// readBool reads true or false, or hands any other value to encoding/json.
func readBool(b []byte, i int, dst *bool) (int, bool) {
	switch {
	case hasLiteral(b, i, "true"):
		*dst = true
		return i + len("true"), true
	case hasLiteral(b, i, "false"):
		*dst = false
		return i + len("false"), true
	}
	return readJSON(b, i, dst)
}

// readInt reads an integer, or hands any other value to encoding/json.
func readInt(b []byte, i int, dst *int64) (int, bool) {
	if n, next, ok := plainInt(b, i); ok {
		*dst = n
		return next, true
	}
	return readJSON(b, i, dst)
}

// readIntPtr is readInt for a field that may be null.
func readIntPtr(b []byte, i int, dst **int64) (int, bool) {
	if hasLiteral(b, i, "null") {
		*dst = nil
		return i + len("null"), true
	}
	if n, next, ok := plainInt(b, i); ok {
		if *dst == nil {
			*dst = new(int64)
		}
		**dst = n
		return next, true
	}
	return readJSON(b, i, dst)
}

// readSmallInt is readInt for an int.
func readSmallInt(b []byte, i int, dst *int) (int, bool) {
	if n, next, ok := plainInt(b, i); ok && int64(int(n)) == n {
		*dst = int(n)
		return next, true
	}
	return readJSON(b, i, dst)
}

// plainInt reads digits, with a minus sign or not, that fit an int64.
func plainInt(b []byte, i int) (n int64, next int, ok bool) {
	j := i
	if j < len(b) && b[j] == '-' {
		j++
	}
	start := j
	for j < len(b) && '0' <= b[j] && b[j] <= '9' {
		j++
	}
	if j == start || j < len(b) && isLiteralByte(b[j]) {
		return 0, 0, false
	}
	n, err := strconv.ParseInt(string(b[i:j]), 10, 64)
	return n, j, err == nil
}

// readTime reads a plain string as time.Time reads its JSON, or hands any
// other value to encoding/json.
func readTime(b []byte, i int, dst *time.Time) (int, bool) {
	if _, next, plain := plainString(b, i); plain {
		var t time.Time
		if t.UnmarshalJSON(b[i:next]) != nil {
			return 0, false
		}
		*dst = t
		return next, true
	}
	return readJSON(b, i, dst)
}

// readTimePtr is readTime for a field that may be null.
func readTimePtr(b []byte, i int, dst **time.Time) (int, bool) {
	if hasLiteral(b, i, "null") {
		*dst = nil
		return i + len("null"), true
	}
	if _, next, plain := plainString(b, i); plain {
		var t time.Time
		if t.UnmarshalJSON(b[i:next]) != nil {
			return 0, false
		}
		if *dst == nil {
			*dst = new(time.Time)
		}
		**dst = t
		return next, true
	}
	return readJSON(b, i, dst)
}

// readJSON hands the value at b[i] to encoding/json, into dst (a pointer
// to the field); declined when encoding/json refuses it.
func readJSON(b []byte, i int, dst any) (int, bool) {
	end, ok := skipValue(b, i)
	if !ok || json.Unmarshal(b[i:end], dst) != nil {
		return 0, false
	}
	return end, true
}
