// Package payments is the domain: amount and barcode rules, till checkout
// attempts, the charge state machine, refunds, webhook application, the
// syncer and reconciliation. Every rule about money state lives here.
package payments

import (
	"context"
	"log/slog"
	"time"

	"golang.org/x/time/rate"

	"instore/db"
	"instore/omise"
)

// Omise is the part of the Omise API the domain uses; *omisehttp.Client
// has it, and the wiring (web.Wire) hands one in.
type Omise interface {
	CreateSource(ctx context.Context, p omise.CreateSourceParams) (*omise.Source, error)
	CreateCharge(ctx context.Context, p omise.CreateChargeParams) (*omise.Charge, error)
	GetCharge(ctx context.Context, id string) (*omise.Charge, error)
	ListCharges(ctx context.Context, p omise.ListParams) (*omise.List[omise.Charge], error)
	ExpireCharge(ctx context.Context, id string) (*omise.Charge, error)
	CreateRefund(ctx context.Context, chargeID string, p omise.CreateRefundParams) (*omise.Refund, error)
	ListChargeRefunds(ctx context.Context, chargeID string, p omise.ListParams) (*omise.List[omise.Refund], error)
	ListRefunds(ctx context.Context, p omise.ListParams) (*omise.List[omise.Refund], error)
	GetEvent(ctx context.Context, id string) (*omise.Event, error)
}

// Change tells live screens that a charge or a till attempt changed. It is
// published only after the transaction that made the change committed.
type Change struct {
	Kind       string // "charge" or "attempt"
	ChargeID   string
	AttemptID  string
	StoreID    string
	TerminalID string
	Status     string
	Charge     *db.Charge // the charge after the change, when Kind is "charge"
	At         time.Time
}

// SyncMetrics records the syncer's passes; *metrics.M has it.
type SyncMetrics interface {
	// SyncPassed counts one pass by result ("ok" or "error").
	SyncPassed(result string)
	// SyncBehind sets how long ago the last pass finished.
	SyncBehind(d time.Duration)
}

// Notifier receives committed changes (the live feed's broker).
type Notifier interface {
	Publish(Change)
}

// Service holds the domain's dependencies. Build it once in main.
type Service struct {
	DB      *db.DB
	Omise   Omise
	Notify  Notifier    // may be nil
	Metrics SyncMetrics // may be nil
	Log     *slog.Logger
	// Now is the clock; tests inject one.
	Now func() time.Time
	// TillTimeout is how long a till sale may stay pending before it is expired.
	TillTimeout time.Duration
	// BarcodeKey keys the hash that remembers used payment codes.
	BarcodeKey []byte
	// UnsignedLookups budgets the Omise look-ups of unsigned webhook
	// deliveries (NewUnsignedBudget); nil = unlimited.
	UnsignedLookups *rate.Limiter

	qr      qrCache
	reads   chargeReads
	lookups attemptLookups
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func (s *Service) publish(c Change) {
	if s.Notify != nil {
		if c.At.IsZero() {
			c.At = s.now()
		}
		s.Notify.Publish(c)
	}
}
