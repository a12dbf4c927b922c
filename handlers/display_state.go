package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/money"
	"instore/payments"
)

// DisplayStateJSON is what the customer display shows: no ids, no payment
// code, no names, only the state and the amount.
type DisplayStateJSON struct {
	State  string `json:"state"`             // idle, waiting, paid or not_paid
	Amount string `json:"amount,omitempty"`  // "฿1,234.00"
	HoldMs int64  `json:"hold_ms,omitempty"` // a result's time left on screen
	QR     string `json:"qr,omitempty"`      // a QR sale waiting: the image to scan
}

// State is GET /till/display/state: the display's poll and what it reads
// after each live event.
func (h *Display) State(c echo.Context) error {
	t, err := h.target(c)
	if err != nil {
		return err
	}
	st, err := h.state(c.Request().Context(), t)
	if err != nil {
		return err
	}
	st.QR = displayQRURL(c, t, st.QR)
	return c.JSON(http.StatusOK, st)
}

// displayQRURL makes state's QR mark an address on the display's routes.
func displayQRURL(c echo.Context, t *db.TillTerminal, mark string) string {
	if mark == "" {
		return ""
	}
	return "/till/display/qr?" + displayQuery(c, t) + mark
}

// displayResultHold is how long paid or not paid stays on the display.
const displayResultHold = 10 * time.Second

// state reads the terminal's sale: one waiting (creating, pending or
// unknown) shows its amount; one that ended within displayResultHold shows
// paid or not paid; otherwise the display is idle.
func (h *Display) state(ctx context.Context, t *db.TillTerminal) (DisplayStateJSON, error) {
	att, err := db.OpenAttemptForTerminalQ(ctx, h.DB.R, t.StoreID, t.TerminalID)
	if errors.Is(err, db.ErrNotFound) {
		recent, err := h.DB.ListRecentAttempts(ctx, t.StoreID, t.TerminalID, 1)
		if err != nil || len(recent) == 0 {
			return DisplayStateJSON{State: "idle"}, err
		}
		att = recent[0]
	} else if err != nil {
		return DisplayStateJSON{}, err
	}
	if att.Status == db.AttemptPending {
		// With no till page open and no webhook, the display's own poll is
		// what learns of the payment (re-reads are rate-limited there).
		if got, err := h.Payments.RefreshTillAttempt(ctx, att.AttemptID); err == nil && got != nil {
			att = got
		} else if err != nil {
			h.log().WarnContext(ctx, "display: refreshing the sale failed", "err", err)
		}
	}
	amount := money.FormatTHB(att.Amount)
	if db.AttemptOpen(att.Status) {
		st := DisplayStateJSON{State: "waiting", Amount: amount}
		if payments.ShowsQR(att) {
			st.QR = "&sale=" + displaySaleMark(att) // State makes it an address
		}
		return st, nil
	}
	at := att.UpdatedAt
	if att.ResolvedAt != nil {
		at = *att.ResolvedAt
	}
	left := displayResultHold - h.now().Sub(at)
	if left <= 0 {
		return DisplayStateJSON{State: "idle"}, nil
	}
	st := DisplayStateJSON{State: "not_paid", Amount: amount, HoldMs: left.Milliseconds()}
	if att.Status == db.AttemptSuccessful {
		st.State = "paid"
	}
	return st, nil
}

// displaySaleMark names a sale in the display's QR address: each sale's
// image has an address of its own, which says nothing of the sale.
func displaySaleMark(att *db.Attempt) string {
	sum := sha256.Sum256([]byte(att.AttemptID))
	return hex.EncodeToString(sum[:6])
}

// QR is GET /till/display/qr: the QR of the terminal's waiting QR sale,
// the one its address names. Once that sale has ended the address shows
// nothing: the display may have read the state just before the cashier
// started another sale, and the next sale's QR must not appear beside the
// old amount (nor be cached under the old sale's address).
func (h *Display) QR(c echo.Context) error {
	t, err := h.target(c)
	if err != nil {
		return err
	}
	qrs, ok := h.Payments.(ChargeQRs)
	if !ok {
		return Refuse(payments.NotFound, "not_found", "till.sale.not_found")
	}
	att, err := db.OpenAttemptForTerminalQ(c.Request().Context(), h.DB.R, t.StoreID, t.TerminalID)
	if errors.Is(err, db.ErrNotFound) {
		return Refuse(payments.NotFound, "not_found", "till.sale.not_found")
	} else if err != nil {
		return err
	}
	if c.QueryParam("sale") != displaySaleMark(att) {
		return Refuse(payments.NotFound, "not_found", "till.sale.not_found")
	}
	return serveQR(c, qrs, att)
}
