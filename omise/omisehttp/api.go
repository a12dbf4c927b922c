package omisehttp

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"instore/omise"
)

// CreateSource creates a source with the public key (POST /sources), the
// first step of the two-step flow; CreateCharge with InlineSource saves it.
func (c *Client) CreateSource(ctx context.Context, p omise.CreateSourceParams) (*omise.Source, error) {
	return call[omise.Source](ctx, c, request{
		method: http.MethodPost, path: "/sources", endpoint: "POST /sources",
		public: true, form: sourceForm(p), object: "source",
	})
}

// CreateCharge creates a charge (POST /charges) from a source id or an
// inline source; the inline source takes its amount and currency from the
// charge. The call is never retried: on an IsUncertain error, find the
// charge (ListCharges and the metadata you sent) before charging again.
func (c *Client) CreateCharge(ctx context.Context, p omise.CreateChargeParams) (*omise.Charge, error) {
	form, err := chargeForm(p)
	if err != nil {
		return nil, err
	}
	return call[omise.Charge](ctx, c, request{
		method: http.MethodPost, path: "/charges", endpoint: "POST /charges",
		form: form, object: "charge",
	})
}

// GetCharge fetches one charge (GET /charges/:id).
func (c *Client) GetCharge(ctx context.Context, id string) (*omise.Charge, error) {
	if err := checkID("GetCharge", id); err != nil {
		return nil, err
	}
	return call[omise.Charge](ctx, c, request{
		method: http.MethodGet, path: "/charges/" + url.PathEscape(id),
		endpoint: "GET /charges/:id", object: "charge",
	})
}

// ListCharges lists charges (GET /charges); Limit is clamped to 100.
func (c *Client) ListCharges(ctx context.Context, p omise.ListParams) (*omise.List[omise.Charge], error) {
	return call[omise.List[omise.Charge]](ctx, c, request{
		method: http.MethodGet, path: "/charges", endpoint: "GET /charges",
		query: listValues(p), object: "list",
	})
}

// ExpireCharge expires a pending charge (POST /charges/:id/expire). Omise
// answers 400 failed_expire when the charge is no longer pending, which is
// how a cashier's cancel loses the race against a payment.
func (c *Client) ExpireCharge(ctx context.Context, id string) (*omise.Charge, error) {
	if err := checkID("ExpireCharge", id); err != nil {
		return nil, err
	}
	return call[omise.Charge](ctx, c, request{
		method: http.MethodPost, path: "/charges/" + url.PathEscape(id) + "/expire",
		endpoint: "POST /charges/:id/expire", object: "charge",
	})
}

// CreateRefund refunds part or all of a successful charge
// (POST /charges/:id/refunds).
func (c *Client) CreateRefund(ctx context.Context, chargeID string, p omise.CreateRefundParams) (*omise.Refund, error) {
	if err := checkID("CreateRefund", chargeID); err != nil {
		return nil, err
	}
	return call[omise.Refund](ctx, c, request{
		method: http.MethodPost, path: "/charges/" + url.PathEscape(chargeID) + "/refunds",
		endpoint: "POST /charges/:id/refunds", form: refundForm(p), object: "refund",
	})
}

// ListChargeRefunds lists one charge's refunds (GET /charges/:id/refunds).
func (c *Client) ListChargeRefunds(ctx context.Context, chargeID string, p omise.ListParams) (*omise.List[omise.Refund], error) {
	if err := checkID("ListChargeRefunds", chargeID); err != nil {
		return nil, err
	}
	return call[omise.List[omise.Refund]](ctx, c, request{
		method: http.MethodGet, path: "/charges/" + url.PathEscape(chargeID) + "/refunds",
		endpoint: "GET /charges/:id/refunds", query: listValues(p), object: "list",
	})
}

// ListRefunds lists the account's refunds (GET /refunds).
func (c *Client) ListRefunds(ctx context.Context, p omise.ListParams) (*omise.List[omise.Refund], error) {
	return call[omise.List[omise.Refund]](ctx, c, request{
		method: http.MethodGet, path: "/refunds", endpoint: "GET /refunds",
		query: listValues(p), object: "list",
	})
}

// GetEvent fetches one event (GET /events/:id).
func (c *Client) GetEvent(ctx context.Context, id string) (*omise.Event, error) {
	if err := checkID("GetEvent", id); err != nil {
		return nil, err
	}
	return call[omise.Event](ctx, c, request{
		method: http.MethodGet, path: "/events/" + url.PathEscape(id),
		endpoint: "GET /events/:id", object: "event",
	})
}

// ListEvents lists events (GET /events), the poller's fallback for missed
// webhooks.
func (c *Client) ListEvents(ctx context.Context, p omise.ListParams) (*omise.List[omise.Event], error) {
	return call[omise.List[omise.Event]](ctx, c, request{
		method: http.MethodGet, path: "/events", endpoint: "GET /events",
		query: listValues(p), object: "list",
	})
}

// checkID rejects an empty id before it turns GET /charges/:id into a list.
func checkID(op, id string) error {
	if id == "" {
		return errors.New("omise: " + op + ": empty id")
	}
	return nil
}
