package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
)

// On SQLite the JSON list's columns come back as one value per charge,
// json_array(...) of the twenty columns, read here. modernc's driver takes
// the connection's lock and copies for every column it reads, so twenty
// reads a row were half the API's database time; one read and this parse
// cost about half as much. PostgreSQL reads the columns as they are.

// listChargesShownSQLite is ListChargesShown's query on SQLite.
func (d *DB) listChargesShownSQLite(ctx context.Context, f ChargeFilter, where string, args []any) (*ChargePage, error) {
	rows, err := d.R.QueryContext(ctx, `SELECT json_array(`+chargeAPIColumns+`) FROM charges`+where+listChargesOrder,
		append(args, f.Limit+1)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	p := newChargePage(f.Limit + 1)
	var raw string // the fields are cut from it: one string a row
	for rows.Next() {
		c := p.add()
		if c == nil {
			break
		}
		err := rows.Scan(&raw)
		if err == nil {
			err = c.readShownJSON(raw)
		}
		if err != nil {
			p.Release()
			return nil, err
		}
	}
	return p.cut(rows.Err(), f.Limit)
}

var errShownJSON = errors.New("db: unexpected json_array value of a charge")

// readShownJSON fills c from json_array(chargeAPIColumns).
func (c *Charge) readShownJSON(b string) error {
	r := jsonRow{b: b}
	if !r.open() {
		return errShownJSON
	}
	c.ID = r.str()
	c.Amount = r.int()
	c.Currency = r.str()
	c.Status = r.str()
	c.FailureCode = r.str()
	c.FailureMessage = r.str()
	c.Fee = r.int()
	c.FeeVat = r.int()
	c.Net = r.int()
	c.RefundedAmount = r.int()
	c.SourceType = r.str()
	c.BarcodeMasked = r.str()
	c.StoreID = r.str()
	c.TerminalID = r.str()
	c.AttemptID = r.str()
	c.CreatedAt = ParseTime(r.str())
	c.UpdatedAt = ParseTime(r.str())
	c.PaidAt = ParseTimeNull(r.nullStr())
	c.ExpiredAt = ParseTimeNull(r.nullStr())
	c.FeeUnknown = r.int() == 0
	if !r.close() {
		return errShownJSON
	}
	return nil
}

// jsonRow reads the values of a flat JSON array as SQLite's json_array
// writes them (strings, integers, null), one after the other. A value of
// another shape sets bad.
type jsonRow struct {
	b   string
	i   int
	n   int // values read
	bad bool
}

func (r *jsonRow) open() bool {
	if len(r.b) < 2 || r.b[0] != '[' {
		return false
	}
	r.i = 1
	return true
}

// next moves past the comma before every value but the first.
func (r *jsonRow) next() {
	if r.n > 0 {
		if r.i < len(r.b) && r.b[r.i] == ',' {
			r.i++
		} else {
			r.bad = true
		}
	}
	r.n++
}

// token returns the next scalar's text (a string with its quotes).
func (r *jsonRow) token() string {
	r.next()
	if r.bad || r.i >= len(r.b) {
		r.bad = true
		return ""
	}
	start := r.i
	if r.b[r.i] == '"' {
		for r.i++; r.i < len(r.b); r.i++ {
			switch r.b[r.i] {
			case '\\':
				r.i++
			case '"':
				r.i++
				return r.b[start:r.i]
			}
		}
		r.bad = true
		return ""
	}
	for r.i < len(r.b) && r.b[r.i] != ',' && r.b[r.i] != ']' {
		r.i++
	}
	return r.b[start:r.i]
}

// nullStr reads a string or null.
func (r *jsonRow) nullStr() sql.NullString {
	t := r.token()
	if t == "null" {
		return sql.NullString{}
	}
	return sql.NullString{String: r.unquote(t), Valid: true}
}

// str reads a string (null reads as "").
func (r *jsonRow) str() string {
	return r.nullStr().String
}

func (r *jsonRow) unquote(t string) string {
	if len(t) < 2 || t[0] != '"' {
		r.bad = true
		return ""
	}
	inner := t[1 : len(t)-1]
	for i := 0; i < len(inner); i++ {
		// Escapes are rare (quotes, control characters): JSON's own rules,
		// which also read bytes that are not UTF-8 as U+FFFD (as the API
		// writes them anyway).
		if inner[i] == '\\' {
			var s string
			if err := json.Unmarshal([]byte(t), &s); err != nil {
				r.bad = true
			}
			return s
		}
	}
	return inner
}

// int reads an integer.
func (r *jsonRow) int() int64 {
	t := r.token()
	digits := t
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 18 { // 18 digits cannot overflow
		v, err := strconv.ParseInt(t, 10, 64)
		if err != nil {
			r.bad = true
		}
		return v
	}
	var v int64
	for i := 0; i < len(digits); i++ {
		ch := digits[i]
		if ch < '0' || ch > '9' {
			r.bad = true
			return 0
		}
		v = v*10 + int64(ch-'0')
	}
	if len(digits) < len(t) {
		v = -v
	}
	return v
}

func (r *jsonRow) close() bool {
	return !r.bad && r.i == len(r.b)-1 && r.b[r.i] == ']'
}
