package main

// The PostgreSQL driver db opens a postgres:// INSTORE_DB with. It is
// linked here, beside SQLite's, rather than in db: the domain packages
// build on db's queries and carry no database client of their own.
import _ "github.com/jackc/pgx/v5/stdlib"
