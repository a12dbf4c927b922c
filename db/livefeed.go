package db

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
)

// Postgres reports whether d is a PostgreSQL database, which several
// instances may share (their live feeds then cross over NOTIFY).
func (d *DB) Postgres() bool { return d != nil && d.pg }

// errNotPostgres refuses what only PostgreSQL has.
var errNotPostgres = errors.New("db: LISTEN/NOTIFY needs PostgreSQL")

// LiveChannel is the NOTIFY channel of this database's live feed. It is
// namespaced by the schema: instances of one shop share it, while other
// schemas of the same database (parallel tests, a second shop) do not
// hear each other. A hash keeps it a short, plain identifier whatever
// the schema is called.
func (d *DB) LiveChannel(ctx context.Context) (string, error) {
	if !d.pg {
		return "", errNotPostgres
	}
	var schema string
	if err := d.R.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return "", fmt.Errorf("live channel: %w", err)
	}
	h := fnv.New64a()
	h.Write([]byte(schema))
	return fmt.Sprintf("instore_live_%016x", h.Sum64()), nil
}

// notifySQL sends one notification per payload, in the array's order,
// delivered to listeners together when the statement's transaction
// commits.
const notifySQL = `SELECT pg_notify(?, p) FROM unnest(?::text[]) AS p`

// NotifyLive sends payloads on channel (LiveChannel) to every listening
// instance. A payload must stay under PostgreSQL's 8000 bytes.
func (d *DB) NotifyLive(ctx context.Context, channel string, payloads []string) error {
	if !d.pg {
		return errNotPostgres
	}
	if len(payloads) == 0 {
		return nil
	}
	_, err := d.W.ExecContext(ctx, notifySQL, channel, payloads)
	return err
}
