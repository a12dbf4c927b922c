package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
)

// On SQLite a listed charge's columns come back as one text value per
// row, read here: modernc's driver takes the connection's lock and copies
// for every column it reads, so twenty reads a row were half the API's
// database time. The value is concat_ws of the columns with U+001F (the
// ASCII unit separator) between them, which SQLite builds by copying and
// Go cuts by a byte search; json_array, used before, escapes and Go
// unescapes every character. No id, code, name or time we store holds
// U+001F, but Omise's failure messages are free text: a row whose text
// holds one reads as the wrong number of fields, and the page is then read
// again as json_array values. PostgreSQL reads the columns as they are.

// sqliteListColumns is a list's columns as the one value a row is read as.
type sqliteListColumns struct {
	fields string // concat_ws(char(31), ...)
	json   string // json_array(...), for a row whose text holds U+001F
}

// newSQLiteListColumns makes the two values of cols, of which nullable may
// be NULL: concat_ws leaves NULLs out, which would move the fields after
// them, so those are read as ifnull of the column and the empty text.
func newSQLiteListColumns(cols string, nullable ...string) sqliteListColumns {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		if name := strings.TrimSpace(c); slices.Contains(nullable, name) {
			parts[i] = " ifnull(" + name + ", '')"
		}
	}
	return sqliteListColumns{fields: `concat_ws(char(31), ` + strings.Join(parts, ",") + `)`, json: `json_array(` + cols + `)`}
}

var (
	sqliteAPIColumns = newSQLiteListColumns(chargeAPIColumns, "paid_at", "expired_at")
	sqliteRowColumns = newSQLiteListColumns(chargeRowColumns)
)

// listSQLite reads a page of charges on SQLite, filled into each charge
// by read.
func (d *DB) listSQLite(ctx context.Context, f ChargeFilter, where string, args []any, cols sqliteListColumns,
	read func(*Charge, listRow) bool) (*ChargePage, error) {
	var fr fieldRow
	p, ok, err := d.listSQLiteAs(ctx, f, where, args, cols.fields, read,
		func(raw string) listRow { fr = fieldRow{s: raw}; return &fr })
	if err != nil || ok {
		return p, err
	}
	var jr jsonRow
	p, ok, err = d.listSQLiteAs(ctx, f, where, args, cols.json, read,
		func(raw string) listRow { jr = openJSONRow(raw); return &jr })
	if err == nil && !ok {
		err = errShownJSON
	}
	return p, err
}

// listSQLiteAs runs the page's query with value as its one column; ok is
// false (and the page nil) when a row did not read as read expects.
func (d *DB) listSQLiteAs(ctx context.Context, f ChargeFilter, where string, args []any, value string,
	read func(*Charge, listRow) bool, row func(string) listRow) (*ChargePage, bool, error) {
	rows, err := d.R.QueryContext(ctx, `SELECT `+value+` FROM charges`+where+listChargesOrder, append(args, f.Limit+1)...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	p := newChargePage(f.Limit + 1)
	var raw string // the fields are cut from it: one string a row
	for rows.Next() {
		c := p.add()
		if c == nil {
			break
		}
		if err := rows.Scan(&raw); err != nil {
			p.Release()
			return nil, false, err
		}
		if !read(c, row(raw)) {
			p.Release()
			return nil, false, nil
		}
	}
	p, err = p.cut(rows.Err(), f.Limit)
	return p, err == nil, err
}

// listChargesShownSQLite is ListChargesShown's query on SQLite.
func (d *DB) listChargesShownSQLite(ctx context.Context, f ChargeFilter, where string, args []any) (*ChargePage, error) {
	return d.listSQLite(ctx, f, where, args, sqliteAPIColumns, (*Charge).readShown)
}

var errShownJSON = errors.New("db: unexpected value of a listed charge")

// readShown fills c from the row of chargeAPIColumns.
func (c *Charge) readShown(r listRow) bool {
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
	return r.close()
}

// listRow reads one listed row's values in column order; close reports
// whether every value read as asked and none is left.
type listRow interface {
	str() string
	nullStr() sql.NullString // "" in a fieldRow, null in a jsonRow
	int() int64
	close() bool
}

// fieldRow reads the values of concat_ws(char(31), ...).
type fieldRow struct {
	s    string
	done bool // the last value was read
	bad  bool
}

func (r *fieldRow) next() string {
	if r.done {
		r.bad = true
		return ""
	}
	i := strings.IndexByte(r.s, 0x1f)
	if i < 0 {
		r.done = true
		v := r.s
		r.s = ""
		return v
	}
	v := r.s[:i]
	r.s = r.s[i+1:]
	return v
}

func (r *fieldRow) str() string { return r.next() }

func (r *fieldRow) nullStr() sql.NullString {
	v := r.next()
	return sql.NullString{String: v, Valid: v != ""}
}

func (r *fieldRow) int() int64 {
	v, ok := parseInt(r.next())
	if !ok {
		r.bad = true
	}
	return v
}

func (r *fieldRow) close() bool { return r.done && !r.bad }

// parseInt reads a decimal integer as SQLite writes one.
func parseInt(t string) (int64, bool) {
	digits := t
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 18 { // 18 digits cannot overflow
		v, err := strconv.ParseInt(t, 10, 64)
		return v, err == nil
	}
	var v int64
	for i := 0; i < len(digits); i++ {
		ch := digits[i]
		if ch < '0' || ch > '9' {
			return 0, false
		}
		v = v*10 + int64(ch-'0')
	}
	if len(digits) < len(t) {
		v = -v
	}
	return v, true
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

// openJSONRow starts reading a json_array value.
func openJSONRow(b string) jsonRow {
	r := jsonRow{b: b}
	if len(b) < 2 || b[0] != '[' {
		r.bad = true
	} else {
		r.i = 1
	}
	return r
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
	v, ok := parseInt(r.token())
	if !ok {
		r.bad = true
	}
	return v
}

func (r *jsonRow) close() bool {
	return !r.bad && r.i == len(r.b)-1 && r.b[r.i] == ']'
}
