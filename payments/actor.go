package payments

import (
	"context"
	"encoding/json"

	"instore/db"
)

// Actor is who asked for a change, for the audit log.
type Actor struct {
	UserID   int64
	Username string
	Role     string
	IP       string
}

// System is the actor for changes the application makes by itself.
var System = Actor{Username: "system", Role: "system"}

// chargeSnapshot is the part of a charge the audit log records before and after.
func chargeSnapshot(c *db.Charge) string {
	if c == nil {
		return ""
	}
	b, _ := json.Marshal(map[string]any{
		"status": c.Status, "amount": c.Amount, "refunded_amount": c.RefundedAmount,
		"failure_code": c.FailureCode,
	})
	return string(b)
}

// audit appends an entry; a failure to audit is logged, never hidden.
func (s *Service) audit(ctx context.Context, a Actor, action, target, result string, before, after *db.Charge, detail string) {
	s.writeAudit(ctx, s.auditEntry(a, action, target, result, before, after, detail))
}

// writeAudit appends e in its own write; a failure is logged, never hidden.
func (s *Service) writeAudit(ctx context.Context, e db.AuditEntry) {
	if err := s.DB.Audit(ctx, e); err != nil {
		s.log().Error("audit write failed", "action", e.Action, "target", e.Target, "err", err)
	}
}

// auditEntry is the audit row of one action, for audit or for a write
// that records its change and its audit in one transaction.
func (s *Service) auditEntry(a Actor, action, target, result string, before, after *db.Charge, detail string) db.AuditEntry {
	return db.AuditEntry{
		At: s.now(), UserID: a.UserID, Username: a.Username, Role: a.Role, Action: action, Target: target,
		IP: a.IP, Result: result, Before: chargeSnapshot(before), After: chargeSnapshot(after), Detail: detail,
	}
}
