package sim

import (
	"encoding/json"
	"strconv"
)

// appendJSON appends what json.Marshal makes of j. A GET of a charge (each
// webhook's re-read) was mostly encoding/json walking chargeJSON's and
// sourceJSON's hundred-odd fields by reflection; these write them field by
// field in the structs' order, and a value that is not a plain string, a
// number, a bool, null or an empty list is still handed to json.Marshal.
// render_json_test.go holds renderings in every state to json.Marshal's
// bytes, so a field added to a struct and not here fails it.
func (j *chargeJSON) appendJSON(b []byte) []byte {
	b = append(b, `{"object":`...)
	b = appendString(b, j.Object)
	b = append(b, `,"id":`...)
	b = appendString(b, j.ID)
	b = append(b, `,"location":`...)
	b = appendString(b, j.Location)
	b = append(b, `,"amount":`...)
	b = strconv.AppendInt(b, j.Amount, 10)
	b = append(b, `,"acquirer_reference_number":`...)
	b = appendAny(b, j.AcquirerReferenceNumber)
	b = append(b, `,"net":`...)
	b = strconv.AppendInt(b, j.Net, 10)
	b = append(b, `,"fee":`...)
	b = strconv.AppendInt(b, j.Fee, 10)
	b = append(b, `,"fee_vat":`...)
	b = strconv.AppendInt(b, j.FeeVat, 10)
	b = append(b, `,"interest":`...)
	b = strconv.AppendInt(b, j.Interest, 10)
	b = append(b, `,"interest_vat":`...)
	b = strconv.AppendInt(b, j.InterestVat, 10)
	b = append(b, `,"funding_amount":`...)
	b = strconv.AppendInt(b, j.FundingAmount, 10)
	b = append(b, `,"refunded_amount":`...)
	b = strconv.AppendInt(b, j.RefundedAmount, 10)
	b = append(b, `,"authorized_amount":`...)
	b = strconv.AppendInt(b, j.AuthorizedAmount, 10)
	b = append(b, `,"captured_amount":`...)
	b = strconv.AppendInt(b, j.CapturedAmount, 10)
	b = append(b, `,"transaction_fees":`...)
	b = j.TransactionFees.appendJSON(b)
	b = append(b, `,"platform_fee":`...)
	b = j.PlatformFee.appendJSON(b)
	b = append(b, `,"currency":`...)
	b = appendString(b, j.Currency)
	b = append(b, `,"funding_currency":`...)
	b = appendString(b, j.FundingCurrency)
	b = append(b, `,"ip":`...)
	b = appendStringPtr(b, j.IP)
	b = append(b, `,"refunds":`...)
	b = j.Refunds.appendJSON(b)
	b = append(b, `,"link":`...)
	b = appendAny(b, j.Link)
	b = append(b, `,"description":`...)
	b = appendStringPtr(b, j.Description)
	b = append(b, `,"metadata":`...)
	b = appendAny(b, j.Metadata)
	b = append(b, `,"card":`...)
	b = appendAny(b, j.Card)
	b = append(b, `,"source":`...)
	b = j.Source.appendJSON(b)
	b = append(b, `,"schedule":`...)
	b = appendAny(b, j.Schedule)
	b = append(b, `,"linked_account":`...)
	b = appendAny(b, j.LinkedAccount)
	b = append(b, `,"customer":`...)
	b = appendAny(b, j.Customer)
	b = append(b, `,"dispute":`...)
	b = appendAny(b, j.Dispute)
	b = append(b, `,"transaction":`...)
	b = appendStringPtr(b, j.Transaction)
	b = append(b, `,"failure_code":`...)
	b = appendStringPtr(b, j.FailureCode)
	b = append(b, `,"failure_message":`...)
	b = appendStringPtr(b, j.FailureMessage)
	b = append(b, `,"merchant_advice":`...)
	b = appendAny(b, j.MerchantAdvice)
	b = append(b, `,"merchant_advice_code":`...)
	b = appendAny(b, j.MerchantAdviceCode)
	b = append(b, `,"missing_3ds_fields":`...)
	b = appendAny(b, j.Missing3DSFields)
	b = append(b, `,"authenticated_by":`...)
	b = appendAny(b, j.AuthenticatedBy)
	b = append(b, `,"status":`...)
	b = appendString(b, j.Status)
	b = append(b, `,"authorization_type":`...)
	b = appendAny(b, j.AuthorizationType)
	b = append(b, `,"authorize_uri":`...)
	b = appendAny(b, j.AuthorizeURI)
	b = append(b, `,"return_uri":`...)
	b = appendStringPtr(b, j.ReturnURI)
	b = append(b, `,"created_at":`...)
	b = appendString(b, j.CreatedAt)
	b = append(b, `,"paid_at":`...)
	b = appendStringPtr(b, j.PaidAt)
	b = append(b, `,"authorized_at":`...)
	b = appendStringPtr(b, j.AuthorizedAt)
	b = append(b, `,"expires_at":`...)
	b = appendStringPtr(b, j.ExpiresAt)
	b = append(b, `,"expired_at":`...)
	b = appendStringPtr(b, j.ExpiredAt)
	b = append(b, `,"reversed_at":`...)
	b = appendAny(b, j.ReversedAt)
	b = append(b, `,"multi_capture":`...)
	b = strconv.AppendBool(b, j.MultiCapture)
	b = append(b, `,"zero_interest_installments":`...)
	b = strconv.AppendBool(b, j.ZeroInterestInstallments)
	b = append(b, `,"branch":`...)
	b = appendAny(b, j.Branch)
	b = append(b, `,"terminal":`...)
	b = appendAny(b, j.Terminal)
	b = append(b, `,"device":`...)
	b = appendAny(b, j.Device)
	b = append(b, `,"authorized":`...)
	b = strconv.AppendBool(b, j.Authorized)
	b = append(b, `,"capturable":`...)
	b = strconv.AppendBool(b, j.Capturable)
	b = append(b, `,"capture":`...)
	b = strconv.AppendBool(b, j.Capture)
	b = append(b, `,"disputable":`...)
	b = strconv.AppendBool(b, j.Disputable)
	b = append(b, `,"livemode":`...)
	b = strconv.AppendBool(b, j.Livemode)
	b = append(b, `,"refundable":`...)
	b = strconv.AppendBool(b, j.Refundable)
	b = append(b, `,"partially_refundable":`...)
	b = strconv.AppendBool(b, j.PartiallyRefundable)
	b = append(b, `,"reversed":`...)
	b = strconv.AppendBool(b, j.Reversed)
	b = append(b, `,"reversible":`...)
	b = strconv.AppendBool(b, j.Reversible)
	b = append(b, `,"voided":`...)
	b = strconv.AppendBool(b, j.Voided)
	b = append(b, `,"paid":`...)
	b = strconv.AppendBool(b, j.Paid)
	b = append(b, `,"expired":`...)
	b = strconv.AppendBool(b, j.Expired)
	b = append(b, `,"can_perform_void":`...)
	b = strconv.AppendBool(b, j.CanPerformVoid)
	b = append(b, `,"approval_code":`...)
	b = appendAny(b, j.ApprovalCode)
	return append(b, '}')
}

func (j *sourceJSON) appendJSON(b []byte) []byte {
	if j == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"object":`...)
	b = appendString(b, j.Object)
	b = append(b, `,"id":`...)
	b = appendString(b, j.ID)
	b = append(b, `,"livemode":`...)
	b = strconv.AppendBool(b, j.Livemode)
	b = append(b, `,"location":`...)
	b = appendString(b, j.Location)
	b = append(b, `,"amount":`...)
	b = strconv.AppendInt(b, j.Amount, 10)
	b = append(b, `,"barcode":`...)
	b = appendStringPtr(b, j.Barcode)
	b = append(b, `,"bank":`...)
	b = appendAny(b, j.Bank)
	b = append(b, `,"created_at":`...)
	b = appendString(b, j.CreatedAt)
	b = append(b, `,"currency":`...)
	b = appendString(b, j.Currency)
	b = append(b, `,"email":`...)
	b = appendAny(b, j.Email)
	b = append(b, `,"flow":`...)
	b = appendString(b, j.Flow)
	b = append(b, `,"installment_term":`...)
	b = appendAny(b, j.InstallmentTerm)
	b = append(b, `,"ip":`...)
	b = appendAny(b, j.IP)
	b = append(b, `,"absorption_type":`...)
	b = appendAny(b, j.AbsorptionType)
	b = append(b, `,"name":`...)
	b = appendAny(b, j.Name)
	b = append(b, `,"mobile_number":`...)
	b = appendAny(b, j.MobileNumber)
	b = append(b, `,"phone_number":`...)
	b = appendAny(b, j.PhoneNumber)
	b = append(b, `,"platform_type":`...)
	b = appendAny(b, j.PlatformType)
	b = append(b, `,"scannable_code":`...)
	b = appendAny(b, j.ScannableCode)
	b = append(b, `,"qr_settings":`...)
	b = appendAny(b, j.QRSettings)
	b = append(b, `,"billing":`...)
	b = appendAny(b, j.Billing)
	b = append(b, `,"shipping":`...)
	b = appendAny(b, j.Shipping)
	b = append(b, `,"items":`...)
	b = appendAnySlice(b, j.Items)
	b = append(b, `,"references":`...)
	b = j.References.appendJSON(b)
	b = append(b, `,"provider_references":`...)
	b = appendAny(b, j.ProviderReferences)
	b = append(b, `,"store_id":`...)
	b = appendStringPtr(b, j.StoreID)
	b = append(b, `,"store_name":`...)
	b = appendStringPtr(b, j.StoreName)
	b = append(b, `,"terminal_id":`...)
	b = appendStringPtr(b, j.TerminalID)
	b = append(b, `,"type":`...)
	b = appendString(b, j.Type)
	b = append(b, `,"zero_interest_installments":`...)
	b = appendAny(b, j.ZeroInterestInstallments)
	b = append(b, `,"charge_status":`...)
	b = appendString(b, j.ChargeStatus)
	b = append(b, `,"receipt_amount":`...)
	b = appendAny(b, j.ReceiptAmount)
	b = append(b, `,"discounts":`...)
	b = appendAnySlice(b, j.Discounts)
	b = append(b, `,"promotion_code":`...)
	b = appendAny(b, j.PromotionCode)
	return append(b, '}')
}

func (j *references) appendJSON(b []byte) []byte {
	if j == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"expires_at":`...)
	b = appendString(b, j.ExpiresAt)
	b = append(b, `,"device_id":`...)
	b = appendAny(b, j.DeviceID)
	b = append(b, `,"customer_amount":`...)
	b = appendAny(b, j.CustomerAmount)
	b = append(b, `,"customer_currency":`...)
	b = appendAny(b, j.CustomerCurrency)
	b = append(b, `,"customer_exchange_rate":`...)
	b = appendAny(b, j.CustomerExchangeRate)
	b = append(b, `,"omise_tax_id":`...)
	b = appendAny(b, j.OmiseTaxID)
	b = append(b, `,"reference_number_1":`...)
	b = appendAny(b, j.ReferenceNumber1)
	b = append(b, `,"reference_number_2":`...)
	b = appendAny(b, j.ReferenceNumber2)
	b = append(b, `,"barcode":`...)
	b = appendAny(b, j.Barcode)
	b = append(b, `,"payment_code":`...)
	b = appendAny(b, j.PaymentCode)
	b = append(b, `,"va_code":`...)
	b = appendAny(b, j.VaCode)
	return append(b, '}')
}

func (j *listJSON) appendJSON(b []byte) []byte {
	b = append(b, `{"object":`...)
	b = appendString(b, j.Object)
	b = append(b, `,"data":`...)
	b = appendListData(b, j.Data)
	b = append(b, `,"limit":`...)
	b = strconv.AppendInt(b, int64(j.Limit), 10)
	b = append(b, `,"offset":`...)
	b = strconv.AppendInt(b, int64(j.Offset), 10)
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, int64(j.Total), 10)
	b = append(b, `,"location":`...)
	b = appendString(b, j.Location)
	b = append(b, `,"order":`...)
	b = appendStringPtr(b, j.Order)
	b = append(b, `,"from":`...)
	b = appendString(b, j.From)
	b = append(b, `,"to":`...)
	b = appendString(b, j.To)
	return append(b, '}')
}

func (j *transactionFees) appendJSON(b []byte) []byte {
	b = append(b, `{"fee_flat":`...)
	b = appendString(b, j.FeeFlat)
	b = append(b, `,"fee_rate":`...)
	b = appendString(b, j.FeeRate)
	b = append(b, `,"vat_rate":`...)
	b = appendString(b, j.VatRate)
	return append(b, '}')
}

func (j *platformFee) appendJSON(b []byte) []byte {
	b = append(b, `{"fixed":`...)
	b = appendAny(b, j.Fixed)
	b = append(b, `,"amount":`...)
	b = appendAny(b, j.Amount)
	b = append(b, `,"percentage":`...)
	b = appendAny(b, j.Percentage)
	return append(b, '}')
}

// appendString writes s as json.Marshal does: quoted, printable ASCII as
// it is; anything to escape (a quote, a backslash, <, > or &, a control
// byte, a byte outside ASCII) goes to json.Marshal.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			m, _ := json.Marshal(s)
			return append(b, m...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendStringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendString(b, *s)
}

// appendAny writes null for nil, else what json.Marshal writes.
func appendAny(b []byte, v any) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	m, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...) // not reached: the simulator's values all encode
	}
	return append(b, m...)
}

// appendAnySlice writes a list, empty as json.Marshal writes it.
func appendAnySlice(b []byte, v []any) []byte {
	switch {
	case v == nil:
		return append(b, "null"...)
	case len(v) == 0:
		return append(b, "[]"...)
	}
	return appendAny(b, v)
}

// appendListData writes a list's data, an empty list of refunds as
// json.Marshal writes it.
func appendListData(b []byte, v any) []byte {
	if rs, ok := v.([]*refundJSON); ok && rs != nil && len(rs) == 0 {
		return append(b, "[]"...)
	}
	return appendAny(b, v)
}
