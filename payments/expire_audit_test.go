package payments

import (
	"context"
	"strings"
	"testing"

	"instore/db"
	"instore/omise"
)

// cancelAfterExpire is the Omise client, but the caller's request goes
// away the moment Omise has expired the charge (a manager closing the tab,
// a proxy's timeout).
type cancelAfterExpire struct {
	Omise
	cancel context.CancelFunc
}

func (c cancelAfterExpire) ExpireCharge(ctx context.Context, id string) (*omise.Charge, error) {
	oc, err := c.Omise.ExpireCharge(ctx, id)
	c.cancel()
	return oc, err
}

// TestExpireOutlivesItsRequest: once Omise has expired a charge, the
// expiry is stored and audited even if the request that asked for it is
// gone; otherwise the charge reads pending here (and is offered to expire
// again) while it is expired at Omise, and no one can tell who expired it.
func TestExpireOutlivesItsRequest(t *testing.T) {
	t.Parallel()
	e := newRefundEnv(t)
	c := e.pendingCharge(t, 50000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e.svc.Omise = cancelAfterExpire{Omise: e.client, cancel: cancel}
	got, err := e.svc.ExpireCharge(ctx, manager, c.ID)
	if err != nil || got.Status != string(omise.StatusExpired) {
		t.Fatalf("expire = %+v, %v", got, err)
	}
	bg := context.Background()
	ours, err := e.svc.DB.GetCharge(bg, c.ID)
	if err != nil || ours.Status != string(omise.StatusExpired) {
		t.Fatalf("stored charge = %+v, %v", ours, err)
	}
	entries, err := e.svc.DB.ListAudit(bg, db.AuditFilter{Target: c.ID, Action: "charge.expire"})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Result != "ok" || entries[0].Username != manager.Username {
		t.Fatalf("expire audit = %+v", entries)
	}
}

// TestExpireFormAgainAfterAStoreFailure: Omise expired the charge but the
// first request could not store it. The same form again reads the charge
// back from Omise instead of asking Omise to expire it a second time.
func TestExpireFormAgainAfterAStoreFailure(t *testing.T) {
	t.Parallel()
	e := newRefundEnv(t)
	c := e.pendingCharge(t, 50000)
	ctx := context.Background()
	const key = "5d1e0c9a-expire-form"
	if _, err := e.client.ExpireCharge(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	entry := e.svc.auditEntry(manager, "charge.expire", c.ID, "not_stored", c, nil, "store_failed")
	entry.RequestKey = key
	if err := e.svc.DB.Audit(ctx, entry); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.ExpireRequested(ctx, manager, c.ID, key)
	if err != nil || got.Status != string(omise.StatusExpired) {
		t.Fatalf("the same form again = %+v, %v", got, err)
	}
	if n := e.sim.Stats().Requests["POST /charges/{id}/expire"]; n != 1 {
		t.Fatalf("Omise asked to expire %d times, want 1", n)
	}
	if ours, _ := e.svc.DB.GetCharge(ctx, c.ID); ours.Status != string(omise.StatusExpired) {
		t.Fatalf("stored charge: %s", ours.Status)
	}
}

// TestExpireFormNeedsItsKey: a person's expire request without a usable
// key is refused before anything is asked of Omise.
func TestExpireFormNeedsItsKey(t *testing.T) {
	t.Parallel()
	e := newRefundEnv(t)
	c := e.pendingCharge(t, 50000)
	for _, key := range []string{"", "short", "has spaces in it", strings.Repeat("k", 65)} {
		_, err := e.svc.ExpireRequested(context.Background(), manager, c.ID, key)
		if re, ok := ExplainError(err); !ok || re.Code != "expire_key_invalid" {
			t.Fatalf("key %q: %v", key, err)
		}
	}
	if n := e.sim.Stats().Requests["POST /charges/{id}/expire"]; n != 0 {
		t.Fatalf("Omise asked to expire %d times", n)
	}
}
