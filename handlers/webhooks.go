package handlers

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"instore/metrics"
	"instore/payments"
)

// maxWebhookBody bounds what we read from a webhook delivery.
const maxWebhookBody = 1 << 20

// WebhookReceiver is the domain as the webhook endpoint needs it: it checks
// the signature, decodes the event and applies it.
type WebhookReceiver interface {
	AcceptWebhook(ctx context.Context, secret string, d payments.Delivery, now time.Time) (payments.WebhookOutcome, error)
}

// Webhooks serves POST /webhooks/omise. It sits outside sessions and CSRF:
// its trust comes from the signature (when a secret is configured) and,
// always, from reading the event back from Omise.
type Webhooks struct {
	Payments WebhookReceiver
	// Secret is the base64 webhook secret; empty = signatures not checked.
	Secret  string
	Metrics *metrics.M
	Log     *slog.Logger
	Now     func() time.Time
}

func (h *Webhooks) count(result string) {
	if h.Metrics != nil {
		h.Metrics.Webhooks.WithLabelValues(result).Inc()
	}
}

// Receive handles one delivery.
func (h *Webhooks) Receive(c echo.Context) error {
	req := c.Request()
	mt, _, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if mt != echo.MIMEApplicationJSON {
		h.count("bad_request")
		return c.JSON(http.StatusUnsupportedMediaType, map[string]string{"error": "content type must be application/json"})
	}
	raw, err := io.ReadAll(io.LimitReader(req.Body, maxWebhookBody+1))
	var he *echo.HTTPError
	if err != nil && !(errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge) {
		h.count("bad_request")
		return c.JSON(http.StatusBadRequest, map[string]string{"error": "unreadable body"})
	}
	if err != nil || len(raw) > maxWebhookBody {
		h.count("too_large")
		return c.JSON(http.StatusRequestEntityTooLarge, map[string]string{"error": "body larger than 1 MiB"})
	}
	now := time.Now()
	if h.Now != nil {
		now = h.Now()
	}
	d := payments.Delivery{Body: raw, Signature: req.Header.Get(payments.SignatureHeader),
		Timestamp: req.Header.Get(payments.SignatureTimestampHeader)}
	out, err := h.Payments.AcceptWebhook(req.Context(), h.Secret, d, now)
	switch {
	case errors.Is(err, payments.ErrWebhookSignature):
		h.count("bad_signature")
		h.logger().Warn("webhook refused: signature", "reason", err.Error(), "ip", c.RealIP())
		return c.JSON(http.StatusUnauthorized, map[string]string{"error": "invalid signature"})
	case errors.Is(err, payments.ErrNotAnEvent):
		h.count("bad_request")
		return c.JSON(http.StatusBadRequest, map[string]string{"error": "not an Omise event"})
	case errors.Is(err, payments.ErrWebhookBudget):
		h.count("deferred")
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(payments.UnsignedRetryAfter().Seconds())))
		return c.JSON(http.StatusTooManyRequests, map[string]string{"event": out.EventID, "result": "retry",
			"error": "too many unsigned deliveries; set the webhook secret, or deliver again later"})
	case err != nil:
		h.count("unavailable")
		if out.Retryable || errors.Is(err, payments.ErrOmiseUnavailable) {
			h.logger().Warn("webhook stored; omise unavailable, asking for a retry", "event", out.EventID)
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"event": out.EventID, "result": "retry"})
		}
		return err
	}
	h.count(out.Result)
	return c.JSON(http.StatusOK, map[string]any{"event": out.EventID, "result": out.Result, "changed": out.Changed})
}

func (h *Webhooks) logger() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}
