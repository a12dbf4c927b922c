package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

// A PostgreSQL INSTORE_DB is refused before anything starts: in demo mode
// because its embedded simulator cannot serve several instances (the
// message points at `instore sim`), with keys because this build has no
// PostgreSQL engine. One line each, never echoing the URL's password.
func TestRunRefusesPostgres(t *testing.T) {
	const dbURL = "postgres://shop:s3cret@db.example:5432/instore?sslmode=require"
	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"demo", map[string]string{"INSTORE_DB": dbURL},
			[]string{"demo mode cannot serve several instances", "instore sim", "OMISE_API_URL"}},
		{"demo postgresql scheme", map[string]string{"INSTORE_DB": "POSTGRESQL://db.example/instore"},
			[]string{"demo mode cannot serve several instances"}},
		{"keys", map[string]string{"INSTORE_DB": dbURL, "OMISE_SECRET_KEY": "skey_test_x", "OMISE_PUBLIC_KEY": "pkey_test_x",
			"OMISE_API_URL": "http://127.0.0.1:1"},
			[]string{"PostgreSQL", "not support", "SQLite"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, args := range [][]string{nil, {"user", "passwd", "admin"}} {
				err := run(context.Background(), args, envMap(tc.env), strings.NewReader(""), io.Discard)
				if err == nil {
					t.Fatalf("%v: started on a PostgreSQL INSTORE_DB", args)
				}
				msg := err.Error()
				for _, w := range tc.want {
					if !strings.Contains(msg, w) {
						t.Errorf("%v: %q lacks %q", args, msg, w)
					}
				}
				if strings.Contains(msg, "\n") || strings.Contains(msg, "s3cret") {
					t.Errorf("%v: want one line without the URL: %q", args, msg)
				}
			}
		})
	}
}
