package payments

import (
	"fmt"

	"instore/db"
	"instore/money"
	"instore/omise"
)

// Message is what a person at the till reads, in Thai and English, with a
// stable code for programs and tests.
type Message struct {
	Code string `json:"code"`
	TH   string `json:"th"`
	EN   string `json:"en"`
}

// Input messages: what is wrong with the sale form and what to do.
var (
	msgBarcodeEmpty = Message{"barcode_empty",
		"กรุณาสแกนรหัสชำระเงินของลูกค้า",
		"Scan the customer's payment code."}
	msgBarcodeNotDigits = Message{"barcode_not_digits",
		"รหัสชำระเงินต้องเป็นตัวเลขเท่านั้น กรุณาสแกนใหม่",
		"The payment code must be digits only. Scan it again."}
	msgBarcodeNotAlipay = Message{"barcode_not_alipay",
		"รหัสนี้ไม่ใช่รหัสชำระเงิน Alipay (รหัส Alipay ขึ้นต้นด้วย 25–30) กรุณาสแกนใหม่",
		"This is not an Alipay payment code (they begin with 25–30). Scan again."}
	msgBarcodeReused = Message{"barcode_reused",
		"รหัสชำระเงินนี้ถูกใช้ไปแล้ว กรุณาให้ลูกค้าแสดงรหัสใหม่",
		"This payment code was already used. Ask the customer to show a new code."}
	msgAmountEmpty = Message{"amount_empty",
		"กรุณาใส่จำนวนเงิน",
		"Enter the amount."}
	msgAmountFormat = Message{"amount_format",
		"กรุณาใส่จำนวนเงินเป็นบาท เช่น 1250 หรือ 1,250.50 ใช้จุดคั่นสตางค์ และใช้จุลภาคคั่นหลักพันเท่านั้น",
		"Enter the amount in baht, for example 1250 or 1,250.50: a point before the satang, a comma only between thousands."}
	msgAmountUnconfirmed = Message{CodeAmountUnconfirmed,
		"จำนวนเงินเปลี่ยนไประหว่างที่พิมพ์หรือสแกน กรุณาพิมพ์จำนวนเงินอีกครั้งแล้วกด Enter",
		"The amount changed while it was being typed or scanned. Type the amount again and press Enter."}
	msgAmountRange = Message{"amount_range",
		"จำนวนเงินต้องอยู่ระหว่าง " + money.FormatTHB(money.MinCharge) + " ถึง " + money.FormatTHB(money.MaxCharge),
		"The amount must be from " + money.FormatTHB(money.MinCharge) + " to " + money.FormatTHB(money.MaxCharge) + "."}
	msgAttemptInvalid = Message{"attempt_invalid",
		"แบบฟอร์มนี้ใช้ไม่ได้แล้ว กรุณาโหลดหน้าใหม่แล้วสแกนอีกครั้ง",
		"This sale form is out of date. Reload the page and scan again."}
	msgTerminalUnknown = Message{"terminal_unknown",
		"กรุณาเลือกเครื่องรับชำระของร้านคุณ",
		"Choose one of your store's terminals."}
	msgTerminalBusy = Message{"terminal_busy",
		"เครื่องนี้ยังรอการชำระเงินรายการก่อนอยู่ กรุณารอให้เสร็จหรือยกเลิกรายการนั้นก่อน",
		"This terminal is still waiting for another payment. Let it finish or cancel it first."}
	msgAttemptConflict = Message{"attempt_conflict",
		"รายการนี้เป็นของร้านหรือเครื่องอื่น กรุณาโหลดหน้าใหม่",
		"This sale belongs to another store or terminal. Reload the page."}
)

// CodeAmountUnconfirmed is the amount field's refusal when the amount sent
// is not the amount the cashier confirmed (CheckoutRequest.AmountConfirmed).
const CodeAmountUnconfirmed = "amount_unconfirmed"

func msgBarcodeLength(minLen, maxLen, got int) Message {
	return Message{"barcode_length",
		fmt.Sprintf("รหัสชำระเงินต้องมี %d ถึง %d หลัก (สแกนได้ %d หลัก) กรุณาสแกนใหม่", minLen, maxLen, got),
		fmt.Sprintf("The payment code must be %d to %d digits (got %d). Scan it again.", minLen, maxLen, got)}
}

// Error codes the till records on attempts that never got a charge.
const (
	// CodeNoCharge: the outcome was unknown and Omise turned out to have no
	// charge for the attempt.
	CodeNoCharge = "no_charge"
	// CodeSourceFailed: the source could not be created, so no charge exists.
	CodeSourceFailed = "source_failed"
	// CodeOmiseRefused: Omise answered POST /charges with a 4xx.
	CodeOmiseRefused = "omise_refused"
	// CodeOmiseConfig: Omise refused our keys; a person must fix settings.
	CodeOmiseConfig = "omise_config"
	// CodeReversed: the charge was reversed (not expected for barcode charges).
	CodeReversed = "reversed"
	// CodeMethodNotEnabled: Omise does not accept the store's source type
	// ("type is currently not supported"): the payment method is not
	// enabled on the merchant's Omise account. A new code does not help;
	// the manager must have it enabled or change the store's payment type.
	CodeMethodNotEnabled = "method_not_enabled"
)

// outcomeMessages explain each way a sale can end, with the next step.
var outcomeMessages = map[string]Message{
	"creating": {"creating",
		"กำลังส่งรายการไปยัง Omise…",
		"Sending the payment to Omise…"},
	"pending": {"pending",
		"รอลูกค้ายืนยันการชำระเงินในแอป Alipay",
		"Waiting for the customer to confirm in Alipay."},
	"unknown": {"unknown",
		"กำลังตรวจสอบกับ Omise… กรุณาอย่าสแกนซ้ำ",
		"Checking with Omise… Do not scan again."},
	"successful": {"successful",
		"ชำระเงินสำเร็จ",
		"Paid."},
	"expired": {"expired",
		"รายการถูกยกเลิกหรือหมดเวลา ไม่มีการตัดเงิน หากจะชำระใหม่ กรุณาให้ลูกค้าแสดงรหัสใหม่",
		"The payment was cancelled or timed out; nothing was charged. To try again, ask the customer for a new code."},
	omise.FailureTimeout: {omise.FailureTimeout,
		"ลูกค้าไม่ได้ยืนยันภายในเวลาที่กำหนด ไม่มีการตัดเงิน กรุณาขอรหัสใหม่",
		"The customer did not confirm in time; nothing was charged. Ask for a new code."},
	omise.FailureInsufficientBalance: {omise.FailureInsufficientBalance,
		"ยอดเงินในกระเป๋าของลูกค้าไม่พอ กรุณาให้ลูกค้าเติมเงินหรือชำระด้วยวิธีอื่น",
		"The customer's wallet balance is too low. Ask them to top up or pay another way."},
	omise.FailurePaymentCancelled: {omise.FailurePaymentCancelled,
		"ลูกค้ายกเลิกการชำระเงินในแอป หากยังต้องการชำระ กรุณาขอรหัสใหม่",
		"The customer cancelled the payment in the app. If they still want to pay, ask for a new code."},
	omise.FailurePaymentRejected: {omise.FailurePaymentRejected,
		"กระเป๋าเงินปฏิเสธการชำระเงิน กรุณาให้ลูกค้าชำระด้วยวิธีอื่น หรือติดต่อผู้ให้บริการกระเป๋าเงิน",
		"The wallet rejected the payment. Ask the customer to pay another way or contact their wallet."},
	omise.FailureFailedProcessing: {omise.FailureFailedProcessing,
		"ระบบไม่สามารถดำเนินการชำระเงินได้ ไม่มีการตัดเงิน กรุณาขอรหัสใหม่แล้วลองอีกครั้ง",
		"The payment could not be processed; nothing was charged. Ask for a new code and try again."},
	omise.FailureInvalidBarcode: {omise.FailureInvalidBarcode,
		"รหัสชำระเงินไม่ถูกต้องหรือหมดอายุ กรุณาให้ลูกค้าแสดงรหัสใหม่",
		"The payment code is not valid or has expired. Ask the customer to show a new code."},
	CodeNoCharge: {CodeNoCharge,
		"Omise ไม่ได้สร้างรายการนี้ ไม่มีการตัดเงิน กรุณาให้ลูกค้าแสดงรหัสใหม่",
		"Omise has no payment for this sale; nothing was charged. Ask the customer to show a new code."},
	CodeSourceFailed: {CodeSourceFailed,
		"ส่งรหัสไปยัง Omise ไม่สำเร็จ ไม่มีการตัดเงิน กรุณาให้ลูกค้าแสดงรหัสใหม่แล้วลองอีกครั้ง",
		"The code could not be sent to Omise; nothing was charged. Ask the customer to show a new code and try again."},
	CodeOmiseRefused: {CodeOmiseRefused,
		"Omise ปฏิเสธรายการ ไม่มีการตัดเงิน กรุณาให้ลูกค้าแสดงรหัสใหม่ หรือชำระด้วยวิธีอื่น",
		"Omise refused the payment; nothing was charged. Ask the customer for a new code or another way to pay."},
	CodeOmiseConfig: {CodeOmiseConfig,
		"การตั้งค่า Omise ของเครื่องไม่ถูกต้อง ไม่มีการตัดเงิน กรุณาแจ้งผู้จัดการ",
		"The till's Omise settings are wrong; nothing was charged. Call a manager."},
	CodeMethodNotEnabled: {CodeMethodNotEnabled,
		"วิธีชำระเงินของร้านนี้ยังไม่ได้เปิดใช้งานที่ Omise ไม่มีการตัดเงิน ไม่ต้องขอรหัสใหม่ กรุณาแจ้งผู้จัดการ",
		"This store's payment method is not enabled at Omise; nothing was charged. A new code will not help: call the manager."},
	CodeReversed: {CodeReversed,
		"รายการถูกยกเลิกโดย Omise ไม่มีการตัดเงิน",
		"Omise reversed the payment; nothing was charged."},
}

var msgFailedOther = Message{"failed",
	"การชำระเงินไม่สำเร็จ ไม่มีการตัดเงิน กรุณาขอรหัสใหม่หรือให้ลูกค้าชำระด้วยวิธีอื่น",
	"The payment failed; nothing was charged. Ask for a new code or another way to pay."}

// OutcomeMessage explains an attempt's state and what the cashier does
// next. For failed and rejected attempts the failure code decides.
func OutcomeMessage(a *db.Attempt) Message {
	switch a.Status {
	case db.AttemptFailed, db.AttemptRejected:
		if m, ok := outcomeMessages[a.ErrorCode]; ok {
			return m
		}
		m := msgFailedOther
		if a.ErrorCode != "" {
			m.Code = a.ErrorCode
		}
		return m
	}
	if m, ok := outcomeMessages[a.Status]; ok {
		return m
	}
	return msgFailedOther
}

// FailureMessage explains an Omise failure code with the next step.
func FailureMessage(code string) Message {
	if m, ok := outcomeMessages[code]; ok {
		return m
	}
	return msgFailedOther
}
