package db

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// TerminalRef names a terminal: its store and id.
type TerminalRef struct {
	StoreID    string
	TerminalID string
}

// terminalRefsFresh is how long a listing of terminal ids is reused. The
// charge list's filter offers every terminal on every request (hundreds
// of rows for a large merchant: reading them was a fifth of the page's
// cost); a terminal made by this process shows at once (the listing is
// dropped), one made by another process (the CLI, another instance)
// within this long.
const terminalRefsFresh = 2 * time.Second

// terminalsChanged counts the terminals made by this process.
var terminalsChanged atomic.Uint64

type terminalRefsEntry struct {
	refs    []TerminalRef
	at      time.Time
	version uint64
}

// terminalRefs caches listings per database and store ("" = every store).
var terminalRefs sync.Map // terminalRefsKey → terminalRefsEntry

type terminalRefsKey struct {
	d     *DB
	store string
}

// TerminalRefs returns the store's terminals (every store's when storeID
// is ""), ordered by store and id, for pickers; the slice is shared and
// must not be modified.
func (d *DB) TerminalRefs(ctx context.Context, storeID string) ([]TerminalRef, error) {
	key := terminalRefsKey{d, storeID}
	v := terminalsChanged.Load()
	if e, ok := terminalRefs.Load(key); ok {
		e := e.(terminalRefsEntry)
		if e.version == v && time.Since(e.at) < terminalRefsFresh {
			return e.refs, nil
		}
	}
	rows, err := d.R.QueryContext(ctx, `SELECT store_id, terminal_id FROM terminals
		WHERE (? = '' OR store_id = ?) ORDER BY store_id, terminal_id`, storeID, storeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TerminalRef
	for rows.Next() {
		var t TerminalRef
		if err := rows.Scan(&t.StoreID, &t.TerminalID); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sortByTerminal(out, func(t TerminalRef) (string, string) { return t.StoreID, t.TerminalID })
	terminalRefs.Store(key, terminalRefsEntry{refs: out, at: time.Now(), version: v})
	return out, nil
}
