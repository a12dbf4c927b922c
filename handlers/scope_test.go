package handlers_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"instore/db"
	"instore/omise"
	"instore/payments"
)

// scopeEnv is boEnv with a third store, a group of store_1 and store_2,
// and managers and finance users of each scope: one store (the seeded
// manager and finance, store_1), the group, every store, and store_3 only.
type scopeEnv struct {
	*boEnv
	group *db.StoreGroup
}

// scopeUsers names, per scope, the manager and the finance user.
var scopeUsers = map[string][2]string{
	"one":   {"manager", "finance"},
	"group": {"gmanager", "gfinance"},
	"all":   {"hmanager", "hfinance"},
	"other": {"omanager", "ofinance"},
}

var scopeOrder = []string{"one", "group", "all", "other"}

func newScopeEnv(t *testing.T) *scopeEnv {
	t.Helper()
	e := newBOEnv(t)
	ctx := context.Background()
	sys := db.Actor{Username: "test"}
	if _, err := e.db.CreateStore(ctx, sys, db.Store{StoreID: "store_3", StoreName: "Third", Methods: []string{omise.SourceBarcodeAlipay}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.CreateTerminal(ctx, sys, db.Terminal{StoreID: "store_3", TerminalID: "T1"}); err != nil {
		t.Fatal(err)
	}
	g, err := e.db.CreateStoreGroup(ctx, sys, "Bangkok North", []string{"store_1", "store_2"})
	if err != nil {
		t.Fatal(err)
	}
	hash, err := db.HashPassword(boPassword)
	if err != nil {
		t.Fatal(err)
	}
	for _, nu := range []db.NewUser{
		{Username: "gmanager", Role: db.RoleManager, GroupID: g.ID},
		{Username: "gfinance", Role: db.RoleFinance, GroupID: g.ID},
		{Username: "hmanager", Role: db.RoleManager, AllStores: true},
		{Username: "hfinance", Role: db.RoleFinance, AllStores: true},
		{Username: "omanager", Role: db.RoleManager, StoreID: "store_3"},
		{Username: "ofinance", Role: db.RoleFinance, StoreID: "store_3"},
	} {
		nu.PasswordHash = hash
		if _, err := e.db.CreateUser(ctx, sys, nu); err != nil {
			t.Fatal(err)
		}
	}
	return &scopeEnv{boEnv: e, group: g}
}

// Every route that shows or acts on a store's data, for a store_2 target,
// × {one store (store_1), group (store_1+2), all stores, other store
// (store_3)}: the group and head office get it, the others do not, and a
// charge outside the scope is 404 as if it did not exist.
func TestRouteScopeMatrix(t *testing.T) {
	e := newScopeEnv(t)
	c1 := e.charge("store_1", "T1", 10000, omise.StatusSuccessful)
	c2 := e.charge("store_2", "T1", 20000, omise.StatusSuccessful)
	c3 := e.charge("store_3", "T1", 30000, omise.StatusSuccessful)
	run := &db.ReconcileRun{FromDay: "2025-01-01", ToDay: "2025-01-01", StoreID: "store_2", Username: "hfinance",
		StartedAt: time.Now(), DaysTotal: 1}
	if _, err := e.db.CreateReconcileRun(context.Background(), run); err != nil {
		t.Fatal(err)
	}
	runPath := "/reconcile/" + strconv.FormatInt(run.ID, 10)
	json := []string{"Accept", "application/json"}

	type want struct{ one, group, all, other int }
	in, out := http.StatusOK, http.StatusNotFound
	refused := http.StatusUnprocessableEntity
	rows := []struct {
		name    string
		finance bool // as the scope's finance user (else its manager)
		method  string
		path    string
		form    url.Values
		hdr     []string
		want    want
		// has and lacks: fragments the body of an allowed answer holds or
		// does not, per scope (nil: not checked).
		has, lacks map[string][]string
	}{
		{name: "charge page", path: "/charges/" + c2.ID, want: want{out, in, in, out}},
		{name: "charge row", path: "/charges/" + c2.ID + "/row", want: want{out, in, in, out}},
		{name: "charge JSON", path: "/api/charges/" + c2.ID, hdr: json, want: want{out, in, in, out}},
		{name: "board tile", path: "/board/tiles/store_2/T1", want: want{out, in, in, out}},
		{name: "sync a charge", method: http.MethodPost, path: "/charges/" + c2.ID + "/sync", form: url.Values{},
			want: want{out, http.StatusSeeOther, http.StatusSeeOther, out}},
		{name: "board", path: "/board", want: want{in, in, in, in},
			has:   map[string][]string{"one": {`data-store="store_1"`}, "group": {`data-store="store_1"`, `data-store="store_2"`}, "all": {`data-store="store_3"`}, "other": {`data-store="store_3"`}},
			lacks: map[string][]string{"one": {`data-store="store_2"`}, "group": {`data-store="store_3"`}, "other": {`data-store="store_2"`}}},
		{name: "charge list of store_2", finance: true, path: "/charges?store=store_2", want: want{refused, in, in, refused},
			has: map[string][]string{"group": {c2.ID}, "all": {c2.ID}}, lacks: map[string][]string{"group": {c1.ID, c3.ID}}},
		{name: "charge list", finance: true, path: "/charges", want: want{in, in, in, in},
			has:   map[string][]string{"group": {c1.ID, c2.ID}, "all": {c1.ID, c2.ID, c3.ID}, "other": {c3.ID}},
			lacks: map[string][]string{"one": {c2.ID, c3.ID}, "group": {c3.ID}, "other": {c1.ID, c2.ID}}},
		{name: "API list of store_2", finance: true, path: "/api/charges?store=store_2", hdr: json, want: want{refused, in, in, refused}},
		{name: "charges CSV", finance: true, path: "/charges.csv", want: want{in, in, in, in},
			has:   map[string][]string{"group": {c1.ID, c2.ID}, "all": {c3.ID}},
			lacks: map[string][]string{"one": {c2.ID}, "group": {c3.ID}, "other": {c2.ID}}},
		{name: "charges CSV of store_2", finance: true, path: "/charges.csv?store=store_2", want: want{refused, in, in, refused}},
		{name: "daily report of store_2", finance: true, path: "/reports/daily?store=store_2", want: want{refused, in, in, refused}},
		{name: "daily CSV of store_2", finance: true, path: "/reports/daily.csv?store=store_2", want: want{refused, in, in, refused}},
		{name: "Z-report of store_2", finance: true, path: "/reports/z?store=store_2", want: want{refused, in, in, refused}},
		{name: "refunds CSV of store_2", finance: true, path: "/refunds.csv?store=store_2", want: want{refused, in, in, refused}},
		{name: "reconciliation run of store_2", finance: true, path: runPath, want: want{out, in, in, out}},
		{name: "reconciliation list", finance: true, path: "/reconcile", want: want{in, in, in, in},
			has: map[string][]string{"group": {runPath}, "all": {runPath}}, lacks: map[string][]string{"one": {runPath}, "other": {runPath}}},
		{name: "start a reconciliation of store_2", finance: true, method: http.MethodPost, path: "/reconcile",
			form: url.Values{"from": {"2025-01-02"}, "to": {"2025-01-02"}, "store": {"store_2"}},
			want: want{refused, http.StatusSeeOther, http.StatusSeeOther, refused}},
	}
	clients := map[string]*boClient{}
	client := func(name string) *boClient {
		if clients[name] == nil {
			clients[name] = e.login(name)
		}
		return clients[name]
	}
	for _, r := range rows {
		for _, scope := range scopeOrder {
			t.Run(r.name+" as "+scope, func(t *testing.T) {
				user := scopeUsers[scope][0]
				if r.finance {
					user = scopeUsers[scope][1]
				}
				c := client(user)
				var code int
				var body string
				if r.method == http.MethodPost {
					c.get("/")
					form := url.Values{}
					for k, v := range r.form {
						form[k] = v
					}
					code, body = c.post(r.path, form, r.hdr...)
				} else {
					code, body = c.get(r.path, r.hdr...)
				}
				wantCode := map[string]int{"one": r.want.one, "group": r.want.group, "all": r.want.all, "other": r.want.other}[scope]
				if code != wantCode {
					t.Fatalf("%s: %d, want %d\n%.600s", user, code, wantCode, body)
				}
				for _, f := range r.has[scope] {
					if !strings.Contains(body, f) {
						t.Errorf("%s: body lacks %q", user, f)
					}
				}
				for _, f := range r.lacks[scope] {
					if strings.Contains(body, f) {
						t.Errorf("%s: body holds %q", user, f)
					}
				}
			})
		}
	}
}

// A group manager's board has the tiles of the group's stores and its live
// feed their events, and nothing of another store: a sale in store_3 made
// before one in store_2 never reaches the feed (the store_2 event is the
// fence that proves it would have come by then).
func TestGroupManagerBoardAndLiveFeed(t *testing.T) {
	e := newScopeEnv(t)
	c := e.login("gmanager")
	_, page := c.get("/board")
	for _, s := range []string{"store_1", "store_2"} {
		if !strings.Contains(page, `data-store="`+s+`"`) {
			t.Errorf("board lacks %s", s)
		}
	}
	if strings.Contains(page, `data-store="store_3"`) {
		t.Error("board shows store_3")
	}
	if !strings.Contains(page, `data-testid="scope"`) {
		t.Error("the header does not say the user sees a group")
	}
	events := openLive(t, e.boEnv, c, "/live")
	other := e.charge("store_3", "T1", 30000, omise.StatusSuccessful)
	mine := e.charge("store_2", "T1", 20000, omise.StatusSuccessful)
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-events:
			if strings.Contains(ev, other.ID) || strings.Contains(ev, `"store_3"`) {
				t.Fatalf("live feed of the group sent store_3's event: %s", ev)
			}
			if strings.Contains(ev, mine.ID) {
				return
			}
		case <-deadline:
			t.Fatal("no live event of store_2")
		}
	}
}

// openLive opens an SSE stream as c and returns its data lines.
func openLive(t *testing.T, e *boEnv, c *boClient, path string) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.srv.URL+path, nil)
	hc := *c.hc
	hc.Timeout = 0
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("live: %d", res.StatusCode)
	}
	out := make(chan string, 64)
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, "data:") {
				select {
				case out <- line:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out
}

type storeTotals struct {
	StoreID string `json:"store_id"`
	Gross   int64  `json:"gross"`
	Net     int64  `json:"net"`
	Count   int64  `json:"successful_count"`
}

type dailyTotals struct {
	Stores []storeTotals `json:"stores"`
	Totals struct {
		Gross int64 `json:"gross"`
		Net   int64 `json:"net"`
		Count int64 `json:"successful_count"`
	} `json:"totals"`
}

func (c *boClient) dailyJSON(t *testing.T, query string) dailyTotals {
	t.Helper()
	code, body := c.get("/reports/daily"+query, "Accept", "application/json")
	if code != http.StatusOK {
		t.Fatalf("daily%s: %d %.300s", query, code, body)
	}
	var d dailyTotals
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// Head office's month report sums every store and equals the sum of the
// per-store reports; its per-store subtotals are those reports' totals.
// A group's report sums the group's stores only.
func TestHeadOfficeMonthReportSumsEveryStore(t *testing.T) {
	e := newScopeEnv(t)
	e.charge("store_1", "T1", 10000, omise.StatusSuccessful)
	e.charge("store_1", "T2", 11000, omise.StatusSuccessful)
	e.charge("store_2", "T1", 20000, omise.StatusSuccessful)
	e.charge("store_3", "T1", 30000, omise.StatusSuccessful)
	e.charge("store_3", "T1", 5000, omise.StatusFailed)
	hf := e.login("hfinance")
	all := hf.dailyJSON(t, "")
	var sumGross, sumNet, sumCount int64
	for _, s := range []string{"store_1", "store_2", "store_3"} {
		one := hf.dailyJSON(t, "?store="+s)
		sumGross, sumNet, sumCount = sumGross+one.Totals.Gross, sumNet+one.Totals.Net, sumCount+one.Totals.Count
		i := slices.IndexFunc(all.Stores, func(x storeTotals) bool { return x.StoreID == s })
		if i < 0 || all.Stores[i].Gross != one.Totals.Gross || all.Stores[i].Count != one.Totals.Count {
			t.Errorf("subtotal of %s: %+v, its own report %+v", s, all.Stores, one.Totals)
		}
	}
	if all.Totals.Gross != 71000 || all.Totals.Gross != sumGross || all.Totals.Net != sumNet || all.Totals.Count != sumCount || sumCount != 4 {
		t.Fatalf("head office %+v, stores summed gross %d net %d count %d", all.Totals, sumGross, sumNet, sumCount)
	}
	if _, page := hf.get("/reports/daily"); strings.Count(page, `data-testid="daily-store"`) != 3 {
		t.Fatalf("head office's page has no subtotal per store: %.1500s", page)
	}
	gf := e.login("gfinance")
	group := gf.dailyJSON(t, "")
	if group.Totals.Gross != 41000 || len(group.Stores) != 2 {
		t.Fatalf("group report %+v", group)
	}
	if _, page := gf.get("/reports/daily"); strings.Count(page, `data-testid="daily-store"`) != 2 || strings.Contains(page, "store_3") {
		t.Fatalf("group's page: %.1500s", page)
	}
	if _, page := e.login("finance").get("/reports/daily"); strings.Contains(page, `data-testid="daily-store"`) {
		t.Fatal("a one-store report has store subtotals")
	}
}

// A group finance user's reconciliation covers exactly the group's stores:
// its days and counts hold store_1 and store_2, never store_3; head office
// sees the run, store_3's finance user does not.
func TestGroupReconciliationCoversTheGroup(t *testing.T) {
	e := newScopeEnv(t)
	e.charge("store_1", "T1", 10000, omise.StatusSuccessful)
	e.charge("store_2", "T1", 20000, omise.StatusSuccessful)
	e.charge("store_3", "T1", 30000, omise.StatusSuccessful)
	day := e.clock.Now().In(payments.Bangkok).Format("2006-01-02")
	c := e.login("gfinance")
	c.get("/reconcile")
	code, body := c.post("/reconcile", url.Values{"from": {day}, "to": {day}})
	if code != http.StatusSeeOther {
		t.Fatalf("start: %d %.300s", code, body)
	}
	runs, err := e.db.ListReconcileRuns(context.Background(), db.AllStores, 5)
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs %v %v", runs, err)
	}
	path := "/reconcile/" + strconv.FormatInt(runs[0].ID, 10)
	var run struct {
		Status    string `json:"status"`
		LocalSeen int    `json:"local_seen"`
		OmiseSeen int    `json:"omise_seen"`
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		_, js := c.get(path, "Accept", "application/json")
		if err := json.Unmarshal([]byte(js), &run); err != nil {
			t.Fatal(err)
		}
		if run.Status != db.ReconcileRunning {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("run did not finish")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if run.Status != db.ReconcileDone || run.LocalSeen != 2 || run.OmiseSeen != 2 {
		t.Fatalf("run %+v, want 2 charges on each side", run)
	}
	got, _ := e.db.GetReconcileRun(context.Background(), runs[0].ID)
	if !slices.Equal(got.Stores, []string{"store_1", "store_2"}) || got.StoreID != "" {
		t.Fatalf("run covers %q %v", got.StoreID, got.Stores)
	}
	_, page := c.get(path)
	if !strings.Contains(page, `data-store="store_1"`) || !strings.Contains(page, `data-store="store_2"`) || strings.Contains(page, `data-store="store_3"`) {
		t.Fatalf("run page days: %.2000s", page)
	}
	if code, _ := e.login("hfinance").get(path); code != http.StatusOK {
		t.Fatalf("head office: %d", code)
	}
	if code, _ := e.login("ofinance").get(path); code != http.StatusNotFound {
		t.Fatalf("store_3's finance: %d", code)
	}
	if code, _ := e.login("finance").get(path); code != http.StatusNotFound {
		t.Fatalf("store_1's finance (the run covers store_2 too): %d", code)
	}
}

// Taking a store out of a group takes effect on the group's users' next
// request, without logging them out.
func TestRemovingAStoreFromAGroupAppliesAtOnce(t *testing.T) {
	e := newScopeEnv(t)
	c2 := e.charge("store_2", "T1", 20000, omise.StatusSuccessful)
	c := e.login("gmanager")
	if code, _ := c.get("/charges/" + c2.ID); code != http.StatusOK {
		t.Fatalf("before: %d", code)
	}
	if _, err := e.db.UpdateStoreGroup(context.Background(), db.Actor{Username: "test"}, e.group.ID, e.group.Name, []string{"store_1"}); err != nil {
		t.Fatal(err)
	}
	if code, _ := c.get("/charges/" + c2.ID); code != http.StatusNotFound {
		t.Fatalf("after removing store_2: %d", code)
	}
	if code, _ := c.get("/board/tiles/store_2/T1"); code != http.StatusNotFound {
		t.Fatalf("tile after removing store_2: %d", code)
	}
	if code, body := c.get("/charges"); code != http.StatusOK || strings.Contains(body, c2.ID) {
		t.Fatalf("list after removing store_2: %d", code)
	}
}
