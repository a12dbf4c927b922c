package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// The two schemas of a copy (copy.go): the source's tables, columns and
// foreign keys read from SQLite's catalogue, and PostgreSQL's held against
// them.

// sqliteCopyTables reads the source's tables, columns and foreign keys
// from its schema.
func sqliteCopyTables(ctx context.Context, src *sql.Tx) (map[string]*copyTable, error) {
	const q = `SELECT m.name, c.name, c.type FROM sqlite_master m, pragma_table_info(m.name) c
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' AND m.name <> 'schema_migrations'
ORDER BY m.name, c.cid`
	rows, err := src.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("db: copy: source schema: %w", err)
	}
	defer rows.Close()
	tables := map[string]*copyTable{}
	for rows.Next() {
		var table, col, typ string
		if err := rows.Scan(&table, &col, &typ); err != nil {
			return nil, err
		}
		t := tables[table]
		if t == nil {
			t = &copyTable{name: table}
			tables[table] = t
		}
		typ = strings.ToUpper(typ)
		t.columns = append(t.columns, newCopyColumn(col, strings.Contains(typ, "INT"), strings.Contains(typ, "BLOB")))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, t := range tables {
		refs, err := src.QueryContext(ctx, `SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)`, t.name)
		if err != nil {
			return nil, err
		}
		for refs.Next() {
			var ref string
			if err := refs.Scan(&ref); err != nil {
				refs.Close()
				return nil, err
			}
			if ref != t.name {
				t.refs = append(t.refs, ref)
			}
		}
		refs.Close()
		if err := refs.Err(); err != nil {
			return nil, err
		}
	}
	return tables, nil
}

func newCopyColumn(name string, integer, blob bool) copyColumn {
	c := copyColumn{name: name, kind: CheckText, blob: blob}
	if integer {
		c.kind = CheckInteger
		if isMoneyColumn(name) {
			c.kind = CheckMoney
		}
	}
	return c
}

// moneyNames are the integer columns that hold satang, by name (a
// reconcile_days column carries an ours_ or theirs_ prefix). It only sorts
// the checks for reading: every integer column is compared either way, so
// a money column missing here is still checked, as CheckInteger.
var moneyNames = map[string]bool{
	"amount": true, "refunded_amount": true, "fee": true, "fee_vat": true, "net": true, "gross": true,
	"refunds": true, "refunded": true, "charges_refunded": true, "fee_unknown_gross": true, "confirm_above": true,
}

func isMoneyColumn(name string) bool {
	name = strings.TrimPrefix(strings.TrimPrefix(name, "ours_"), "theirs_")
	return moneyNames[name]
}

// copyOrder lists the tables so that each comes after every table its
// foreign keys point to: at each step the first ready table by name, so
// runs repeat and related tables stay near each other.
func copyOrder(tables map[string]*copyTable) ([]*copyTable, error) {
	names := make([]string, 0, len(tables))
	for n, t := range tables {
		names = append(names, n)
		for _, r := range t.refs {
			if tables[r] == nil {
				return nil, fmt.Errorf("db: copy: %s refers to a table %s the source lacks", n, r)
			}
		}
	}
	sort.Strings(names)
	done := map[string]bool{}
	var out []*copyTable
next:
	for len(out) < len(names) {
		for _, n := range names {
			if done[n] {
				continue
			}
			ready := true
			for _, r := range tables[n].refs {
				ready = ready && done[r]
			}
			if ready {
				done[n] = true
				out = append(out, tables[n])
				continue next
			}
		}
		return nil, errors.New("db: copy: the foreign keys form a cycle")
	}
	return out, nil
}

// comparePGSchema fails on a table or column that exists on one side
// only, or a column whose kind (integer, text, bytes) differs.
func comparePGSchema(ctx context.Context, tx *sql.Tx, tables map[string]*copyTable) error {
	rows, err := tx.QueryContext(ctx, `SELECT c.table_name, c.column_name, c.data_type
FROM information_schema.columns c JOIN information_schema.tables t
  ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
WHERE c.table_schema = current_schema() AND c.table_name <> 'schema_migrations'`)
	if err != nil {
		return fmt.Errorf("db: copy: target schema: %w", err)
	}
	defer rows.Close()
	pg := map[string]map[string]copyColumn{}
	for rows.Next() {
		var table, col, typ string
		if err := rows.Scan(&table, &col, &typ); err != nil {
			return err
		}
		if pg[table] == nil {
			pg[table] = map[string]copyColumn{}
		}
		pg[table][col] = newCopyColumn(col, strings.Contains(typ, "int"), typ == "bytea")
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var problems []string
	for name, t := range tables {
		cols, ok := pg[name]
		if !ok {
			problems = append(problems, "table "+name+" is in the SQLite file only")
			continue
		}
		for _, c := range t.columns {
			pc, ok := cols[c.name]
			switch {
			case !ok:
				problems = append(problems, "column "+name+"."+c.name+" is in the SQLite file only")
			case pc.kind != c.kind || pc.blob != c.blob:
				problems = append(problems, "column "+name+"."+c.name+" has another type in PostgreSQL")
			}
			delete(cols, c.name)
		}
		for col := range cols {
			problems = append(problems, "column "+name+"."+col+" is in PostgreSQL only")
		}
	}
	for name := range pg {
		if tables[name] == nil {
			problems = append(problems, "table "+name+" is in PostgreSQL only")
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return errors.New("db: copy: the two schemas differ: " + strings.Join(problems, "; "))
	}
	return nil
}
