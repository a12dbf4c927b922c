package handlers

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/payments"
)

// ChargeQRs is what serving a QR needs of the payments service.
type ChargeQRs interface {
	ChargeQR(ctx context.Context, chargeID string) ([]byte, string, error)
}

// serveQR writes a QR image Omise made. It is shown through <img>, so any
// script an SVG might carry never runs, and it is sent with its exact type,
// nosniff and a policy of its own that allows nothing to load or run.
func serveQR(c echo.Context, qrs ChargeQRs, att *db.Attempt) error {
	if !payments.ShowsQR(att) {
		return Refuse(payments.NotFound, "not_found", "till.sale.not_found")
	}
	data, mediaType, err := qrs.ChargeQR(c.Request().Context(), att.ChargeID)
	if errors.Is(err, payments.ErrNoQR) {
		return Refuse(payments.NotFound, "not_found", "till.sale.not_found")
	}
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	h.Set("Cache-Control", "private, max-age=300")
	return c.Blob(http.StatusOK, mediaType, data)
}

// QR is GET /till/charges/{attempt_id}/qr: the QR of a pending QR sale.
func (h *Till) QR(c echo.Context) error {
	_, att, err := h.visibleAttempt(c)
	if err != nil {
		return err
	}
	qrs, ok := h.Payments.(ChargeQRs)
	if !ok {
		return Refuse(payments.NotFound, "not_found", "till.sale.not_found")
	}
	return serveQR(c, qrs, att)
}
