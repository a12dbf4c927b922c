package payments

import (
	"testing"
	"time"

	"instore/db"
	"instore/omise"
)

// TestSourceParams checks which fields each method sends to Omise: Alipay
// sends the store and terminal, Alipay+ UPM only the code, and a method
// that scans nothing never sends a code.
func TestSourceParams(t *testing.T) {
	t.Parallel()
	send := func(m *Method) omise.CreateSourceParams {
		return m.sourceParams(2000, "THB", "281234567890123456", "S1", "Main", "T1")
	}
	if p := send(&methodBarcodeAlipay); p.Type != omise.SourceBarcodeAlipay || p.Barcode == "" || p.StoreID != "S1" ||
		p.StoreName != "Main" || p.TerminalID != "T1" {
		t.Fatalf("barcode_alipay: %+v", p)
	}
	if p := send(&methodAlipayPlusUPM); p.Type != omise.SourceAlipayPlusUPM || p.Barcode == "" || p.StoreID != "" ||
		p.StoreName != "" || p.TerminalID != "" {
		t.Fatalf("alipayplus_upm: %+v", p)
	}
	qr := Method{ID: "qr_test", SourceType: "qr_test", Capture: CaptureQR}
	if p := send(&qr); p.Barcode != "" || p.Amount != 2000 {
		t.Fatalf("qr: %+v", p)
	}
}

// TestTillDeadlinePerMethod checks that a method's own till timeout
// decides its sale's deadline, and INSTORE_TILL_TIMEOUT the others'.
func TestTillDeadlinePerMethod(t *testing.T) {
	t.Parallel()
	s := &Service{TillTimeout: 90 * time.Second}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := &db.Attempt{SourceType: omise.SourceBarcodeAlipay, CreatedAt: at}
	if got := s.TillDeadline(a); !got.Equal(at.Add(90 * time.Second)) {
		t.Fatalf("alipay deadline %v", got)
	}
	saved := methods
	defer func() { methods = saved }()
	slow := Method{ID: "slow", SourceType: "slow", Capture: CaptureQR, TillTimeout: 180 * time.Second}
	methods = append(append([]*Method(nil), saved...), &slow)
	if got := s.TillDeadline(&db.Attempt{SourceType: "slow", CreatedAt: at}); !got.Equal(at.Add(180 * time.Second)) {
		t.Fatalf("slow deadline %v", got)
	}
	if s.shortestTimeout() != 90*time.Second {
		t.Fatal("shortest timeout")
	}
}
