package payments_test

import (
	"strings"
	"testing"

	"instore/db"
	"instore/i18n"
	"instore/omise"
	"instore/payments"
)

// TestQROutcomesAskForNoCode: a PromptPay customer has no payment code and
// no wallet; they scan the till's QR in a bank app. Whatever becomes of the
// sale, the till never tells the cashier to ask them for a new code (there
// is none to ask for) or to blame their wallet.
func TestQROutcomesAskForNoCode(t *testing.T) {
	t.Parallel()
	if err := i18n.Load(); err != nil {
		t.Fatal(err)
	}
	m, ok := payments.MethodByID(omise.SourcePromptPay)
	if !ok {
		t.Skip("no PromptPay in this build")
	}
	type end struct{ status, code string }
	ends := []end{{db.AttemptCreating, ""}, {db.AttemptPending, ""}, {db.AttemptUnknown, ""},
		{db.AttemptExpired, ""}, {db.AttemptFailed, ""}, {db.AttemptFailed, "something_new"}}
	for _, f := range m.Failures {
		ends = append(ends, end{db.AttemptFailed, f})
	}
	for _, code := range []string{payments.CodeNoCharge, payments.CodeReversed} {
		ends = append(ends, end{db.AttemptFailed, code})
	}
	for _, code := range []string{payments.CodeSourceFailed, payments.CodeOmiseRefused, payments.CodeOmiseConfig,
		payments.CodeMethodNotEnabled} {
		ends = append(ends, end{db.AttemptRejected, code})
	}
	for _, e := range ends {
		s := outcome(&db.Attempt{SourceType: m.SourceType, Status: e.status, ErrorCode: e.code, ChargeID: "chrg_test_x"})
		en := strings.ToLower(s.EN)
		for _, bad := range []string{"code", "alipay", "wallet", "scan again"} {
			if strings.Contains(en, bad) {
				t.Errorf("%s/%s: %q says %q", e.status, e.code, s.EN, bad)
			}
		}
		for _, bad := range []string{"รหัส", "Alipay", "กระเป๋า"} {
			if strings.Contains(s.TH, bad) {
				t.Errorf("%s/%s: %q says %q", e.status, e.code, s.TH, bad)
			}
		}
	}
}
