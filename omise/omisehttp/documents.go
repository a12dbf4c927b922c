package omisehttp

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"instore/omise"
)

// maxDocumentBytes bounds a downloaded document (a QR image is a few KB).
const maxDocumentBytes = 1 << 20

// documentTypes are the image types a QR document may have; anything else
// is refused rather than passed on to a browser.
var documentTypes = map[string]bool{"image/svg+xml": true, "image/png": true}

// DownloadDocument fetches a charge document's file (a PromptPay QR) from
// its download_uri with the secret key. The URI must lie under the client's
// base URL: the key is never sent anywhere else, whatever a response says.
// It returns the bytes and their media type.
func (c *Client) DownloadDocument(ctx context.Context, downloadURI string) ([]byte, string, error) {
	const endpoint = "GET /charges/:id/documents/:docu/downloads/:token"
	if !strings.HasPrefix(downloadURI, c.base+"/") || strings.ContainsAny(downloadURI[len(c.base):], "?#") ||
		strings.Contains(downloadURI, "/../") {
		return nil, "", errors.New("omise: document download URI is not under the API base URL")
	}
	start := time.Now()
	result := "network"
	if c.observe != nil {
		defer func() { c.observe(endpoint, result, time.Since(start)) }()
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, downloadURI, nil)
	if err != nil {
		return nil, "", errors.New("omise: " + endpoint + ": cannot build request")
	}
	req.SetBasicAuth(c.secretKey, "")
	req.Header.Set("Omise-Version", c.version)
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, "", &omise.CallError{Endpoint: endpoint, Sent: true, Timeout: isTimeout(ctx, err), Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentBytes+1))
	if resp.StatusCode != http.StatusOK {
		result = statusResult(resp.StatusCode)
		return nil, "", decodeError(resp.StatusCode, body)
	}
	if err != nil {
		return nil, "", &omise.CallError{Endpoint: endpoint, Sent: true, Timeout: isTimeout(ctx, err), Err: err}
	}
	if len(body) > maxDocumentBytes {
		return nil, "", &omise.CallError{Endpoint: endpoint, Sent: true, Err: errors.New("document exceeds 1 MiB")}
	}
	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || !documentTypes[mt] {
		return nil, "", &omise.CallError{Endpoint: endpoint, Sent: true, Err: errors.New("document is not a QR image")}
	}
	result = "ok"
	return body, mt, nil
}
