package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/i18n"
	"instore/money"
	"instore/payments"
	"instore/views"
)

// TillPayments is what the till needs of the payments service.
type TillPayments interface {
	Checkout(ctx context.Context, a payments.Actor, req payments.CheckoutRequest) (*db.Attempt, error)
	CancelAttempt(ctx context.Context, a payments.Actor, attemptID string) (*db.Attempt, error)
	RefreshTillAttempt(ctx context.Context, attemptID string) (*db.Attempt, error)
	TillDeadline(a *db.Attempt) time.Time
}

// Till serves the cashier's till: the sale form, the charge, the waiting
// screen, cancel and the receipt.
type Till struct {
	DB       *db.DB
	Payments TillPayments
	Now      func() time.Time
	Log      *slog.Logger // nil: slog.Default()
	// Scan holds the scanner thresholds; zero fields take the defaults.
	Scan views.TillScan
}

// Default scanner thresholds (product notes C2): scanners type 7–35 ms
// apart, people 100 ms and more. The code's shape (length, prefixes) is
// the store's payment method's, from payments.CodeShape.
var defaultScan = views.TillScan{MaxGapMs: 35, IdleMs: 80}

// tillTerminalCookie remembers the terminal of this browser for the no-JS
// page; the script keeps it in localStorage too.
const tillTerminalCookie = "instore_till_terminal"

func (h *Till) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

func (h *Till) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// tillStore is the store whose till the user works: their own, or for an
// admin the one named by ?store= (GET) or store_id (POST), "" if none.
func tillStore(c echo.Context, u *db.User) string {
	if u.Role != db.RoleAdmin {
		return u.StoreID
	}
	if s := c.QueryParam("store"); s != "" {
		return s
	}
	return c.FormValue("store_id")
}

func paymentsActor(c echo.Context) payments.Actor {
	a := Actor(c)
	return payments.Actor{UserID: a.UserID, Username: a.Username, Role: a.Role, IP: a.IP}
}

// Page is GET /till: the sale form with a fresh attempt id.
func (h *Till) Page(c echo.Context) error {
	u, ok := CurrentUser(c)
	if !ok {
		return echo.ErrUnauthorized
	}
	f := views.TillForm{AttemptID: uuid.NewString()}
	if c.QueryParam("terminal") != "" {
		f.TerminalID = c.QueryParam("terminal")
	} else if ck, err := c.Cookie(tillTerminalCookie); err == nil {
		f.TerminalID = ck.Value
	}
	if err := h.fillForm(c, u, &f); err != nil {
		return err
	}
	if f.TerminalID != "" && len(f.Terminals) > 0 {
		// A till opened again while its sale is open (a reload mid-sale, a
		// second tab) says so and links it: the cashier goes back to that
		// sale instead of taking the payment again.
		open, err := db.OpenAttemptForTerminalQ(c.Request().Context(), h.DB.R, f.StoreID, f.TerminalID)
		switch {
		case err == nil:
			t := views.BiCatalog("refusal.terminal_busy")
			f.Alert, f.BusyAttemptID, f.OpenTerminalID = &t, open.AttemptID, f.TerminalID
		case !errors.Is(err, db.ErrNotFound):
			return err
		}
	}
	return Render(c, http.StatusOK, views.TillPage(f))
}

// fillForm adds the store, its terminals, the scan settings and the
// terminal's recent sales to f.
func (h *Till) fillForm(c echo.Context, u *db.User, f *views.TillForm) error {
	ctx := c.Request().Context()
	f.Scan = h.scan()
	f.StoreID = tillStore(c, u)
	f.AdminStore = u.Role == db.RoleAdmin && f.StoreID != ""
	if f.StoreID == "" {
		stores, err := h.DB.ListStores(ctx)
		if err != nil {
			return err
		}
		for _, s := range stores {
			f.Stores = append(f.Stores, views.TillChoice{ID: s.StoreID, Label: s.StoreName})
		}
		return nil
	}
	terms, err := h.DB.ListTillTerminals(ctx, f.StoreID)
	if err != nil {
		return err
	}
	found := false
	for _, t := range terms {
		f.StoreName, f.ConfirmAbove = t.StoreName, t.ConfirmAbove
		if m, ok := payments.StoreMethod(t.Methods, ""); ok {
			f.SourceType, f.ScanDefault = m.ID, m.Scanned()
		}
		f.QRMethods = f.QRMethods[:0]
		for _, id := range t.Methods {
			if m, ok := payments.MethodByID(id); ok && !m.Scanned() {
				f.QRMethods = append(f.QRMethods, views.TillChoice{ID: m.ID, Label: i18n.T(ctx, "till.method."+m.ID)})
			}
		}
		f.Terminals = append(f.Terminals, views.TillChoice{ID: t.TerminalID, Label: t.Label})
		found = found || t.TerminalID == f.TerminalID
	}
	if !found && len(terms) > 0 {
		f.TerminalID = terms[0].TerminalID
	}
	if m, ok := payments.MethodByID(f.SourceType); ok && m.Scanned() {
		// The page tells a scan from typing by the same shape the server
		// enforces, so a code it lets through is one the server accepts.
		f.Scan.MinLen, f.Scan.MaxLen, f.Scan.Prefixes = payments.CodeShape(m.ID)
	}
	if f.TerminalID == "" {
		return nil
	}
	recent, err := h.DB.ListRecentAttempts(ctx, f.StoreID, f.TerminalID, 5)
	if err != nil {
		return err
	}
	for _, a := range recent {
		f.Recent = append(f.Recent, views.TillRecent{AttemptID: a.AttemptID, Status: tillStatus(a.Status),
			Amount: a.Amount, Masked: a.BarcodeMasked, CreatedAt: a.CreatedAt})
	}
	return nil
}

func (h *Till) scan() views.TillScan {
	s := h.Scan
	if s.MaxGapMs <= 0 {
		s.MaxGapMs = defaultScan.MaxGapMs
	}
	if s.IdleMs <= 0 {
		s.IdleMs = defaultScan.IdleMs
	}
	return s
}

// Create is POST /till/charges: charge the scanned code once. JSON
// clients get the attempt (200), field errors (422) or the open sale
// (409); forms are redirected to the sale's page or re-rendered with 422.
func (h *Till) Create(c echo.Context) error {
	u, ok := CurrentUser(c)
	if !ok {
		return echo.ErrUnauthorized
	}
	ctx := c.Request().Context()
	req := payments.CheckoutRequest{
		AttemptID: c.FormValue("attempt_id"), StoreID: tillStore(c, u),
		TerminalID: c.FormValue("terminal_id"), Barcode: c.FormValue("barcode"), Method: c.FormValue("method"),
	}
	if req.TerminalID != "" {
		// Only the terminals of the user's store (an admin's chosen store)
		// take sales; anything else is refused outright.
		term, err := h.DB.GetTillTerminal(ctx, req.StoreID, req.TerminalID)
		if errors.Is(err, db.ErrNotFound) {
			return Refuse(payments.Forbidden, "terminal_forbidden", "till.sale.terminal_forbidden")
		} else if err != nil {
			return err
		}
		// Checkout would read the same row again.
		req.Terminal = term
	}
	amountText := c.FormValue("amount")
	amount, amountMsg := payments.ParseTillAmount(amountText)
	req.Amount = amount
	if _, err := money.ParseBaht(amountText); err == nil {
		// Only an amount that reads as one can be compared with what the
		// cashier confirmed; otherwise the amount's own message says what
		// is wrong with it.
		req.AmountConfirmed = formField(c, "amount_confirmed")
	}
	att, err := h.Payments.Checkout(ctx, paymentsActor(c), req)
	var r *payments.Refusal
	if errors.As(err, &r) && r.Fields != nil && amountMsg != nil && (r.Fields["amount"] == nil || r.Fields["amount"].Code != payments.CodeAmountUnconfirmed) {
		// ParseTillAmount knows why the text is not an amount; Checkout only
		// saw zero.
		r.Fields["amount"] = amountMsg
	}
	switch {
	case errors.As(err, &r):
		return h.refuse(c, u, r)
	case err != nil:
		return err
	}
	c.SetCookie(&http.Cookie{Name: tillTerminalCookie, Value: att.TerminalID, Path: "/till", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https"})
	if WantsJSON(c) {
		return c.JSON(http.StatusOK, h.attemptJSON(att))
	}
	return Redirect(c, "/till/charges/"+att.AttemptID)
}

// formField is a form field's value, nil when the request has no such
// field (an empty field is present).
func formField(c echo.Context, name string) *string {
	params, err := c.FormParams()
	if err != nil {
		return nil
	}
	v, ok := params[name]
	if !ok {
		return nil
	}
	s := ""
	if len(v) > 0 {
		s = v[0]
	}
	return &s
}

// refuse answers a sale the rules refused: nothing was charged, and the
// form keeps the attempt id and amount so the retry is the same sale. A
// refusal by field marks the fields; any other is the form's alert.
func (h *Till) refuse(c echo.Context, u *db.User, r *payments.Refusal) error {
	if WantsJSON(c) {
		return c.JSON(RefusalStatus(r), tillRefusalJSON(c, r))
	}
	f := views.TillForm{
		AttemptID: c.FormValue("attempt_id"), TerminalID: c.FormValue("terminal_id"), Amount: c.FormValue("amount"),
		Errors: map[string]views.BiText{}, BusyAttemptID: r.Ref,
	}
	if !payments.ValidAttemptID(f.AttemptID) {
		f.AttemptID = uuid.NewString()
	}
	for k, m := range r.Fields {
		f.Errors[k] = RefusalText(m)
	}
	if r.Fields == nil {
		t := RefusalText(r)
		f.Alert = &t
	}
	if err := h.fillForm(c, u, &f); err != nil {
		return err
	}
	return Render(c, RefusalStatus(r), views.TillPage(f))
}
