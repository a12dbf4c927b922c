package sim

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"instore/omise"
)

// PromptPay in the simulator. What Omise documents: a promptpay source
// (offline flow, THB) gives a pending charge whose source.scannable_code is
// a "barcode" object of type "qr" holding a "document" (qrcode.svg) with a
// location under the charge and a download_uri; the customer pays in a
// bank app and Omise sends charge.complete. What is OUR ASSUMPTION, not
// Omise's documentation:
//   - the QR payload: a Thai QR Payment "bill payment" (EMVCo tag 30, AID
//     A000000677010112) with a made-up biller id, the charge id as
//     reference 1, the amount, and the CRC-16/CCITT checksum;
//   - the download answers the SVG to the secret key (the real one may be a
//     signed URL that needs no key);
//   - a pending PromptPay charge can be expired, a paid one refunded, with
//     the same limits and failure codes as a barcode charge.

// simBillerID is the simulator's PromptPay biller id (tax id + suffix).
const simBillerID = "010556100000099"

// document is a file Omise keeps for a charge (the PromptPay QR). It never
// changes after creation.
type document struct {
	id, token string
	chargeID  string
	created   time.Time
	uri       string // absolute download URI
	payload   string // what the QR says
	svg       []byte
}

func (d *document) location() string {
	return "/charges/" + d.chargeID + "/documents/" + d.id
}

type documentJSON struct {
	Object      string `json:"object"`
	Livemode    bool   `json:"livemode"`
	ID          string `json:"id"`
	Deleted     bool   `json:"deleted"`
	Filename    string `json:"filename"`
	Location    string `json:"location"`
	Kind        string `json:"kind"`
	DownloadURI string `json:"download_uri"`
	CreatedAt   string `json:"created_at"`
}

type scannableJSON struct {
	Object string        `json:"object"`
	Type   string        `json:"type"`
	Image  *documentJSON `json:"image"`
}

func renderDocument(d *document) *documentJSON {
	return &documentJSON{Object: "document", ID: d.id, Filename: "qrcode.svg", Location: d.location(),
		Kind: "qr", DownloadURI: d.uri, CreatedAt: ts(d.created)}
}

func renderScannable(d *document) *scannableJSON {
	if d == nil {
		return nil
	}
	return &scannableJSON{Object: "barcode", Type: "qr", Image: renderDocument(d)}
}

// newPromptPayDocument makes the QR of a new PromptPay charge; base is the
// API's base URL as the client called it.
func (s *Sim) newPromptPayDocument(chargeID string, amount int64, base string, now time.Time) (*document, error) {
	var tok [16]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return nil, err
	}
	d := &document{id: s.newID("docu"), token: hex.EncodeToString(tok[:]), chargeID: chargeID, created: now}
	d.uri = base + d.location() + "/downloads/" + d.token
	d.payload = PromptPayPayload(simBillerID, strings.ToUpper(strings.TrimPrefix(chargeID, "chrg_test_")), amount)
	svg, err := qrSVG(d.payload)
	if err != nil {
		return nil, err
	}
	d.svg = svg
	return d, nil
}

// PromptPayPayload builds a Thai QR Payment bill-payment string (EMVCo
// merchant-presented mode): tag-length-value fields and a CRC-16/CCITT over
// everything up to and including the CRC's own tag and length.
func PromptPayPayload(billerID, ref1 string, amount int64) string {
	tlv := func(tag, v string) string { return tag + fmt.Sprintf("%02d", len(v)) + v }
	if len(ref1) > 20 {
		ref1 = ref1[len(ref1)-20:]
	}
	merchant := tlv("00", "A000000677010112") + tlv("01", billerID) + tlv("02", ref1)
	baht := strconv.FormatInt(amount/100, 10) + "." + fmt.Sprintf("%02d", amount%100)
	p := tlv("00", "01") + tlv("01", "12") + tlv("30", merchant) + tlv("53", "764") + tlv("54", baht) +
		tlv("58", "TH") + "6304"
	return p + fmt.Sprintf("%04X", CRC16CCITT([]byte(p)))
}

// CRC16CCITT is CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF),
// the checksum EMVCo QR codes end with.
func CRC16CCITT(b []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, c := range b {
		crc ^= uint16(c) << 8
		for i := 0; i < 8; i++ {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// qrSVG draws payload as an SVG QR code: one path of unit squares, with
// the quiet zone the encoder's bitmap includes.
func qrSVG(payload string) ([]byte, error) {
	q, err := qrcode.New(payload, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	bm := q.Bitmap()
	n := len(bm)
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`+
		`<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n, n, n)
	for y, row := range bm {
		for x, dark := range row {
			if dark {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x, y)
			}
		}
	}
	b.WriteString(`"/></svg>` + "\n")
	return b.Bytes(), nil
}

// rawBody is a non-JSON answer (a document's file).
type rawBody struct {
	contentType string
	data        []byte
}

func (s *Sim) chargeDocument(q *request) (*document, *Error) {
	s.mu.RLock()
	c := s.charges[q.id]
	var d *document
	if c != nil && c.src != nil {
		d = c.src.doc
	}
	s.mu.RUnlock()
	if c == nil {
		return nil, errNotFound("charge", q.id)
	}
	if d == nil || d.id != q.sub {
		return nil, errNotFound("document", q.sub)
	}
	return d, nil
}

func (s *Sim) getDocument(q *request) (any, *Error) {
	d, e := s.chargeDocument(q)
	if e != nil {
		return nil, e
	}
	return renderDocument(d), nil
}

func (s *Sim) downloadDocument(q *request) (any, *Error) {
	d, e := s.chargeDocument(q)
	if e != nil {
		return nil, e
	}
	if q.token != d.token {
		return nil, errNotFound("document", q.sub)
	}
	return rawBody{contentType: "image/svg+xml", data: d.svg}, nil
}

func (s *Sim) writeRaw(w http.ResponseWriter, body rawBody) {
	h := w.Header()
	h.Set("Content-Type", body.contentType)
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("X-Request-Id", requestID())
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body.data)
}

// PromptPayQR returns what the QR of a PromptPay charge says, for tests.
func (s *Sim) PromptPayQR(chargeID string) (payload string, ok bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c := s.charges[chargeID]
	if c == nil || c.src == nil || c.src.doc == nil {
		return "", false
	}
	return c.src.doc.payload, true
}

// isPromptPay reports whether src is a PromptPay source.
func isPromptPay(src *source) bool { return src.typ == omise.SourcePromptPay }
