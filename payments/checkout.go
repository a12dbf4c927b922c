package payments

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"instore/db"
	"instore/omise"
	"instore/reqctx"
)

// BarcodeReuseWindow is how long a used payment code is refused. Codes are
// single-use and refresh about every minute, so a repeat inside this window
// is a re-scan of the same code, never a new payment.
const BarcodeReuseWindow = 10 * time.Minute

// duplicateWait bounds how long a duplicate submit waits for the first
// one's Omise call before answering with the attempt as it stands.
const duplicateWait = 3 * time.Second

// TillCurrency is the only currency the till charges in.
const TillCurrency = "THB"

// CheckoutRequest is one till sale as the form sent it.
type CheckoutRequest struct {
	AttemptID  string // UUID drawn with the sale form; the same id never charges twice
	StoreID    string
	TerminalID string
	Amount     int64  // satang
	Barcode    string // as scanned or pasted; normalised here
	// Method is the payment method the cashier chose (a registry id);
	// "" is the store's default method.
	Method string
	// AmountConfirmed is the amount as the cashier last typed it by hand
	// (text, money.ParseBaht's grammar), or nil when the client sent none
	// (API callers may omit it). When set, the sale is refused unless it
	// reads as exactly Amount: digits that reached the amount field after
	// the cashier's last keystroke (a scan landing there) would otherwise
	// be charged.
	AmountConfirmed *string
	// Terminal is StoreID's TerminalID as the caller has just read it
	// (db.GetTillTerminal); nil, or another terminal, and Checkout reads it.
	Terminal *db.TillTerminal
}

// ErrAttemptStillOpen means an attempt cannot be cancelled yet: its charge
// is still being created or looked up at Omise.
var ErrAttemptStillOpen = errors.New("payments: attempt has no charge to cancel yet")

// ValidAttemptID reports whether id is a UUID in canonical form.
func ValidAttemptID(id string) bool {
	if len(id) != 36 {
		return false
	}
	u, err := uuid.Parse(id)
	return err == nil && u.String() == strings.ToLower(id)
}

// barcodeHash keys the payment code so a reused code can be recognised
// without keeping the code.
func (s *Service) barcodeHash(code string) string {
	m := hmac.New(sha256.New, s.BarcodeKey)
	m.Write([]byte(code))
	return hex.EncodeToString(m.Sum(nil))
}

// Checkout takes a till sale: it validates the input, records the attempt,
// creates the source (public key) and the charge (secret key) at Omise and
// stores the result. The same AttemptID returns the same attempt and never
// calls Omise again, also while the first call is in flight. A payment code
// used in the last BarcodeReuseWindow is refused, and a terminal takes one
// open sale at a time. Errors: a *Refusal is for the cashier (a form
// refused field by field, or a busy terminal naming its open sale in Ref);
// anything else is internal. A returned attempt may be creating,
// pending, unknown (Omise's answer was lost: never retried blindly, the
// syncer resolves it), rejected or already final.
func (s *Service) Checkout(ctx context.Context, a Actor, req CheckoutRequest) (*db.Attempt, error) {
	req.AttemptID = strings.ToLower(strings.TrimSpace(req.AttemptID))
	fields := map[string]*Refusal{}
	if !ValidAttemptID(req.AttemptID) {
		fields["attempt_id"] = refusalAttemptInvalid()
	}
	// A changed amount comes first: when a scan made it huge, "amount
	// changed, type it again" is the truth, "out of range" is not.
	if req.AmountConfirmed != nil && !amountConfirmed(req.Amount, *req.AmountConfirmed) {
		fields["amount"] = refusalAmountUnconfirmed()
	} else if m := CheckTillAmount(req.Amount); m != nil {
		fields["amount"] = m
	}
	term, err := req.Terminal, error(nil)
	if term == nil || term.StoreID != req.StoreID || term.TerminalID != req.TerminalID {
		term, err = s.DB.GetTillTerminal(ctx, req.StoreID, req.TerminalID)
	}
	if errors.Is(err, db.ErrNotFound) {
		fields["terminal_id"] = refusalTerminalUnknown()
	} else if err != nil {
		return nil, err
	}
	var code string
	var method *Method
	if term != nil {
		var ok bool
		if method, ok = StoreMethod(term.Methods, req.Method); !ok {
			if req.Method != "" {
				return nil, refuseFields(map[string]*Refusal{"method": refusalMethodNotOffered()})
			}
			// Stores are written with known methods only; this is a
			// database from a build with methods this one lacks.
			return nil, fmt.Errorf("payments: store %s takes no method this build knows (%v)", term.StoreID, term.Methods)
		}
	}
	switch {
	case method != nil && method.Scanned():
		var m *Refusal
		if code, m = ValidateBarcode(method.ID, req.Barcode); m != nil {
			fields["barcode"] = m
		}
	case method == nil:
		// No terminal, so no method: still say what is plainly wrong
		// with the code, by the loosest shape of any method.
		if _, m := ValidateBarcode("", req.Barcode); m != nil && m.Code != "barcode_length" {
			fields["barcode"] = m
		}
	}
	if len(fields) > 0 {
		return nil, refuseFields(fields)
	}
	if _, mapped := NormaliseBarcode(req.Barcode); mapped && code != "" {
		s.log().Info("till: payment code arrived in Thai layout and was mapped to digits",
			"attempt", req.AttemptID, "terminal", req.TerminalID)
	}

	now := s.now()
	att := &db.Attempt{
		AttemptID: req.AttemptID, StoreID: term.StoreID, TerminalID: term.TerminalID, UserID: a.UserID,
		Cashier: a.Username, Amount: req.Amount, Currency: TillCurrency, SourceType: method.SourceType,
		Status: db.AttemptCreating, CreatedAt: now, UpdatedAt: now,
	}
	if code != "" {
		att.BarcodeMasked, att.BarcodeHash = MaskBarcode(code), s.barcodeHash(code)
	}
	existing, err := s.recordAttempt(ctx, att)
	if err != nil {
		return nil, err
	}
	if existing != nil {
		if existing.StoreID != req.StoreID || existing.TerminalID != req.TerminalID {
			return nil, refuseFields(map[string]*Refusal{"attempt_id": refusalAttemptConflict()})
		}
		return s.awaitAttempt(ctx, existing)
	}
	s.publishAttempt(att)
	// The attempt is on record: finish the Omise calls even if the
	// cashier's request goes away, or the sale would stay "creating".
	return s.createTillCharge(context.WithoutCancel(ctx), att, term, method, code)
}

// recordAttempt inserts att in one write transaction after the rules that
// need the database: an existing attempt with the same id is returned
// instead; a reused code and a busy terminal are refused. The insert is
// the sale's claim: only the transaction that inserted calls Omise. Two
// instances claiming for one terminal (the same sale sent twice, or two
// sales) take turns on the terminal's row (db.LockTerminalTx), and the
// attempt id is the table's primary key besides. The payment code check
// across terminals holds the code's lock (db.LockBarcodeTx), taken after
// the terminal's; Alipay's codes are single-use at Alipay too.
func (s *Service) recordAttempt(ctx context.Context, att *db.Attempt) (*db.Attempt, error) {
	var existing *db.Attempt
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		existing = nil
		if err := s.DB.LockTerminalTx(ctx, tx, att.StoreID, att.TerminalID); err != nil {
			return err
		}
		// Another terminal may be claiming the same code: its claim holds
		// another terminal's row, so the code is locked too. A duplicate
		// submit takes it needlessly, which costs nothing on SQLite and
		// one short wait at most on PostgreSQL.
		if err := s.DB.LockBarcodeTx(ctx, tx, att.BarcodeHash); err != nil {
			return err
		}
		chk, err := db.ClaimChecksQ(ctx, tx, att.AttemptID, att.BarcodeHash, att.CreatedAt.Add(-BarcodeReuseWindow),
			att.StoreID, att.TerminalID)
		if err != nil {
			return err
		}
		if chk.Exists {
			existing, err = db.GetAttemptQ(ctx, tx, att.AttemptID)
			return err
		}
		// A busy terminal is answered first: its open sale may be this very
		// code (the till page reloaded while it was sent), and "ask for a
		// new code" would then take a second payment once the first is
		// paid. The open sale is where the cashier must go either way.
		if chk.OpenAttemptID != "" {
			busy := refusalTerminalBusy()
			busy.Ref = chk.OpenAttemptID
			return busy
		}
		if chk.BarcodeUsed {
			return refuseFields(map[string]*Refusal{"barcode": refusalBarcodeReused()})
		}
		return db.InsertAttemptTx(ctx, tx, att)
	})
	return existing, err
}

// awaitAttempt gives a duplicate submit the first submit's outcome: it
// waits a little while the first one is still talking to Omise, then
// answers with whatever the attempt is by then.
func (s *Service) awaitAttempt(ctx context.Context, att *db.Attempt) (*db.Attempt, error) {
	if att.Status != db.AttemptCreating {
		return att, nil
	}
	deadline := time.NewTimer(duplicateWait)
	defer deadline.Stop()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return att, nil
		case <-deadline.C:
			return att, nil
		case <-tick.C:
			cur, err := s.DB.GetAttempt(ctx, att.AttemptID)
			if err != nil {
				return nil, err
			}
			att = cur
			if att.Status != db.AttemptCreating {
				return att, nil
			}
		}
	}
}

// createTillCharge makes the source and the charge for a recorded attempt.
// A failed source leaves no charge, so it is safe to report; a lost answer
// to POST /charges makes the attempt unknown and is never retried.
func (s *Service) createTillCharge(ctx context.Context, att *db.Attempt, term *db.TillTerminal, method *Method, code string) (*db.Attempt, error) {
	called := time.Now()
	src, err := s.Omise.CreateSource(ctx, method.sourceParams(att.Amount, att.Currency, code, term.StoreID, term.StoreName, term.TerminalID))
	reqctx.AddOmiseTime(ctx, time.Since(called))
	if err != nil {
		s.log().Warn("till: source creation failed", "attempt", att.AttemptID, "err", err)
		errCode := CodeSourceFailed
		switch {
		case omise.ErrorCode(err) == "authentication_failure":
			errCode = CodeOmiseConfig
		case sourceTypeRefused(err):
			errCode = CodeMethodNotEnabled
			s.log().Error("till: Omise does not accept the store's payment method; nothing can be sold until it is enabled or the store's payment type is changed",
				"attempt", att.AttemptID, "store", term.StoreID, "source_type", method.SourceType)
		}
		return s.moveAttempt(ctx, att, db.AttemptRejected, "", errCode, omiseErrorLabel(err))
	}
	called = time.Now()
	oc, err := s.Omise.CreateCharge(ctx, omise.CreateChargeParams{
		Amount: att.Amount, Currency: att.Currency, SourceID: src.ID,
		Description: "instore " + att.AttemptID,
		Metadata: map[string]string{
			MetaAttemptID: att.AttemptID, MetaTerminalID: att.TerminalID,
			MetaStoreID: att.StoreID, MetaCashier: att.Cashier,
		},
	})
	reqctx.AddOmiseTime(ctx, time.Since(called))
	if err != nil {
		if omise.IsUncertain(err) {
			s.log().Warn("till: charge outcome unknown; the syncer will look it up", "attempt", att.AttemptID, "err", err)
			return s.moveAttempt(ctx, att, db.AttemptUnknown, "", "", omiseErrorLabel(err))
		}
		s.log().Warn("till: omise refused the charge", "attempt", att.AttemptID, "err", err)
		return s.moveAttempt(ctx, att, db.AttemptRejected, "", refusalCode(err), omiseErrorLabel(err))
	}
	if oc.Metadata == nil {
		oc.Metadata = map[string]any{}
	}
	// Omise echoes the metadata; set it anyway so the attempt is found
	// even if a charge comes back without it.
	if oc.MetadataString(MetaAttemptID) == "" {
		oc.Metadata[MetaAttemptID] = att.AttemptID
	}
	res, err := s.applyCharge(ctx, oc, nil, true)
	if err != nil {
		// The charge exists at Omise but not here: leave it to the syncer.
		s.log().Error("till: storing the new charge failed", "attempt", att.AttemptID, "charge", oc.ID, "err", err)
		return s.moveAttempt(ctx, att, db.AttemptUnknown, oc.ID, "", "store_failed")
	}
	if res.Attempt != nil && res.Attempt.AttemptID == att.AttemptID {
		return res.Attempt, nil // as the charge's own transaction left it
	}
	return s.DB.GetAttempt(ctx, att.AttemptID)
}

// moveAttempt moves att out of creating and tells live screens. When
// something else moved it first, the stored attempt is returned as it is.
func (s *Service) moveAttempt(ctx context.Context, att *db.Attempt, to, chargeID, code, message string) (*db.Attempt, error) {
	return s.moveAttemptFrom(ctx, att, db.AttemptCreating, to, chargeID, code, message)
}

func (s *Service) moveAttemptFrom(ctx context.Context, att *db.Attempt, from, to, chargeID, code, message string) (*db.Attempt, error) {
	changed, err := s.DB.SetAttemptOutcome(ctx, att.AttemptID, from, to, chargeID, code, message, s.now())
	if err != nil {
		return nil, err
	}
	cur, err := s.DB.GetAttempt(ctx, att.AttemptID)
	if err != nil {
		return nil, err
	}
	if changed {
		s.publishAttempt(cur)
	}
	return cur, nil
}

// publishAttempt tells live screens (the till's waiting page) that an
// attempt changed without its charge changing.
func (s *Service) publishAttempt(att *db.Attempt) {
	s.publish(Change{Kind: "attempt", ChargeID: att.ChargeID, AttemptID: att.AttemptID,
		StoreID: att.StoreID, TerminalID: att.TerminalID, Status: att.Status})
}

// refusalCode maps a 4xx from POST /charges to what the till tells the
// cashier. Omise says little about barcodes, so a message naming the
// barcode is the best evidence the code itself was refused.
func refusalCode(err error) string {
	var oe *omise.Error
	if !errors.As(err, &oe) {
		return CodeOmiseRefused
	}
	switch {
	case oe.Code == "authentication_failure" || oe.Code == "key_expired_error":
		return CodeOmiseConfig
	case sourceTypeRefused(err):
		return CodeMethodNotEnabled
	case oe.Code == omise.FailureInvalidBarcode || strings.Contains(strings.ToLower(oe.Message), "barcode"):
		return omise.FailureInvalidBarcode
	}
	return CodeOmiseRefused
}

// sourceTypeRefused reports whether Omise refused the source type itself:
// 400 "type is currently not supported", what an account answers for a
// payment method it may not use (never enabled, or retired by Omise). No
// new code helps; only the merchant's Omise account or the store's payment
// type can change it.
func sourceTypeRefused(err error) bool {
	var oe *omise.Error
	if !errors.As(err, &oe) || oe.StatusCode != 400 {
		return false
	}
	m := strings.ToLower(oe.Message)
	return strings.Contains(m, "type") && strings.Contains(m, "not supported")
}

// omiseErrorLabel is what the attempt keeps of an Omise error for staff:
// the code or kind, never the message (it can echo the payment code).
func omiseErrorLabel(err error) string {
	var oe *omise.Error
	if errors.As(err, &oe) {
		return fmt.Sprintf("omise %d %s", oe.StatusCode, oe.Code)
	}
	var ce *omise.CallError
	if errors.As(err, &ce) {
		if ce.Timeout {
			return ce.Endpoint + ": timeout"
		}
		return ce.Endpoint + ": network error"
	}
	return "error"
}

// CancelAttempt is the cashier's Cancel: it expires the attempt's pending
// charge at Omise. If the customer paid meanwhile, Omise refuses and the
// attempt ends successful, which is what the returned attempt then says.
// An attempt still being created or looked up gives ErrAttemptStillOpen.
func (s *Service) CancelAttempt(ctx context.Context, a Actor, attemptID string) (*db.Attempt, error) {
	att, err := s.DB.GetAttempt(ctx, attemptID)
	if err != nil {
		return nil, err
	}
	if !db.AttemptOpen(att.Status) {
		return att, nil
	}
	if att.Status != db.AttemptPending || att.ChargeID == "" {
		return att, ErrAttemptStillOpen
	}
	if _, err := s.ExpireCharge(ctx, a, att.ChargeID); err != nil && !errors.Is(err, ErrNotPending) {
		return nil, err
	}
	return s.DB.GetAttempt(ctx, attemptID)
}
