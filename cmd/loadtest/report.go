package main

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"strings"
	"time"

	"instore/money"
)

// row is one line of the results table.
type row struct {
	What     string // what was measured
	Measured string // the figure
	Limit    string // the limit it is compared with, measured in the same run
	Ratio    string // measured / limit
	Target   string // the figure the product is held to
	Verdict  string // met / missed / n/a
}

// report is everything one invocation measured.
type report struct {
	Started time.Time
	Took    time.Duration
	// Load holds the machine's load average (1, 5, 15 min) when the run
	// started, when each part started and when the run ended.
	Load    []string
	Runs    int
	Limits  []row
	Product []row
	// Compare is the engines side by side (-db), already rendered.
	Compare string
	Notes   []string
}

// num renders n with thousands separators and no decimals.
func num(n float64) string {
	return money.GroupDigits(int64(math.Round(n)))
}

// rate renders a measured rate, or — when it was not measured.
func rate(n float64) string {
	if n == 0 {
		return "—"
	}
	return num(n) + "/s"
}

// msStr renders milliseconds with precision that suits their size.
func msStr(v float64) string {
	if v < 10 {
		return fmt.Sprintf("%.2f ms", v)
	}
	return fmt.Sprintf("%.0f ms", v)
}

func ratio(a, b float64) string {
	if b == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

// machine describes where the run happened.
func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb float64
		fmt.Sscanf(strings.SplitN(string(b), "\n", 2)[0], "MemTotal: %f kB", &kb)
		mem = fmt.Sprintf(", %.1f GB RAM", kb/1024/1024)
	}
	return fmt.Sprintf("%d cores (%s)%s, %s %s/%s", runtime.NumCPU(), cpu, mem, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func writeRows(b *strings.Builder, rows []row) {
	b.WriteString("| measurement | measured | limit (same run) | ratio | target | verdict |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s |\n", r.What, r.Measured, r.Limit, r.Ratio, r.Target, r.Verdict)
	}
}

// markdown renders the report.
func (r *report) markdown(args string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Run %s, took %s; machine: %s.\n", r.Started.Format("2006-01-02 15:04 MST"), r.Took.Round(time.Second), machine())
	fmt.Fprintf(&b, "Command: `go run ./cmd/loadtest %s`. Each figure is the median of %d runs; load generator on the same cores.\n", args, r.Runs)
	if len(r.Load) > 0 {
		fmt.Fprintf(&b, "Load average (1/5/15 min): %s.\n", strings.Join(r.Load, "; "))
	}
	b.WriteString("\n")
	if len(r.Limits) > 0 {
		b.WriteString("Limits (bare stack, nothing of ours):\n\n")
		writeRows(&b, r.Limits)
		b.WriteString("\n")
	}
	if len(r.Product) > 0 {
		if r.Compare == "" {
			b.WriteString("Product (real server, demo mode, scratch database):\n\n")
		} else {
			b.WriteString("Product (real server, scratch database; a row naming its engine and instances: `instore sim` and the servers with its keys, else demo mode):\n\n")
		}
		writeRows(&b, r.Product)
		b.WriteString("\n")
	}
	if r.Compare != "" {
		b.WriteString("Engines and instances side by side (same run):\n\n")
		b.WriteString(r.Compare)
		b.WriteString("\n")
	}
	for _, n := range r.Notes {
		b.WriteString("- " + n + "\n")
	}
	return b.String()
}

// loadAverage is the machine's load average as /proc/loadavg gives it
// (1, 5 and 15 minutes), or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return f[0] + " " + f[1] + " " + f[2]
}

// noteLoad records the load average at a point of the run.
func (r *report) noteLoad(when string) {
	r.Load = append(r.Load, when+" "+loadAverage())
}
