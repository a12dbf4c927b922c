package payments

import (
	"context"
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
