package payments

import (
	"context"
	"errors"
	"sync"

	"instore/db"
	"instore/omise"
)

// ErrNoQR means the charge shows no QR (not a QR method, or Omise gave
// none).
var ErrNoQR = errors.New("payments: the charge has no QR")

// documentDownloader is the part of the Omise client that fetches a
// charge's documents with the secret key.
type documentDownloader interface {
	DownloadDocument(ctx context.Context, downloadURI string) ([]byte, string, error)
}

// qrImage is a charge's QR as Omise served it.
type qrImage struct {
	data      []byte
	mediaType string
}

// qrCache keeps the QR of charges still waiting for the customer: the till
// and the customer display both show it and poll, and the image never
// changes for the life of a charge. Bounded: the oldest entries go first.
type qrCache struct {
	mu    sync.Mutex
	byID  map[string]qrImage
	order []string
}

const qrCacheSize = 256

func (c *qrCache) get(id string) (qrImage, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	img, ok := c.byID[id]
	return img, ok
}

func (c *qrCache) put(id string, img qrImage) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID == nil {
		c.byID = map[string]qrImage{}
	}
	if _, ok := c.byID[id]; !ok {
		c.order = append(c.order, id)
	}
	c.byID[id] = img
	for len(c.order) > qrCacheSize {
		delete(c.byID, c.order[0])
		c.order = c.order[1:]
	}
}

// ChargeQR returns the QR image the customer scans to pay chargeID, and its
// media type. The image comes from Omise with the secret key, through the
// server, never by sending a browser to Omise; it is read once per charge.
func (s *Service) ChargeQR(ctx context.Context, chargeID string) ([]byte, string, error) {
	if img, ok := s.qr.get(chargeID); ok {
		return img.data, img.mediaType, nil
	}
	dl, ok := s.Omise.(documentDownloader)
	if !ok {
		return nil, "", ErrNoQR
	}
	oc, err := s.Omise.GetCharge(ctx, chargeID)
	if err != nil {
		return nil, "", err
	}
	if !PaidByQR(sourceTypeOf(oc)) || oc.Source.ScannableCode == nil || oc.Source.ScannableCode.Image == nil ||
		oc.Source.ScannableCode.Image.DownloadURI == "" {
		return nil, "", ErrNoQR
	}
	data, mediaType, err := dl.DownloadDocument(ctx, oc.Source.ScannableCode.Image.DownloadURI)
	if err != nil {
		return nil, "", err
	}
	s.qr.put(chargeID, qrImage{data: data, mediaType: mediaType})
	return data, mediaType, nil
}

func sourceTypeOf(oc *omise.Charge) string {
	if oc.Source == nil {
		return ""
	}
	return oc.Source.Type
}

// MethodOfAttempt is the method a till sale was made with.
func MethodOfAttempt(a *db.Attempt) (*Method, bool) {
	return MethodBySourceType(a.SourceType)
}

// PaidByQR reports whether charges of sourceType are paid by the customer
// scanning a QR we show, so no code of theirs is scanned.
func PaidByQR(sourceType string) bool {
	m, ok := MethodBySourceType(sourceType)
	return ok && m.Capture == CaptureQR
}

// ShowsQR reports whether a sale shows its customer a QR now: a QR method's
// sale whose charge exists and still waits for the customer.
func ShowsQR(a *db.Attempt) bool {
	return PaidByQR(a.SourceType) && a.Status == db.AttemptPending && a.ChargeID != ""
}
