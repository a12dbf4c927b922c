package sim

import "instore/omise"

// capabilityJSON is the account capability object (2019 key set).
type capabilityJSON struct {
	Object                   string          `json:"object"`
	Location                 string          `json:"location"`
	Banks                    []string        `json:"banks"`
	Country                  string          `json:"country"`
	Limits                   map[string]any  `json:"limits"`
	PaymentMethods           []paymentMethod `json:"payment_methods"`
	TokenizationMethods      []string        `json:"tokenization_methods"`
	ZeroInterestInstallments bool            `json:"zero_interest_installments"`
}

type paymentMethod struct {
	Object           string   `json:"object"`
	Name             string   `json:"name"`
	Currencies       []string `json:"currencies"`
	CardBrands       any      `json:"card_brands"`
	InstallmentTerms any      `json:"installment_terms"`
	LoanInstallment  any      `json:"loan_installment_terms"`
	Banks            []string `json:"banks"`
	Provider         any      `json:"provider"`
}

// capability lists what this simulated account can do: every source type
// POST /sources accepts, in THB (less those RefuseSourceType refused), with
// the configured amount limits.
func (s *Sim) capability(q *request) (any, *Error) {
	pm := func(name string) paymentMethod {
		return paymentMethod{Object: "payment_method", Name: name, Currencies: []string{currencyTHB}, Banks: []string{}}
	}
	methods := []paymentMethod{}
	for _, name := range []string{omise.SourceBarcodeAlipay, omise.SourceAlipayPlusUPM, omise.SourcePromptPay} {
		if !s.sourceTypeRefused(name) {
			methods = append(methods, pm(name))
		}
	}
	return &capabilityJSON{
		Object:   "capability",
		Location: "/capability",
		Banks:    []string{},
		Country:  "TH",
		Limits: map[string]any{
			"charge_amount":      map[string]int64{"min": MinAmount, "max": s.o.MaxAmount},
			"transfer_amount":    map[string]int64{"min": 3000, "max": 100000000000},
			"installment_amount": map[string]int64{"min": 200000},
		},
		PaymentMethods:      methods,
		TokenizationMethods: []string{},
	}, nil
}
