package omisehttp_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"instore/omise"
	"instore/omise/omisehttp"
	"instore/omise/sim"
)

// emvField reads tag's value from a top-level EMVCo QR payload.
func emvField(t *testing.T, payload, tag string) string {
	t.Helper()
	for i := 0; i+4 <= len(payload); {
		var n int
		if _, err := fmt.Sscanf(payload[i+2:i+4], "%02d", &n); err != nil || i+4+n > len(payload) {
			t.Fatalf("payload %q is not tag-length-value at %d", payload, i)
		}
		if payload[i:i+2] == tag {
			return payload[i+4 : i+4+n]
		}
		i += 4 + n
	}
	return ""
}

func TestPromptPayChargeCarriesAQRDocument(t *testing.T) {
	h := newHarness(t, omisehttp.Config{})
	ctx := testCtx(t)
	src, err := h.client.CreateSource(ctx, omise.CreateSourceParams{Type: omise.SourcePromptPay, Amount: 15000, Currency: "THB"})
	if err != nil {
		t.Fatalf("CreateSource: %v", err)
	}
	if src.Type != omise.SourcePromptPay || src.Flow != "offline" || src.ScannableCode != nil {
		t.Fatalf("source %+v", src)
	}
	ch, err := h.client.CreateCharge(ctx, omise.CreateChargeParams{Amount: 15000, Currency: "THB", SourceID: src.ID})
	if err != nil {
		t.Fatalf("CreateCharge: %v", err)
	}
	sc := ch.Source.ScannableCode
	if ch.Status != omise.StatusPending || sc == nil || sc.Object != "barcode" || sc.Type != "qr" || sc.Image == nil {
		t.Fatalf("charge %+v scannable %+v", ch, sc)
	}
	doc := sc.Image
	if doc.Object != "document" || doc.Kind != "qr" || doc.Filename != "qrcode.svg" ||
		doc.Location != "/charges/"+ch.ID+"/documents/"+doc.ID || !strings.HasPrefix(doc.DownloadURI, h.baseURL+doc.Location+"/downloads/") {
		t.Fatalf("document %+v (base %s)", doc, h.baseURL)
	}
	// A re-read shows the same document.
	again, err := h.client.GetCharge(ctx, ch.ID)
	if err != nil || again.Source.ScannableCode == nil || again.Source.ScannableCode.Image.DownloadURI != doc.DownloadURI {
		t.Fatalf("re-read %+v, %v", again, err)
	}

	img, typ, err := h.client.DownloadDocument(ctx, doc.DownloadURI)
	if err != nil || typ != "image/svg+xml" || !bytes.Contains(img, []byte("<svg")) || bytes.Contains(img, []byte("<script")) {
		t.Fatalf("download: %s %q %v", typ, img[:min(len(img), 80)], err)
	}
	payload, ok := h.sim.PromptPayQR(ch.ID)
	if !ok {
		t.Fatal("the simulator recorded no QR payload")
	}
	if got := emvField(t, payload, "54"); got != "150.00" {
		t.Fatalf("QR amount %q, want 150.00 (payload %s)", got, payload)
	}
	if emvField(t, payload, "53") != "764" || emvField(t, payload, "58") != "TH" {
		t.Fatalf("QR currency/country wrong: %s", payload)
	}
	crc := payload[len(payload)-4:]
	if want := fmt.Sprintf("%04X", sim.CRC16CCITT([]byte(payload[:len(payload)-4]))); crc != want {
		t.Fatalf("QR CRC %s, want %s", crc, want)
	}

	// The key never leaves for another host, and a wrong token is not found.
	if _, _, err := h.client.DownloadDocument(ctx, "https://evil.example/x"+doc.Location); err == nil {
		t.Fatal("a download URI outside the API was fetched")
	}
	if _, _, err := h.client.DownloadDocument(ctx, doc.DownloadURI+"0"); !omise.IsNotFound(err) {
		t.Fatalf("wrong token: %v", err)
	}

	// Paid and refunded as a barcode charge (our assumption for PromptPay).
	if _, err := h.sim.MarkPaid(ch.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.CreateRefund(ctx, ch.ID, omise.CreateRefundParams{Amount: 5000}); err != nil {
		t.Fatalf("refund: %v", err)
	}
}

func TestCRC16CCITTCheckValue(t *testing.T) {
	// The standard check value of CRC-16/CCITT-FALSE.
	if got := sim.CRC16CCITT([]byte("123456789")); got != 0x29B1 {
		t.Fatalf("CRC16CCITT(123456789) = %04X, want 29B1", got)
	}
}
