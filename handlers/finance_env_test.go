package handlers

import (
	"context"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/fakeclock"
	"instore/omise"
	"instore/omise/omisehttp"
	"instore/omise/sim"
	"instore/payments"
)

// financeEnv wires the finance handlers on a bare echo instance over a real
// SQLite file and the simulator over HTTP; the logged-in user is chosen
// per request (the whole-router tests cover sessions and the role table).
type financeEnv struct {
	t       *testing.T
	db      *db.DB
	sim     *sim.Sim
	simURL  string
	client  *omisehttp.Client
	svc     *payments.Service
	rec     *payments.Reconciler
	e       *echo.Echo
	clock   *fakeclock.Clock
	users   map[string]*db.User
	reports *Reports
}

func bkk(day string, h, m, s int) time.Time {
	d, _ := time.ParseInLocation("2006-01-02", day, payments.Bangkok)
	return time.Date(d.Year(), d.Month(), d.Day(), h, m, s, 0, payments.Bangkok)
}

func newFinanceEnv(t *testing.T, start time.Time) *financeEnv {
	t.Helper()
	return newFinanceEnvWith(t, start, sim.Options{}, "")
}

// newFinanceEnvWith is newFinanceEnv with simulator options (its clock is
// set here) and the Omise-Version the client sends ("" = the default).
func newFinanceEnvWith(t *testing.T, start time.Time, so sim.Options, version string) *financeEnv {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, filepath.Join(t.TempDir(), "finance.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	clock := fakeclock.At(start)
	so.Now = clock.Now
	s := sim.New(so)
	srv := httptest.NewServer(s)
	t.Cleanup(func() { srv.Close(); s.Close() })
	cl, err := omisehttp.New(omisehttp.Config{BaseURL: srv.URL, PublicKey: sim.DefaultPublicKey, SecretKey: sim.DefaultSecretKey,
		Version: version, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	svc := &payments.Service{DB: d, Omise: cl, Now: clock.Now, TillTimeout: 90 * time.Second, BarcodeKey: []byte("k")}
	env := &financeEnv{t: t, db: d, sim: s, simURL: srv.URL, client: cl, svc: svc, clock: clock, users: map[string]*db.User{}}
	env.rec = payments.NewReconciler(ctx, svc)
	sys := db.Actor{Username: "test"}
	for _, st := range []db.Store{{StoreID: "store_1234", StoreName: "ร้านกาแฟสด", Methods: []string{omise.SourceBarcodeAlipay}},
		{StoreID: "store_9", StoreName: "Other Store", Methods: []string{omise.SourceBarcodeAlipay}}} {
		if _, err := d.CreateStore(ctx, sys, st); err != nil {
			t.Fatal(err)
		}
	}
	for _, nu := range []db.NewUser{{Username: "finance", Role: db.RoleFinance, StoreID: "store_1234"},
		{Username: "manager", Role: db.RoleManager, StoreID: "store_1234"}, {Username: "admin", Role: db.RoleAdmin}} {
		nu.PasswordHash = "x"
		u, err := d.CreateUser(ctx, sys, nu)
		if err != nil {
			t.Fatal(err)
		}
		env.users[u.Username] = u
	}
	env.reports = &Reports{DB: d, Payments: svc, Now: clock.Now}
	rc := &Reconcile{DB: d, Payments: svc, Reconciler: env.rec, Now: clock.Now}
	e := echo.New()
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if u := env.users[c.Request().Header.Get("X-Test-User")]; u != nil {
				SetCurrentUser(c, u)
			}
			return next(c)
		}
	})
	e.GET("/reports/daily", env.reports.Daily)
	e.GET("/reports/daily.csv", env.reports.DailyCSV)
	e.GET("/reports/z", env.reports.Z)
	e.GET("/charges.csv", env.reports.ChargesCSV)
	e.GET("/refunds.csv", env.reports.RefundsCSV)
	e.GET("/reconcile", rc.Index)
	e.POST("/reconcile", rc.Start)
	e.GET("/reconcile/:run", rc.Run)
	e.POST("/reconcile/:run/resync", rc.Resync)
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		if re, ok := err.(*payments.Refusal); ok {
			_ = c.String(RefusalStatus(re), re.MessageID())
			return
		}
		e.DefaultHTTPErrorHandler(err, c)
	}
	env.e = e
	return env
}

// do runs one request as user and returns the recorder.
func (env *financeEnv) do(method, target, user string, form url.Values, hdr ...string) *httptest.ResponseRecorder {
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(method, target, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("X-Test-User", user)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	env.e.ServeHTTP(rec, req)
	return rec
}

// sale makes a charge at the simulator at instant at, completes it as
// status says and stores it through the payments service.
func (env *financeEnv) sale(at time.Time, store, terminal string, amount int64, status omise.ChargeStatus) string {
	t := env.t
	t.Helper()
	ctx := context.Background()
	env.clock.Set(at)
	oc, err := env.client.CreateCharge(ctx, omise.CreateChargeParams{Amount: amount, Currency: "THB",
		InlineSource: &omise.CreateSourceParams{Type: omise.SourceBarcodeAlipay, Barcode: "2810000000000000123",
			StoreID: store, TerminalID: terminal}})
	if err != nil {
		t.Fatal(err)
	}
	switch status {
	case omise.StatusSuccessful:
		_, err = env.sim.MarkPaid(oc.ID)
	case omise.StatusFailed:
		_, err = env.sim.MarkFailed(oc.ID, omise.FailurePaymentRejected)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.svc.SyncCharge(ctx, oc.ID); err != nil {
		t.Fatal(err)
	}
	return oc.ID
}

func (env *financeEnv) refund(at time.Time, chargeID string, amount int64) {
	env.t.Helper()
	env.clock.Set(at)
	if _, err := env.client.CreateRefund(context.Background(), chargeID, omise.CreateRefundParams{Amount: amount}); err != nil {
		env.t.Fatal(err)
	}
	if _, err := env.svc.SyncCharge(context.Background(), chargeID); err != nil {
		env.t.Fatal(err)
	}
}

func expectStatus(t *testing.T, rec *httptest.ResponseRecorder, want int) {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("status %d, want %d: %.500s", rec.Code, want, rec.Body.String())
	}
}
