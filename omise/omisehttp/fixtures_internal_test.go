package omisehttp

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"instore/omise"
)

// fixturesDir holds recorded real API exchanges (../shared/fixtures from the
// module root); the files stay outside the repository.
const fixturesDir = "../../../shared/fixtures"

// recorded is one response found in a fixture file.
type recorded struct {
	file   string
	status int
	body   []byte
}

// loadFixtures reads the ExVCR cassettes (a JSON array of request/response
// pairs) and the raw response bodies of the PHP library's fixtures.
func loadFixtures(t *testing.T) []recorded {
	t.Helper()
	if _, err := os.Stat(fixturesDir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("fixtures missing under CI: %v", err)
		}
		t.Skipf("recorded Omise fixtures not available at %s", fixturesDir)
	}
	var out []recorded
	err := filepath.WalkDir(fixturesDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(fixturesDir, path)
		if strings.HasPrefix(strings.TrimSpace(string(b)), "[") {
			var cassette []struct {
				Response struct {
					Body       string `json:"body"`
					StatusCode int    `json:"status_code"`
				} `json:"response"`
			}
			if err := json.Unmarshal(b, &cassette); err != nil {
				t.Errorf("%s: %v", rel, err)
				return nil
			}
			for _, c := range cassette {
				out = append(out, recorded{rel, c.Response.StatusCode, []byte(c.Response.Body)})
			}
			return nil
		}
		out = append(out, recorded{rel, 200, b})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no fixtures found")
	}
	return out
}

// TestRecordedResponsesDecode feeds real Omise responses (2017-11-02 and
// 2019-05-29) through the same decoding the client uses.
func TestRecordedResponsesDecode(t *testing.T) {
	seen := map[string]int{}
	for _, r := range loadFixtures(t) {
		var head struct {
			Object   string `json:"object"`
			Location string `json:"location"`
		}
		if err := json.Unmarshal(r.body, &head); err != nil {
			t.Errorf("%s: body is not JSON: %v", r.file, err)
			continue
		}
		if r.status != 200 {
			e := decodeError(r.status, r.body)
			if strings.HasPrefix(e.Code, "http_") || e.Message == "" || e.Location == "" {
				t.Errorf("%s: error body not decoded: %+v", r.file, e)
			}
			seen["error"]++
			continue
		}
		kind := head.Object
		if kind == "list" {
			switch {
			case strings.HasSuffix(head.Location, "/refunds"):
				kind = "refund list"
			case head.Location == "/charges":
				kind = "charge list"
			case head.Location == "/events":
				kind = "event list"
			default:
				continue // schedules and other lists we never fetch
			}
		}
		var err error
		switch kind {
		case "charge":
			var c omise.Charge
			if err = omise.DecodeObject(r.body, "charge", &c); err == nil {
				checkCharge(t, r.file, &c)
			}
		case "refund":
			var f omise.Refund
			if err = omise.DecodeObject(r.body, "refund", &f); err == nil {
				checkRefund(t, r.file, &f)
			}
		case "event":
			var e *omise.Event
			if e, err = omise.DecodeEvent(r.body); err == nil && (e.Key == "" || e.CreatedAt.IsZero()) {
				t.Errorf("%s: event missing key or created: %+v", r.file, e)
			}
		case "source":
			var s omise.Source
			if err = omise.DecodeObject(r.body, "source", &s); err == nil && (s.ID == "" || s.Type == "") {
				t.Errorf("%s: source missing id or type", r.file)
			}
		case "charge list":
			var l omise.List[omise.Charge]
			if err = omise.DecodeObject(r.body, "list", &l); err == nil {
				for i := range l.Data {
					checkCharge(t, r.file, &l.Data[i])
				}
			}
		case "refund list":
			var l omise.List[omise.Refund]
			if err = omise.DecodeObject(r.body, "list", &l); err == nil {
				for i := range l.Data {
					checkRefund(t, r.file, &l.Data[i])
				}
			}
		case "event list":
			var l omise.List[omise.Event]
			err = omise.DecodeObject(r.body, "list", &l)
			if err == nil && len(l.Data) == 0 {
				t.Errorf("%s: empty event list", r.file)
			}
		default:
			continue
		}
		if err != nil {
			t.Errorf("%s (%s): %v", r.file, kind, err)
		}
		seen[kind]++
	}
	for _, k := range []string{"charge", "refund", "event", "source", "charge list", "refund list", "event list", "error"} {
		if seen[k] == 0 {
			t.Errorf("no %s fixture was decoded", k)
		}
	}
	t.Logf("decoded: %v", seen)
}

func checkCharge(t *testing.T, file string, c *omise.Charge) {
	t.Helper()
	if c.ID == "" || c.Amount <= 0 || c.Status == "" || c.CreatedAt.IsZero() || c.Currency != strings.ToUpper(c.Currency) {
		t.Errorf("%s: charge fields: id=%q amount=%d status=%q created=%v currency=%q",
			file, c.ID, c.Amount, c.Status, c.CreatedAt, c.Currency)
	}
	if c.Refunds != nil {
		for i := range c.Refunds.Data {
			checkRefund(t, file, &c.Refunds.Data[i])
		}
	}
}

func checkRefund(t *testing.T, file string, r *omise.Refund) {
	t.Helper()
	if r.ID == "" || r.Amount <= 0 || r.Charge == "" || r.CreatedAt.IsZero() || r.Currency != strings.ToUpper(r.Currency) {
		t.Errorf("%s: refund fields: id=%q amount=%d charge=%q created=%v currency=%q",
			file, r.ID, r.Amount, r.Charge, r.CreatedAt, r.Currency)
	}
}
