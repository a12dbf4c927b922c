package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"instore/config"
	"instore/db"
)

// openDatabase opens INSTORE_DB for the server and the CLI. SQLite creates
// a missing file but not a missing directory, and its own words for that
// ("unable to open database file (14)") say neither which setting nor what
// is missing; a new user who points INSTORE_DB at /var/lib/instore/ before
// making it gets the directory named instead.
func openDatabase(ctx context.Context, path string) (*db.DB, error) {
	if !config.IsPostgresURL(path) {
		dir := filepath.Dir(path)
		if st, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("INSTORE_DB %s: directory %s does not exist; create it (mkdir -p %s) or choose a file in an existing directory", path, dir, dir)
		} else if err == nil && !st.IsDir() {
			return nil, fmt.Errorf("INSTORE_DB %s: %s is not a directory", path, dir)
		}
	}
	return db.Open(ctx, path)
}
