package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/latency"
)

// compareCLI runs `meshperf compare args...`. It calls runCompare through
// exitCode, the path run takes, until main.go dispatches "compare".
func compareCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(t.Context(), append([]string{"compare"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// step builds a synthetic result: p99 = 2×p50, 1000 requests.
func step(mode string, conc int, p50 time.Duration, cpuMilli float64) *meshperf.Result {
	return &meshperf.Result{
		Labels: map[string]string{"mode": mode, "sidecar": "envoy"}, Concurrency: conc, RequestedQPS: 1000,
		ActualQPS: 1000, Requests: 1000, StatusCodes: map[int]int64{200: 1000},
		Latency: latency.Summary{Count: 1000, P50: p50, P90: p50 * 3 / 2, P99: 2 * p50, P999: 3 * p50, Max: 4 * p50},
		Resources: map[string]meshperf.Resources{
			"client-sidecar": {CPUMean: meshperf.CPU(cpuMilli) * meshperf.Millicore, WorkingSetMax: 40 * meshperf.MiB},
			"server-sidecar": {CPUMean: meshperf.CPU(cpuMilli) * meshperf.Millicore, WorkingSetMax: 40 * meshperf.MiB},
		},
	}
}

func writeJSON(t *testing.T, name string, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func sweepFile(t *testing.T, name string, steps ...*meshperf.Result) string {
	t.Helper()
	return writeJSON(t, name, sweepDoc{SMPVersion: meshperf.SMPVersion, Tool: "meshperf sweep", Steps: steps})
}

func TestCompare(t *testing.T) {
	const ms = time.Millisecond
	single1 := writeJSON(t, "a.json", step("both", 8, ms, 100))
	single2 := writeJSON(t, "b.json", step("both", 8, 11*ms/10, 100))
	oldSweep := sweepFile(t, "old.json", step("baseline", 8, ms, 0), step("both", 8, ms, 100))
	regressed := sweepFile(t, "reg.json", step("baseline", 8, ms, 0), step("both", 8, 2*ms, 100))
	improved := sweepFile(t, "imp.json", step("baseline", 8, ms, 0), step("both", 8, ms/2, 50))
	extra := sweepFile(t, "extra.json", step("baseline", 8, ms, 0), step("both", 16, ms, 100))
	notResult := writeJSON(t, "x.json", map[string]int{"hello": 1})
	var olds, shifted, noisy []string
	for i := range 5 {
		base := ms + time.Duration(i)*10*time.Microsecond
		olds = append(olds, writeJSON(t, "o.json", step("both", 8, base, 100)))
		shifted = append(shifted, writeJSON(t, "s.json", step("both", 8, base*13/10, 100)))
		noisy = append(noisy, writeJSON(t, "n.json", step("both", 8, base+time.Duration(2*(i%3)-2)*5*time.Microsecond, 100)))
	}
	join := func(a, b []string) []string { return append(append(append([]string{}, a...), "--"), b...) }

	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   []string // each must appear in stdout
		stderr   []string // each must appear in stderr
		noStdout []string
	}{
		{name: "single vs single", args: []string{single1, single2}, stdout: []string{"p99 latency", "both envoy c=8 qps=1000", "+10.00% ?", "significance unknown"}},
		{name: "sweep regressed", args: []string{"-fail-on", "p99>+10%,sidecar_cpu>+20%", oldSweep, regressed}, code: 1,
			stderr: []string{"both envoy c=8 qps=1000: p99 2.00ms → 4.00ms (+100.00%) crosses p99>+10%"}},
		{name: "improvement passes", args: []string{"-fail-on", "p99>+10%,sidecar_cpu>+20%,p50>+200us,err>+0.5%,qps<-5%", oldSweep, improved},
			stdout: []string{"-50.00%"}},
		{name: "unmatched listed", args: []string{oldSweep, extra}, stdout: []string{"only in old: both envoy c=8 qps=1000", "only in new: both envoy c=16 qps=1000"}},
		{name: "missing file", args: []string{filepath.Join(t.TempDir(), "nope.json"), single1}, code: 2, stderr: []string{"nope.json: no such file"}},
		{name: "not a result", args: []string{notResult, single1}, code: 2, stderr: []string{"x.json: not a meshperf result"}},
		{name: "one file", args: []string{single1}, code: 2, stderr: []string{"want old.json new.json"}},
		{name: "significant shift", args: append([]string{"-fail-on", "p99>+10%"}, join(olds, shifted)...), code: 1,
			stdout: []string{"+30.00%", "(p=0.008 n=5)"}, stderr: []string{"p99"}},
		{name: "noise", args: append([]string{"-fail-on", "p99>+0.1%"}, join(olds, noisy)...),
			stdout: []string{"~", "n=5)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := compareCLI(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errs)
			}
			for _, w := range tt.stdout {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.stderr {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
		})
	}
}

func TestCompareBadFailOn(t *testing.T) {
	a := writeJSON(t, "a.json", step("both", 8, time.Millisecond, 100))
	tests := []struct {
		clause, want string
	}{
		{"p95>+10%", `unknown metric "p95": use p50, p90`},
		{"p99<-10%", "p99 fails on a rise: write p99>+VALUE"},
		{"qps>+5%", "qps fails on a drop: write qps<-VALUE"},
		{"p99>-10%", "> takes +VALUE"},
		{"p99>+fast", "use +N% or a duration"},
		{"p99", "want METRIC>+VALUE"},
		{"err>+200%", "err takes percentage points"},
		{"sidecar_mem>+lots", "use +N% or bytes"},
		{"p99>+10%,", `clause ""`},
	}
	for _, tt := range tests {
		t.Run(tt.clause, func(t *testing.T) {
			code, _, errs := compareCLI(t, "-fail-on", tt.clause, a, a)
			if code != exitUsage || !strings.Contains(errs, tt.want) || !strings.Contains(errs, "-fail-on clause") {
				t.Errorf("exit %d, stderr %q; want exit 2 naming %q", code, errs, tt.want)
			}
		})
	}
}
