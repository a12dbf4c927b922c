package views

import (
	"context"
	"encoding/json"
	"strings"

	"instore/i18n"
)

// FailureWords names a failure code in a few words, for a list cell or a
// detail line; a code this build does not know reads "Other reason". The
// code itself stays out of the text people read.
func FailureWords(ctx context.Context, code string) string {
	id := "failure_short." + code
	if code == "" || strings.Contains(code, ".") || !i18n.Has(id) {
		id = "failure_short.unknown"
	}
	return i18n.T(ctx, id)
}

// codeWords reads a dotted code (an audit action such as "refund.create")
// from the catalog table prefix; a code the catalog does not have is shown
// as stored, so a new action is never hidden.
func codeWords(ctx context.Context, prefix, code string) string {
	id := prefix + strings.ReplaceAll(code, ".", "_")
	if code == "" || !i18n.Has(id) {
		return code
	}
	return i18n.T(ctx, id)
}

// AuditActionWords is an audit action in the page's language.
func AuditActionWords(ctx context.Context, action string) string {
	return codeWords(ctx, "audit.action.", action)
}

// AuditResultWords is an audit result in the page's language.
func AuditResultWords(ctx context.Context, result string) string {
	return codeWords(ctx, "audit.result.", result)
}

// AuditFieldWords is the name of a field in an audit entry's snapshot.
func AuditFieldWords(ctx context.Context, field string) string {
	return codeWords(ctx, "audit.field.", field)
}

// RoleWords is a role in the page's language ("" stays "").
func RoleWords(ctx context.Context, role string) string {
	return codeWords(ctx, "role.", role)
}

// AuditValueWords is one value of an audit entry's snapshot as people read
// it: yes/no for a flag, a role, refund reason, status or payment method by
// its name; anything else as auditValue made it (baht already formatted).
func AuditValueWords(ctx context.Context, field, value string) string {
	switch {
	case value == "":
		return ""
	case value == "true" || value == "false":
		return i18n.T(ctx, "audit.value."+value)
	case field == "role":
		return RoleWords(ctx, value)
	case field == "reason" && i18n.Has(ReasonMsgID(value)):
		return i18n.T(ctx, ReasonMsgID(value))
	case field == "status" && i18n.Has("bo.status."+value):
		return i18n.T(ctx, "bo.status."+value)
	case field == "methods" || field == "source_type":
		var ids []string
		if json.Unmarshal([]byte(value), &ids) != nil {
			ids = []string{value}
		}
		for i, id := range ids {
			ids[i] = codeWords(ctx, "method.", id)
		}
		return strings.Join(ids, ", ")
	}
	return value
}
