package handlers_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"

	"instore/handlers"
	"instore/omise"
	"instore/payments"
)

// /refunds.csv names each refund's method, as /charges.csv and the daily
// report do: a PromptPay refund goes back to a bank account, an Alipay one
// to a wallet, and finance must tell them apart line by line.
func TestRefundsCSVNamesTheMethod(t *testing.T) {
	env := newTillEnv(t)
	enablePromptPay(t, env)
	c := env.Login("cashier")
	a := decodeJSON[handlers.TillAttemptJSON](t, env.sellQR(c, uuid.NewString(), "130"), http.StatusOK)
	paid, err := env.Sim.MarkPaid(a.ChargeID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.svc.ApplyCharge(context.Background(), paid); err != nil {
		t.Fatal(err)
	}
	m := env.Login("manager")
	res := m.PostForm("/charges/"+a.ChargeID+"/refunds", url.Values{"amount": {"30"}, "reason": {"requested_by_customer"},
		"idempotency_key": {uuid.NewString()}, "confirm": {"yes"}})
	res.Body.Close()
	if res.StatusCode >= 400 {
		t.Fatalf("refund: %d", res.StatusCode)
	}
	day := payments.BusinessDay(time.Now())
	res = m.Get("/refunds.csv?from=" + day + "&to=" + day)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/refunds.csv: %d %s", res.StatusCode, body)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\xEF\xBB\xBF")))).ReadAll()
	if err != nil || len(recs) < 1 {
		t.Fatalf("/refunds.csv: %v", err)
	}
	var rows []map[string]string
	for _, r := range recs[1:] {
		row := map[string]string{}
		for i, name := range recs[0] {
			row[name] = r[i]
		}
		rows = append(rows, row)
	}
	if len(rows) != 1 || rows[0]["charge_id"] != a.ChargeID {
		t.Fatalf("refund rows: %v", rows)
	}
	if rows[0]["source_type"] != omise.SourcePromptPay || (rows[0]["method"] != "PromptPay" && rows[0]["method"] != "พร้อมเพย์") {
		t.Fatalf("refund of a PromptPay sale: source_type %q method %q", rows[0]["source_type"], rows[0]["method"])
	}
}
