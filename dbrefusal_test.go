package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

// A PostgreSQL INSTORE_DB is refused to the server in demo mode before
// anything starts: its embedded simulator cannot serve several instances
// (the message points at `instore sim`). One line, never echoing the URL's
// password. An admin command starts no simulator, so it opens the database
// with or without keys; one it cannot reach fails naming the URL without
// its password.
func TestRunRefusesPostgres(t *testing.T) {
	const dbURL = "postgres://shop:s3cret@127.0.0.1:1/instore?sslmode=disable"
	server := [][]string{nil}
	command := [][]string{{"user", "passwd", "admin"}}
	for _, tc := range []struct {
		name    string
		env     map[string]string
		runs    [][]string
		want    []string
		oneLine bool
	}{
		{"demo", map[string]string{"INSTORE_DB": dbURL}, server,
			[]string{"demo mode cannot serve several instances", "instore sim", "OMISE_API_URL"}, true},
		{"demo postgresql scheme", map[string]string{"INSTORE_DB": "POSTGRESQL://db.example/instore"}, server,
			[]string{"demo mode cannot serve several instances"}, true},
		{"no keys, a command, unreachable", map[string]string{"INSTORE_DB": dbURL}, command,
			[]string{"open postgres://shop:xxxxx@127.0.0.1:1/instore"}, false},
		{"keys, unreachable", map[string]string{"INSTORE_DB": dbURL, "OMISE_SECRET_KEY": "skey_test_x", "OMISE_PUBLIC_KEY": "pkey_test_x",
			"OMISE_API_URL": "http://127.0.0.1:1"}, append(server, command...),
			[]string{"open postgres://shop:xxxxx@127.0.0.1:1/instore"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, args := range tc.runs {
				err := run(context.Background(), args, envMap(tc.env), strings.NewReader(""), io.Discard)
				if err == nil {
					t.Fatalf("%v: started", args)
				}
				msg := err.Error()
				for _, w := range tc.want {
					if !strings.Contains(msg, w) {
						t.Errorf("%v: %q lacks %q", args, msg, w)
					}
				}
				if strings.Contains(msg, "s3cret") || (tc.oneLine && strings.Contains(msg, "\n")) {
					t.Errorf("%v: want the URL's password hidden (and one line: %v): %q", args, tc.oneLine, msg)
				}
			}
		})
	}
}
