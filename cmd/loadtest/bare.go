package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"instore/money"
)

// The bare servers are the same stack as the product (Echo, modernc SQLite,
// net/http) with nothing of ours in between: no sessions, auth, CSRF,
// middleware, domain rules or templates. They run as a subprocess of this
// tool, like the product server, so the load generator stands in the same
// place for both and RSS is the server's own.

// bareServer holds the state of a bare server subprocess.
type bareServer struct {
	rdb *sql.DB // nil when no -bare-db was given

	mu   sync.Mutex
	subs map[chan []byte]struct{}

	startPub  func()
	startOnce sync.Once
}

// start begins publishing (once every subscriber is connected, so that
// connecting thousands is not slowed by the events themselves).
func (b *bareServer) start(c echo.Context) error {
	b.startOnce.Do(b.startPub)
	return c.NoContent(http.StatusOK)
}

// runBare serves the bare endpoints on a loopback port and prints its URL.
// ssePerSec > 0 starts the SSE publisher.
func runBare(dbPath string, ssePerSec int) error {
	raiseNoFile()
	b := &bareServer{subs: map[chan []byte]struct{}{}}
	if dbPath != "" {
		r, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)")
		if err != nil {
			return err
		}
		r.SetMaxOpenConns(8)
		r.SetMaxIdleConns(8)
		b.rdb = r
	}
	e := echo.New()
	e.GET("/json", b.json)
	e.GET("/page", b.page)
	e.GET("/sse", b.sse)
	e.GET("/start", b.start)
	e.GET("/csv", b.csv)
	e.GET("/healthz", b.healthz)
	// The start-up measurement polls a known address.
	return serveEcho(e, os.Getenv("LOADTEST_BARE_ADDR"), func(ctx context.Context) {
		b.startPub = func() {
			if ssePerSec > 0 {
				go b.publish(ctx, ssePerSec)
			}
		}
	})
}

// healthz answers once the file answers a query, as the product's does.
func (b *bareServer) healthz(c echo.Context) error {
	if b.rdb != nil {
		var one int
		if err := b.rdb.QueryRowContext(c.Request().Context(), `SELECT 1`).Scan(&one); err != nil {
			return c.String(http.StatusServiceUnavailable, "db")
		}
	}
	return c.String(http.StatusOK, "ok")
}

// json is the bare JSON handler: a small object like a charge's status.
func (b *bareServer) json(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{
		"object": "charge", "id": "chrg_test_5xbench0000000000", "status": "successful",
		"amount": 150000, "currency": "THB",
	})
}

const bareCols = `id, amount, status, store_id, terminal_id, barcode_masked, refunded_amount, created_at`

// page is a 50-row page of charges by keyset (?at=&id= continue after a
// row), rendered as HTML with every value escaped, into a buffer first.
func (b *bareServer) page(c echo.Context) error {
	ctx := c.Request().Context()
	at, id := c.QueryParam("at"), c.QueryParam("id")
	var rows *sql.Rows
	var err error
	if at == "" {
		rows, err = b.rdb.QueryContext(ctx, `SELECT `+bareCols+` FROM charges ORDER BY created_at DESC, id DESC LIMIT 51`)
	} else {
		rows, err = b.rdb.QueryContext(ctx, `SELECT `+bareCols+` FROM charges WHERE created_at <= ? AND (created_at < ? OR id < ?)
			ORDER BY created_at DESC, id DESC LIMIT 51`, at, at, id)
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	var buf bytes.Buffer
	buf.WriteString(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Charges</title></head><body><table><thead><tr>`)
	buf.WriteString(`<th>Time</th><th>Charge</th><th>Store</th><th>Terminal</th><th>Amount</th><th>Status</th><th>Refunded</th><th>Code</th></tr></thead><tbody>`)
	n := 0
	var lastAt, lastID string
	for rows.Next() {
		var cid, status, store, term, masked, created string
		var amount, refunded int64
		if err := rows.Scan(&cid, &amount, &status, &store, &term, &masked, &refunded, &created); err != nil {
			return err
		}
		n++
		if n > 50 {
			break
		}
		lastAt, lastID = created, cid
		t, _ := time.Parse("2006-01-02T15:04:05.000000Z", created)
		buf.WriteString(`<tr data-testid="charge-row"><td>`)
		buf.WriteString(html.EscapeString(t.In(bangkok).Format("02 Jan 2006 15:04")))
		buf.WriteString(`</td><td><a href="/charges/`)
		buf.WriteString(html.EscapeString(cid))
		buf.WriteString(`">`)
		buf.WriteString(html.EscapeString(cid))
		for _, v := range []string{store, term, money.FormatTHB(amount), status, money.FormatTHB(refunded), masked} {
			buf.WriteString(`</td><td>`)
			buf.WriteString(html.EscapeString(v))
		}
		buf.WriteString(`</td></tr>`)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	buf.WriteString(`</tbody></table>`)
	if n > 50 {
		buf.WriteString(`<a rel="next" href="/page?at=` + html.EscapeString(lastAt) + `&amp;id=` + html.EscapeString(lastID) + `">Next</a>`)
	}
	buf.WriteString(`</body></html>`)
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

var bangkok = time.FixedZone("ICT", 7*3600)

// sseEventPad makes a bare event about as large as a live-feed message that
// carries a table row fragment.
var sseEventPad = strings.Repeat("x", 400)

// publish sends perSec events a second to every subscriber, never blocking:
// a full channel loses the event (the product drops such a subscriber).
func (b *bareServer) publish(ctx context.Context, perSec int) {
	t := time.NewTicker(time.Second / time.Duration(perSec))
	defer t.Stop()
	for seq := 0; ; seq++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		msg := []byte(fmt.Sprintf("event: charge\ndata: {\"t\":%d,\"seq\":%d,\"html\":\"%s\"}\n\n", time.Now().UnixNano(), seq, sseEventPad))
		b.mu.Lock()
		for ch := range b.subs {
			select {
			case ch <- msg:
			default:
			}
		}
		b.mu.Unlock()
	}
}

// sse is the bare Server-Sent Events handler: one buffered channel per
// subscriber, a heartbeat, a flush per message.
func (b *bareServer) sse(c echo.Context) error {
	w := c.Response()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(": hello\n\n"))
	w.Flush()
	ch := make(chan []byte, 64)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.subs, ch)
		b.mu.Unlock()
	}()
	hb := time.NewTicker(15 * time.Second)
	defer hb.Stop()
	ctx := c.Request().Context()
	for {
		select {
		case <-ctx.Done():
			return nil
		case m := <-ch:
			if _, err := w.Write(m); err != nil {
				return nil
			}
			w.Flush()
		case <-hb.C:
			if _, err := w.Write([]byte(": hb\n\n")); err != nil {
				return nil
			}
			w.Flush()
		}
	}
}

// bareCSVCols are the columns the product's charge export reads.
const bareCSVCols = `id, created_at, bkk_day, store_id, terminal_id, status, failure_code, amount, fee, fee_vat, net,
refunded_amount, currency, COALESCE(paid_at, ''), source_type, barcode_masked, attempt_id, cashier, transaction_id`

// csv streams every charge, newest first, in one query, as CSV records of
// the same 27 fields as the product's export (amounts twice, as baht and
// satang; times as UTC and Bangkok), with the cheapest formatting: the
// work of the export without anything of ours around it.
func (b *bareServer) csv(c echo.Context) error {
	ctx := c.Request().Context()
	rows, err := b.rdb.QueryContext(ctx, `SELECT `+bareCSVCols+` FROM charges ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return err
	}
	defer rows.Close()
	w := c.Response()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 64*1024)
	cw := csv.NewWriter(bw)
	rec := make([]string, 27)
	for i := range rec {
		rec[i] = fmt.Sprintf("col%d", i)
	}
	_ = cw.Write(rec)
	for rows.Next() {
		var id, created, day, store, term, status, code, cur, paid, stype, masked, att, cashier, txn string
		var amount, fee, vat, net, refunded int64
		if err := rows.Scan(&id, &created, &day, &store, &term, &status, &code, &amount, &fee, &vat, &net,
			&refunded, &cur, &paid, &stype, &masked, &att, &cashier, &txn); err != nil {
			return err
		}
		rec[0], rec[1], rec[2], rec[3], rec[4], rec[5], rec[6] = id, created, created, day, store, store, term
		rec[7], rec[8] = status, code
		rec[9], rec[10], rec[11], rec[12], rec[13] = money.FormatPlain(amount), money.FormatPlain(fee), money.FormatPlain(vat), money.FormatPlain(net), money.FormatPlain(refunded)
		rec[14], rec[15], rec[16] = strconv.FormatInt(amount, 10), strconv.FormatInt(fee, 10), strconv.FormatInt(vat, 10)
		rec[17], rec[18], rec[19] = strconv.FormatInt(net, 10), strconv.FormatInt(refunded, 10), cur
		rec[20], rec[21], rec[22], rec[23], rec[24], rec[25], rec[26] = paid, paid, stype, masked, att, cashier, txn
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}
