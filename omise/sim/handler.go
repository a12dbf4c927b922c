package sim

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"instore/omise"
)

// route identifies an endpoint; its name is the key of Stats.Requests.
type route int

const (
	rOther route = iota
	rSourceCreate
	rSourceGet
	rChargeCreate
	rChargeList
	rChargeGet
	rChargeUpdate
	rChargeExpire
	rChargeReverse
	rChargeCapture
	rRefundCreate
	rChargeRefunds
	rChargeRefund
	rChargeEvents
	rMarkPaid
	rMarkFailed
	rRefundList
	rEventList
	rEventGet
	rCapability
	rDocumentGet
	rDocumentDownload
	nRoutes
)

var routeNames = [nRoutes]string{
	rOther:            "other",
	rSourceCreate:     "POST /sources",
	rSourceGet:        "GET /sources/{id}",
	rChargeCreate:     "POST /charges",
	rChargeList:       "GET /charges",
	rChargeGet:        "GET /charges/{id}",
	rChargeUpdate:     "PATCH /charges/{id}",
	rChargeExpire:     "POST /charges/{id}/expire",
	rChargeReverse:    "POST /charges/{id}/reverse",
	rChargeCapture:    "POST /charges/{id}/capture",
	rRefundCreate:     "POST /charges/{id}/refunds",
	rChargeRefunds:    "GET /charges/{id}/refunds",
	rChargeRefund:     "GET /charges/{id}/refunds/{rid}",
	rChargeEvents:     "GET /charges/{id}/events",
	rMarkPaid:         "POST /charges/{id}/mark_as_paid",
	rMarkFailed:       "POST /charges/{id}/mark_as_failed",
	rRefundList:       "GET /refunds",
	rEventList:        "GET /events",
	rEventGet:         "GET /events/{id}",
	rCapability:       "GET /capability",
	rDocumentGet:      "GET /charges/{id}/documents/{docu}",
	rDocumentDownload: "GET /charges/{id}/documents/{docu}/downloads/{token}",
}

// isControl reports whether rt is a simulator control (the dashboard's
// buttons); faults never apply to those.
func (rt route) isControl() bool { return rt == rMarkPaid || rt == rMarkFailed }

// publicOK reports whether the public key is accepted on rt. Omise documents
// the public key for sources and capability; the secret key is accepted there
// too (UNCONFIRMED for POST /sources, ours).
func (rt route) publicOK() bool { return rt == rSourceCreate || rt == rSourceGet || rt == rCapability }

// match maps a method and path to a route and its ids (token: a
// document download's last segment).
func match(method, path string) (rt route, id, sub, token string) {
	path = strings.Trim(path, "/")
	var seg [6]string
	n := 0
	for path != "" && n < len(seg) {
		i := strings.IndexByte(path, '/')
		if i < 0 {
			seg[n], path = path, ""
		} else {
			seg[n], path = path[:i], path[i+1:]
		}
		n++
	}
	if path != "" || n == 0 {
		return rOther, "", "", ""
	}
	if method == http.MethodPut {
		method = http.MethodPatch
	}
	get, post := method == http.MethodGet, method == http.MethodPost
	switch seg[0] {
	case "sources":
		switch {
		case n == 1 && post:
			return rSourceCreate, "", "", ""
		case n == 2 && get:
			return rSourceGet, seg[1], "", ""
		}
	case "charges":
		switch {
		case n == 1 && post:
			return rChargeCreate, "", "", ""
		case n == 1 && get:
			return rChargeList, "", "", ""
		case n == 2 && get:
			return rChargeGet, seg[1], "", ""
		case n == 2 && method == http.MethodPatch:
			return rChargeUpdate, seg[1], "", ""
		case n == 3 && post:
			switch seg[2] {
			case "expire":
				return rChargeExpire, seg[1], "", ""
			case "reverse":
				return rChargeReverse, seg[1], "", ""
			case "capture":
				return rChargeCapture, seg[1], "", ""
			case "refunds":
				return rRefundCreate, seg[1], "", ""
			case "mark_as_paid":
				return rMarkPaid, seg[1], "", ""
			case "mark_as_failed":
				return rMarkFailed, seg[1], "", ""
			}
		case n == 3 && get && seg[2] == "refunds":
			return rChargeRefunds, seg[1], "", ""
		case n == 3 && get && seg[2] == "events":
			return rChargeEvents, seg[1], "", ""
		case n == 4 && get && seg[2] == "refunds":
			return rChargeRefund, seg[1], seg[3], ""
		case n == 4 && get && seg[2] == "documents":
			return rDocumentGet, seg[1], seg[3], ""
		case n == 6 && get && seg[2] == "documents" && seg[4] == "downloads":
			return rDocumentDownload, seg[1], seg[3], seg[5]
		}
	case "refunds":
		if n == 1 && get {
			return rRefundList, "", "", ""
		}
	case "events":
		switch {
		case n == 1 && get:
			return rEventList, "", "", ""
		case n == 2 && get:
			return rEventGet, seg[1], "", ""
		}
	case "capability":
		if n == 1 && get {
			return rCapability, "", "", ""
		}
	}
	return rOther, "", "", ""
}

// request is what a handler needs.
type request struct {
	id, sub string
	token   string // a document download's token
	base    string // the API's base URL as the client called it
	p       params
	version string
	now     time.Time // serialisation time
}

type handlerFunc func(s *Sim, q *request) (any, *Error)

var handlers = [nRoutes]handlerFunc{
	rSourceCreate:     (*Sim).createSource,
	rSourceGet:        (*Sim).getSource,
	rChargeCreate:     (*Sim).createCharge,
	rChargeList:       (*Sim).listCharges,
	rChargeGet:        (*Sim).getCharge,
	rChargeUpdate:     (*Sim).updateCharge,
	rChargeExpire:     (*Sim).expireCharge,
	rChargeReverse:    (*Sim).reverseCharge,
	rChargeCapture:    (*Sim).captureCharge,
	rRefundCreate:     (*Sim).createRefund,
	rChargeRefunds:    (*Sim).listChargeRefunds,
	rChargeRefund:     (*Sim).getRefund,
	rChargeEvents:     (*Sim).listChargeEvents,
	rMarkPaid:         (*Sim).markPaidHTTP,
	rMarkFailed:       (*Sim).markFailedHTTP,
	rRefundList:       (*Sim).listRefunds,
	rEventList:        (*Sim).listEvents,
	rEventGet:         (*Sim).getEvent,
	rCapability:       (*Sim).capability,
	rDocumentGet:      (*Sim).getDocument,
	rDocumentDownload: (*Sim).downloadDocument,
}

// supportedVersions are the Omise-Version values the simulator serves; the
// barcode source needs at least 2017-11-02.
var supportedVersions = map[string]bool{"2017-11-02": true, Version2019: true}

// shape is the serialisation a version gets: itself, or with
// Options.Recorded2017 the recorded 2017 shape for 2017-11-02. The header
// echoed is still the version asked for.
func (s *Sim) shape(version string) string {
	if s.o.Recorded2017 && version == omise.Version2017 {
		return shapeRecorded2017
	}
	return version
}

// ServeHTTP answers an Omise API request. Paths are Omise's (/charges, …);
// mount the simulator under a prefix with http.StripPrefix.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt, id, sub, token := match(r.Method, r.URL.Path)
	s.stats.req[rt].Add(1)
	if s.log.Enabled(r.Context(), slog.LevelDebug) {
		s.log.Debug("request", "route", routeNames[rt], "user_agent", r.UserAgent())
	}

	hangAfterCommit := false
	if !rt.isControl() && s.anyFaults.Load() {
		var e *Error
		e, hangAfterCommit = s.applyFaults(r, rt)
		if e != nil {
			s.writeError(w, e)
			return
		}
		if r.Context().Err() != nil {
			return // the client gave up during injected latency
		}
	}

	if !s.authorized(r, rt) {
		s.writeError(w, errAuth)
		return
	}
	if rt == rOther {
		s.writeError(w, errUnknownPath)
		return
	}
	version := r.Header.Get("Omise-Version")
	if version == "" {
		version = s.o.AccountVersion
	} else if !supportedVersions[version] {
		s.writeError(w, newErr(http.StatusBadRequest, "bad_request", "version is not supported"))
		return
	}
	p, e := parseParams(r)
	if e != nil {
		s.writeError(w, e)
		return
	}
	s.expireDue() // cheap when nothing is due; keeps reads exact between ticks
	q := &request{id: id, sub: sub, token: token, p: p, version: s.shape(version), now: s.stamp(), base: apiBase(r)}
	body, e := handlers[rt](s, q)
	if e != nil {
		s.writeError(w, e)
		return
	}
	if hangAfterCommit && s.takeTimeoutFault() {
		// The charge exists; the client never learns it (ambiguous outcome).
		select {
		case <-r.Context().Done():
		case <-s.ctx.Done():
		}
		return
	}
	if raw, ok := body.(rawBody); ok {
		s.writeRaw(w, raw)
		return
	}
	s.writeJSON(w, http.StatusOK, version, body)
}

// apiBase is the base URL the client called the API at: scheme, host and
// whatever prefix the simulator is mounted under (http.StripPrefix keeps
// the full path in RequestURI).
func apiBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	full := r.RequestURI
	if i := strings.IndexByte(full, '?'); i >= 0 {
		full = full[:i]
	}
	prefix := strings.TrimSuffix(full, r.URL.Path)
	if prefix == full {
		prefix = ""
	}
	return scheme + "://" + r.Host + strings.TrimSuffix(prefix, "/")
}

// authorized checks HTTP Basic auth: the key is the user name, the password
// is empty.
func (s *Sim) authorized(r *http.Request, rt route) bool {
	key, _, ok := r.BasicAuth()
	if !ok {
		return false
	}
	if subtle.ConstantTimeCompare([]byte(key), []byte(s.o.SecretKey)) == 1 {
		return true
	}
	return rt.publicOK() && subtle.ConstantTimeCompare([]byte(key), []byte(s.o.PublicKey)) == 1
}

func setCommonHeaders(h http.Header) {
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-cache, no-store")
	h.Set("X-Request-Id", requestID())
}

// writeJSON writes a success; Omise echoes the version used on success only.
// The body is encoded into a pooled buffer (json.Marshal's bytes and a
// newline, as before) and sent with its length: a charge is larger than
// net/http's buffer, and was otherwise copied twice more and sent chunked.
func (s *Sim) writeJSON(w http.ResponseWriter, status int, version string, v any) {
	buf := bodyBuffers.Get().(*bytes.Buffer)
	defer putBodyBuffer(buf)
	buf.Reset()
	if j, ok := v.(*chargeJSON); ok {
		buf.Write(append(j.appendJSON(buf.AvailableBuffer()), '\n'))
	} else if err := json.NewEncoder(buf).Encode(v); err != nil {
		s.log.Error("encoding response", "err", err)
		s.writeError(w, errInternal)
		return
	}
	h := w.Header()
	setCommonHeaders(h)
	h.Set("Omise-Version", version)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// bodyBuffers holds response buffers between requests; one that grew past
// maxPooledBody (a long list) is left to the collector.
var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledBody = 64 << 10

func putBodyBuffer(b *bytes.Buffer) {
	if b.Cap() <= maxPooledBody {
		bodyBuffers.Put(b)
	}
}

type errorJSON struct {
	Object   string `json:"object"`
	Location string `json:"location"`
	Code     string `json:"code"`
	Message  string `json:"message"`
}

// writeError writes Omise's error shape (no Omise-Version header, as recorded).
func (s *Sim) writeError(w http.ResponseWriter, e *Error) {
	b, _ := json.Marshal(errorJSON{Object: "error", Location: e.Location(), Code: e.Code, Message: e.Message})
	setCommonHeaders(w.Header())
	w.WriteHeader(e.Status)
	_, _ = w.Write(append(b, '\n'))
}

// requestID makes a random UUIDv4-shaped id like Omise's X-Request-Id.
func requestID() string {
	const hexd = "0123456789abcdef"
	a, b := rand.Uint64(), rand.Uint64()
	var raw [16]byte
	for i := 0; i < 8; i++ {
		raw[i] = byte(a >> (8 * i))
		raw[8+i] = byte(b >> (8 * i))
	}
	raw[6] = raw[6]&0x0f | 0x40
	raw[8] = raw[8]&0x3f | 0x80
	var out [36]byte
	j := 0
	for i, c := range raw {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		out[j], out[j+1] = hexd[c>>4], hexd[c&0x0f]
		j += 2
	}
	return string(out[:])
}
