package sim

// Conformance: replay the recorded Omise exchanges in ../shared/fixtures
// against the simulator and compare status, error code and message, and
// key sets (ids and times aside).

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// fixturesDir locates ../shared/fixtures from the package directory
// (the repo is /work/main, shared is beside it).
func fixturesDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "fixtures")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("recorded Omise fixtures not found at %s (CI=true requires ../shared beside the repo): %v", dir, err)
		}
		t.Skipf("recorded Omise fixtures not found at %s; clone ../shared beside the repo to run the conformance test", dir)
	}
	return dir
}

// renames are the only key renames allowed between a recording and the
// simulator (2017-11-02 names on the left).
var renames = map[string]string{"created": "created_at", "refunded": "refunded_amount"}

// difference is a deliberate key-set difference between the recordings and
// the simulator, by API version, direction and object kinds.
type difference struct {
	version string   // "2017-11-02" (omise-elixir) or "2019-05-29" (omise-php)
	dir     string   // "extra": we emit, the recording lacks; "missing": the reverse
	kinds   []string // object kinds: charge, source, refund, event, "event data charge", …
	keys    []string
	why     string
}

// Key groups of the charge used by several differences.
var (
	// In the product spec's example (2020, served under 2017-11-02), not in
	// the Nov 2017 recordings: fields Omise added without a version bump.
	specChargeKeys = []string{"fee", "fee_vat", "net", "funding_amount", "funding_currency", "interest", "interest_vat",
		"expires_at", "expired", "expired_at", "paid_at", "reversed_at", "voided", "link", "schedule", "platform_fee",
		"disputable", "capturable", "reversible", "refundable", "zero_interest_installments"}
	// In the 2019-05-29 key set of omise-api.md §3.3 (omise-php 2025 and
	// omise-node types) but in neither the 2017 recordings nor the spec example.
	modernChargeKeys = []string{"acquirer_reference_number", "approval_code", "authorization_type", "authorized_amount",
		"authorized_at", "branch", "can_perform_void", "captured_amount", "device", "linked_account", "merchant_advice",
		"merchant_advice_code", "missing_3ds_fields", "authenticated_by", "multi_capture", "partially_refundable",
		"terminal", "transaction_fees"}
)

// deliberate lists every accepted difference with its reason. Anything else
// fails the conformance tests.
var deliberate = []difference{
	{"2017-11-02", "extra", []string{"charge", "event data charge"}, specChargeKeys,
		"the simulator follows the product spec's example, which shows these under 2017-11-02; the product needs fee, net and expiry"},
	{"2017-11-02", "extra", []string{"charge", "event data charge"}, modernChargeKeys,
		"one key set for both versions (the spec's example already mixes in post-2017 fields); clients decode by name and ignore extras"},
	{"2017-11-02", "missing", []string{"charge", "event data charge"}, []string{"reference"},
		"offsite reference of redirect flows in 2017; absent from the spec's barcode example and from 2019-05-29"},
	{"2017-11-02", "extra", []string{"source"}, []string{"absorption_type", "bank", "barcode", "billing", "charge_status", "created_at",
		"discounts", "email", "installment_term", "ip", "items", "livemode", "location", "mobile_number", "name", "phone_number",
		"platform_type", "promotion_code", "provider_references", "qr_settings", "receipt_amount", "references", "scannable_code",
		"shipping", "store_id", "store_name", "terminal_id", "zero_interest_installments"},
		"the Nov 2017 create answer and embedded sources had 6 keys; by 2021 the same version served the full source (retrieve_source) and the spec's example shows it; we emit the current full set"},
	{"2017-11-02", "extra", []string{"refund"}, []string{"acquirer_reference_number", "approval_code", "capture", "funding_amount",
		"funding_currency", "livemode", "metadata", "status", "terminal"},
		"one refund shape for both versions: the 2019-05-29 one (omise-php 2025), which carries status and metadata the product uses"},
	{"2017-11-02", "extra", []string{"event"}, []string{"webhook_deliveries"},
		"events show their webhook_deliveries (2019 shape) in both versions so delivery attempts are visible"},
	{"2017-11-02", "extra", []string{"capability"}, []string{"limits", "tokenization_methods"},
		"capability in its 2019 shape (omise-php) for both versions; limits carry the barcode amount bounds"},
	{"2017-11-02", "extra", []string{"payment_method"}, []string{"banks", "provider", "loan_installment_terms"},
		"payment methods in their 2019 shape (omise-php) for both versions"},
	{"2019-05-29", "extra", []string{"charge", "event data charge"}, []string{"authenticated_by", "missing_3ds_fields"},
		"listed in omise-api.md §3.3 from omise-node's ICharge; absent from the omise-php recordings; always null here"},
	{"2019-05-29", "extra", []string{"charge"}, []string{"authorization_type", "authorized_amount", "captured_amount"},
		"omise-php's list and capture recordings have them, its single-charge recordings do not; the simulator always emits them"},
	{"2019-05-29", "extra", []string{"event data charge"}, []string{"acquirer_reference_number", "approval_code", "authorized_at",
		"can_perform_void", "linked_account", "merchant_advice", "merchant_advice_code", "multi_capture", "partially_refundable"},
		"the recorded event's data was serialised in 2019, before these keys existed; events carry the current charge shape"},
}

// skipped lists recorded exchanges not replayed, with the reason. Keys are
// omise-elixir paths, or "php:" + omise-php paths.
var skipped = map[string]string{
	"charge/capture_charge.json":                                   "card authorise-then-capture; barcode charges are auto-captured (capture answers failed_capture)",
	"charge/capture_charge_partial.json":                           "card partial capture; not applicable to barcode charges",
	"charge/create_charge_with_customer.json":                      "card charge on a saved customer; the simulator has no customers",
	"charge/create_charge_with_customer_and_card.json":             "card charge on a saved customer's card; the simulator has no customers or cards",
	"charge/create_charge_with_token.json":                         "card token charge; the simulator has no card tokens",
	"charge/create_charge_with_used_token.json":                    "card token reuse (used_token); the simulator has no card tokens",
	"charge/list_charge_schedules.json":                            "charge schedules (recurring card charges) are out of scope",
	"charge/reverse_uncaptured_charge.json":                        "needs an authorised, uncaptured card charge; barcode charges cannot be reversed",
	"charge/search_charges.json":                                   "GET /search is not simulated (optional for the product: it finds charges by listing with from/to)",
	"php:charges/chrg_test_63444wyfsg4mtvvck1z/capture-post.json":  "card capture; not applicable to barcode charges",
	"php:charges/chrg_test_63444wyfsg4mtvvck1z/reverse-post.json":  "card reverse; barcode charges answer failed_reverse",
	"php:charges/chrg_test_63444wyfsg4mtvvck1z/disputes-post.json": "disputes are out of scope",
	"php:charges/schedules-get.json":                               "charge schedules are out of scope",
}

// vcr is one ExVCR recording.
type vcr struct {
	Request struct {
		Body    string            `json:"body"`
		Headers map[string]string `json:"headers"`
		Method  string            `json:"method"`
		URL     string            `json:"url"`
	} `json:"request"`
	Response struct {
		Body       string            `json:"body"`
		Headers    map[string]string `json:"headers"`
		StatusCode int               `json:"status_code"`
	} `json:"response"`
}

// keyDiff is one difference found: "<version> <dir> <kind>.<key>".
type keyDiff struct{ version, dir, kind, key string }

func (d keyDiff) String() string { return d.version + " " + d.dir + " " + d.kind + "." + d.key }

// kindOf names an object: its "object" field, else the key holding it.
func kindOf(v map[string]any, key string) string {
	if o, ok := v["object"].(string); ok {
		return o
	}
	return key
}

func renamed(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if r, ok := renames[k]; ok {
			k = r
		}
		out[k] = v
	}
	return out
}

// compareKeys walks recorded and ours together and collects key-set
// differences. Nested objects are compared when both sides hold an object of
// the same kind (a recorded card or dispute against our null is not a key
// difference: the simulator has no cards).
func compareKeys(version, kind string, rec, ours map[string]any, out *[]keyDiff) {
	rec, ours = renamed(rec), renamed(ours)
	for k := range rec {
		if _, ok := ours[k]; !ok {
			*out = append(*out, keyDiff{version, "missing", kind, k})
		}
	}
	for k := range ours {
		if _, ok := rec[k]; !ok {
			*out = append(*out, keyDiff{version, "extra", kind, k})
		}
	}
	for k, rv := range rec {
		ov, ok := ours[k]
		if !ok || opaque[k] {
			continue
		}
		sub := func(m map[string]any) string {
			if kind == "event" && k == "data" {
				return "event data " + kindOf(m, k)
			}
			return kindOf(m, k)
		}
		switch r := rv.(type) {
		case map[string]any:
			o, ok := ov.(map[string]any)
			if ok && kindOf(r, k) == kindOf(o, k) {
				compareKeys(version, sub(r), r, o, out)
			}
		case []any:
			o, ok := ov.([]any)
			if !ok {
				continue
			}
			// Compare each recorded item with our first item of its kind.
			for _, ri := range r {
				rm, ok := ri.(map[string]any)
				if !ok {
					continue
				}
				for _, oi := range o {
					if om, ok := oi.(map[string]any); ok && kindOf(om, k) == kindOf(rm, k) {
						compareKeys(version, sub(rm), rm, om, out)
						break
					}
				}
			}
		}
	}
}

// opaque keys hold caller data, not Omise's shape.
var opaque = map[string]bool{"metadata": true}

// allowed reports whether d is a listed deliberate difference.
func allowed(d keyDiff, used map[int]bool) bool {
	for i, x := range deliberate {
		if x.version != d.version || x.dir != d.dir || !contains(x.kinds, d.kind) {
			continue
		}
		for _, k := range x.keys {
			if k == d.key {
				used[i] = true
				return true
			}
		}
	}
	return false
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// exchange is one request to replay with what the recording answered.
type exchange struct {
	method, path, key, version string
	body                       string
	status                     int
	respBody                   string
	respVersion                string // recorded Omise-Version response header ("" on errors)
}

// conformance checks one exchange; unexpected key differences are returned.
func (h *harness) conformance(t *testing.T, x exchange, diffs *[]keyDiff) *resp {
	t.Helper()
	var body any
	if x.body != "" && x.body != "{}" {
		body = x.body
	}
	got := h.call(x.method, x.path, x.key, x.version, body)
	var want map[string]any
	if err := json.Unmarshal([]byte(x.respBody), &want); err != nil {
		t.Fatalf("recorded body: %v", err)
	}
	if got.status != x.status {
		t.Fatalf("status %d, recorded %d: %s", got.status, x.status, got.raw)
	}
	if want["object"] == "error" {
		if got.str("code") != want["code"] || got.str("message") != want["message"] {
			t.Fatalf("error %s %q, recorded %s %q", got.str("code"), got.str("message"), want["code"], want["message"])
		}
		if got.str("location") != want["location"] {
			t.Errorf("location %q, recorded %q", got.str("location"), want["location"])
		}
		if v := got.header.Get("Omise-Version"); v != "" {
			t.Errorf("error answer has Omise-Version %q; recorded errors have none", v)
		}
		return got
	}
	if x.respVersion != "" && got.header.Get("Omise-Version") != x.respVersion {
		t.Errorf("Omise-Version %q, recorded %q", got.header.Get("Omise-Version"), x.respVersion)
	}
	if ct := got.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	compareKeys(x.version, kindOf(want, "body"), want, got.body, diffs)
	return got
}

// idMap rewrites recorded ids into the simulator's ids.
type idMap map[string]string

func (m idMap) apply(s string) string {
	for rec, sim := range m {
		s = strings.ReplaceAll(s, rec, sim)
	}
	return s
}

// fixture setups: each creates what the recorded request refers to.

func (h *harness) source(amount int64) string {
	h.t.Helper()
	return h.must(h.call("POST", "/sources", pkey, "", map[string]any{
		"type": "barcode_alipay", "amount": amount, "currency": "thb", "barcode": "1234567890123456",
	}), 200).str("id")
}

func (h *harness) refundOf(id string, amount int64) string {
	h.t.Helper()
	return h.must(h.post("/charges/"+id+"/refunds", map[string]any{"amount": amount}), 200).str("id")
}

type elixirCase struct {
	setup   func(h *harness, m idMap)
	rewrite func(body map[string]any)
	check   func(t *testing.T, got *resp)
}

// elixirCases are the replayed omise-elixir recordings (2017-11-02), by file.
var elixirCases = map[string]elixirCase{
	"capability/retrieve_capability.json":             {},
	"charge/create_charge_with_invalid_amount.json":   {},
	"charge/create_charge_with_invalid_currency.json": {},
	"charge/create_charge_with_invalid_token.json":    {},
	"charge/create_charge_with_source.json": {
		setup: func(h *harness, m idMap) { m["src_test_59vbms154ab4pe4jh2i"] = h.source(100000) },
		check: func(t *testing.T, got *resp) {
			if got.str("status") != "pending" || got.str("return_uri") != "https://example.com/orders/123/complete" {
				t.Errorf("charge: %s", got.raw)
			}
		},
	},
	"charge/list_charges.json": {
		setup: func(h *harness, m idMap) {
			h.paidCharge(50000)
			h.paidCharge(50000)
			h.charge(50000, "1234567890")
		},
		check: func(t *testing.T, got *resp) {
			if got.num("limit") != 2 || got.num("total") != 3 || got.str("order") != "reverse_chronological" || len(got.body["data"].([]any)) != 2 {
				t.Errorf("list: %s", got.raw)
			}
		},
	},
	"charge/list_refunds.json": {
		setup: func(h *harness, m idMap) {
			id := h.paidCharge(100000)
			m["chrg_test_59use551gec8gaockk7"] = id
			h.refundOf(id, 10000)
		},
	},
	"charge/refund_charge.json": {
		setup: func(h *harness, m idMap) { m["chrg_test_59use551gec8gaockk7"] = h.paidCharge(100000) },
		check: func(t *testing.T, got *resp) {
			if got.num("amount") != 10000 || got.str("object") != "refund" {
				t.Errorf("refund: %s", got.raw)
			}
		},
	},
	"charge/retrieve_charge.json": {
		setup: func(h *harness, m idMap) { m["chrg_test_59ur0ja5pn1aywe2czq"] = h.paidCharge(450000) },
	},
	"charge/retrieve_refund.json": {
		setup: func(h *harness, m idMap) {
			id := h.paidCharge(100000)
			m["chrg_test_59use551gec8gaockk7"] = id
			m["rfnd_test_59uss4fpv3otofm2ri1"] = h.refundOf(id, 10000)
		},
	},
	"charge/reverse_captured_charge.json": {
		setup: func(h *harness, m idMap) { m["chrg_test_556qgv7yxa759kavn8v"] = h.paidCharge(100000) },
	},
	"charge/update_charge.json": {
		setup: func(h *harness, m idMap) { m["chrg_test_59ur0ja5pn1aywe2czq"] = h.paidCharge(450000) },
		check: func(t *testing.T, got *resp) {
			if got.str("description") != "New description" {
				t.Errorf("description %q", got.str("description"))
			}
		},
	},
	"event/list_events.json": {
		setup: func(h *harness, m idMap) { h.paidCharge(49900) },
		check: func(t *testing.T, got *resp) {
			if k := eventKeys(got); strings.Join(k, ",") != "charge.complete,charge.create" {
				t.Errorf("events %v", k)
			}
		},
	},
	"event/retrieve_event.json": {
		setup: func(h *harness, m idMap) {
			id := h.charge(50000, "1234567890")
			l := h.must(h.get("/charges/"+id+"/events"), 200)
			m["evnt_test_59uuaz7nvrjsq35qh5c"] = l.body["data"].([]any)[0].(map[string]any)["id"].(string)
		},
	},
	"refund/list_refunds.json": {
		setup: func(h *harness, m idMap) {
			for i := 0; i < 3; i++ {
				id := h.paidCharge(100000)
				h.refundOf(id, 10000)
				h.refundOf(id, 5000)
			}
		},
		check: func(t *testing.T, got *resp) {
			if got.num("total") != 6 || got.num("offset") != 2 || len(got.body["data"].([]any)) != 2 {
				t.Errorf("refunds: %s", got.raw)
			}
		},
	},
	"source/create_source_with_invalid_amount.json":   {},
	"source/create_source_with_invalid_currency.json": {},
	"source/create_source_with_invalid_type.json":     {},
	"source/create_source_with_valid_params.json": {
		// Recorded with bill_payment_tesco_lotus; the simulator supports only
		// the barcode types, so the same request is sent as barcode_alipay.
		rewrite: func(b map[string]any) { b["type"] = "barcode_alipay"; b["barcode"] = "1234567890123456" },
		check: func(t *testing.T, got *resp) {
			if got.str("flow") != "offline" || got.num("amount") != 100000 {
				t.Errorf("source: %s", got.raw)
			}
		},
	},
	"source/retrieve_source.json": {
		setup: func(h *harness, m idMap) { m["src_test_5mkpd5uqxnnqw4p411c"] = h.source(1000000) },
	},
}

func TestConformanceElixir(t *testing.T) {
	dir := filepath.Join(fixturesDir(t), "omise-elixir")
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no recordings in %s: %v", dir, err)
	}
	var diffs []keyDiff
	seen := map[string]bool{}
	for _, f := range files {
		name, _ := filepath.Rel(dir, f)
		name = filepath.ToSlash(name)
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			if why, ok := skipped[name]; ok {
				t.Skip(why)
			}
			c, ok := elixirCases[name]
			if !ok {
				t.Fatalf("recording %s is neither replayed nor skipped with a reason", name)
			}
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var recs []vcr
			if err := json.Unmarshal(raw, &recs); err != nil {
				t.Fatal(err)
			}
			h := newHarness(t, Options{})
			m := idMap{}
			if c.setup != nil {
				c.setup(h, m)
			}
			for _, rec := range recs {
				u, err := url.Parse(rec.Request.URL)
				if err != nil {
					t.Fatal(err)
				}
				path := m.apply(u.Path)
				if u.RawQuery != "" {
					path += "?" + m.apply(u.RawQuery)
				}
				body := m.apply(rec.Request.Body)
				if c.rewrite != nil {
					var b map[string]any
					if err := json.Unmarshal([]byte(body), &b); err != nil {
						t.Fatal(err)
					}
					c.rewrite(b)
					nb, _ := json.Marshal(b)
					body = string(nb)
				}
				key := skey
				if strings.HasPrefix(u.Path, "/sources") {
					key = pkey
				}
				// The recording account's version was 2017-11-02 (the header
				// on every success); requests are sent with it explicitly.
				got := h.conformance(t, exchange{
					method: strings.ToUpper(rec.Request.Method), path: path, key: key, version: "2017-11-02", body: body,
					status: rec.Response.StatusCode, respBody: rec.Response.Body, respVersion: rec.Response.Headers["Omise-Version"],
				}, &diffs)
				if c.check != nil {
					c.check(t, got)
				}
			}
		})
	}
	for name := range elixirCases {
		if !seen[name] {
			t.Errorf("case %s has no recording", name)
		}
	}
	checkDiffs(t, diffs)
}

// phpCase produces the simulator's counterpart of one omise-php body.
type phpCase struct {
	opts Options
	req  func(h *harness) (method, path, key, body string)
}

var phpCases = map[string]phpCase{
	"charges-post.json": {req: func(h *harness) (string, string, string, string) {
		return "POST", "/charges", skey, `{"amount":100000,"currency":"THB","source":{"type":"barcode_alipay","barcode":"1234567890123456"},"description":"Order-384"}`
	}},
	"charges/chrg_test_63444wyfsg4mtvvck1z-get.json": {req: func(h *harness) (string, string, string, string) {
		return "GET", "/charges/" + h.paidCharge(100000), skey, ""
	}},
	"charges/chrg_test_63444wyfsg4mtvvck1z-patch.json": {req: func(h *harness) (string, string, string, string) {
		return "PATCH", "/charges/" + h.paidCharge(100000), skey, `{"description":"Another description"}`
	}},
	"charges/chrg_test_63444wyfsg4mtvvck1z/expire-post.json": {req: func(h *harness) (string, string, string, string) {
		return "POST", "/charges/" + h.charge(100000, "1234567890") + "/expire", skey, ""
	}},
	"charges/chrg_test_63444wyfsg4mtvvck1z/refunds-post.json": {req: func(h *harness) (string, string, string, string) {
		return "POST", "/charges/" + h.paidCharge(100000) + "/refunds", skey, `{"amount":10000}`
	}},
	"charges/chrg_test_63444wyfsg4mtvvck1z/refunds/rfnd_test_63444yucggg93yxa027-get.json": {req: func(h *harness) (string, string, string, string) {
		id := h.paidCharge(100000)
		return "GET", "/charges/" + id + "/refunds/" + h.refundOf(id, 10000), skey, ""
	}},
	"charges-get.json": {req: func(h *harness) (string, string, string, string) {
		h.refundOf(h.paidCharge(100000), 100)
		h.charge(100000, "1234567890")
		return "GET", "/charges", skey, ""
	}},
	"events/evnt_test_no1t4tnemucod0e51mo-get.json": {
		// The recorded event shows one delivery answered 404.
		opts: Options{WebhookRetryBase: time.Hour},
		req: func(h *harness) (string, string, string, string) {
			h.charge(12345, "1234567890")
			waitFor(h.t, "a webhook delivery", func() bool { return len(h.sim.Deliveries()) > 0 })
			return "GET", "/events/" + h.sim.Deliveries()[0].EventID, skey, ""
		},
	},
	"events-get.json": {req: func(h *harness) (string, string, string, string) {
		h.charge(12345, "1234567890")
		return "GET", "/events", skey, ""
	}},
	"sources-post.json": {req: func(h *harness) (string, string, string, string) {
		return "POST", "/sources", pkey, `{"type":"barcode_alipay","amount":100000,"currency":"THB","barcode":"1234567890123456"}`
	}},
	"sources/src_test_6344b4gx4a8rx10p8p2-get.json": {req: func(h *harness) (string, string, string, string) {
		return "GET", "/sources/" + h.source(100000), pkey, ""
	}},
	"capability-get.json": {req: func(h *harness) (string, string, string, string) {
		return "GET", "/capability", pkey, ""
	}},
}

func TestConformancePHP(t *testing.T) {
	dir := filepath.Join(fixturesDir(t), "omise-php", "api.omise.co")
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("no bodies in %s: %v", dir, err)
	}
	sort.Strings(files)
	var diffs []keyDiff
	for _, name := range files {
		t.Run(name, func(t *testing.T) {
			if why, ok := skipped["php:"+name]; ok {
				t.Skip(why)
			}
			c, ok := phpCases[name]
			if !ok {
				t.Fatalf("body %s is neither checked nor skipped with a reason", name)
			}
			raw, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			o := c.opts
			if strings.HasPrefix(name, "events/") {
				rc := newReceiver(t, http.StatusNotFound)
				o.WebhookURL = rc.srv.URL
			}
			h := newHarness(t, o)
			method, path, key, body := c.req(h)
			h.conformance(t, exchange{
				method: method, path: path, key: key, version: Version2019, body: body,
				status: 200, respBody: string(raw), respVersion: Version2019,
			}, &diffs)
		})
	}
	checkDiffs(t, diffs)
}

// checkDiffs fails on any key difference not listed in deliberate.
func checkDiffs(t *testing.T, diffs []keyDiff) {
	t.Helper()
	used := map[int]bool{}
	bad := map[string]bool{}
	for _, d := range diffs {
		if !allowed(d, used) {
			bad[d.String()] = true
		}
	}
	var list []string
	for k := range bad {
		list = append(list, k)
	}
	sort.Strings(list)
	for _, k := range list {
		t.Errorf("undocumented key difference: %s", k)
	}
	if testing.Verbose() {
		for i, x := range deliberate {
			if used[i] {
				t.Logf("deliberate: %s %s %v: %s", x.version, x.dir, x.kinds, x.why)
			}
		}
	}
}
