package db

import (
	"context"
	"strings"
	"testing"
)

// TestTerminalsInTheOrderPeopleCount: a store with twelve counters lists
// T2 before T10 on the board, the admin list, the till's picker and the
// report filters, on either engine.
func TestTerminalsInTheOrderPeopleCount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openTestDB(t)
	for _, s := range []string{"S1", "S2"} {
		if _, err := d.CreateStore(ctx, CLI, Store{StoreID: s, StoreName: "ร้าน " + s, Methods: []string{SourceAlipayPlusUPM}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"T10", "T2", "T1", "POS-10", "T12", "POS-9", "T01"} {
		if _, err := d.CreateTerminal(ctx, CLI, Terminal{StoreID: "S1", TerminalID: id, Label: id}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.CreateTerminal(ctx, CLI, Terminal{StoreID: "S2", TerminalID: "T3", Label: "T3"}); err != nil {
		t.Fatal(err)
	}
	const want = "S1/POS-9 S1/POS-10 S1/T01 S1/T1 S1/T2 S1/T10 S1/T12 S2/T3"
	check := func(where string, got []string) {
		t.Helper()
		if s := strings.Join(got, " "); s != want && s != strings.TrimSuffix(want, " S2/T3") {
			t.Errorf("%s: %s, want %s", where, s, want)
		}
	}
	terms, err := d.ListTerminals(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	check("admin list", idsOf(terms, func(x *Terminal) (string, string) { return x.StoreID, x.TerminalID }))
	tiles, err := d.Board(ctx, "", "2026-12-06")
	if err != nil {
		t.Fatal(err)
	}
	check("board", idsOf(tiles, func(x *BoardTile) (string, string) { return x.StoreID, x.TerminalID }))
	picker, err := d.ListTillTerminals(ctx, "S1")
	if err != nil {
		t.Fatal(err)
	}
	check("till picker", idsOf(picker, func(x *TillTerminal) (string, string) { return x.StoreID, x.TerminalID }))
	report, err := d.ListReportTerminals(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	check("report filter", idsOf(report, func(x ReportTerminal) (string, string) { return x.StoreID, x.TerminalID }))
}

// idsOf is each element's "store/terminal".
func idsOf[T any](s []T, key func(T) (string, string)) []string {
	out := make([]string, len(s))
	for i, x := range s {
		store, terminal := key(x)
		out[i] = store + "/" + terminal
	}
	return out
}
