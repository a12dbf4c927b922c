package views

import (
	"context"

	"instore/i18n"
)

// MethodName is the short name of a charge's payment method in the page's
// language: nameID is its catalog id (payments.MethodNameID); a source type
// no method of this build makes (nameID "") shows as Omise names it.
func MethodName(ctx context.Context, nameID, sourceType string) string {
	if nameID != "" {
		return i18n.T(ctx, nameID)
	}
	if sourceType == "" {
		return "—"
	}
	return sourceType
}
