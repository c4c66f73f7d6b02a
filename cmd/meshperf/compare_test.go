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
	edit := func(r *meshperf.Result, f func(*meshperf.Result)) *meshperf.Result { f(r); return r }
	unanswered := func(r *meshperf.Result) {
		r.StatusCodes, r.TransportErrors, r.Latency = map[int]int64{}, map[string]int64{"connect": 1000}, latency.Summary{}
		r.ActualQPS = 1000
	}
	noSamples := writeJSON(t, "dead.json", edit(step("both", 8, ms, 100), unanswered))
	onlyBaseline := sweepFile(t, "base-only.json", step("baseline", 8, ms, 0))
	plusNew := sweepFile(t, "plus.json", step("baseline", 8, ms, 0), step("both", 8, ms, 100), step("both", 16, ms, 100))
	saturated := writeJSON(t, "sat.json", edit(step("both", 8, ms, 100), func(r *meshperf.Result) {
		r.Unsent, r.Late = 300, 120
	}))
	overflowed := writeJSON(t, "ovf.json", edit(step("both", 8, ms, 100), func(r *meshperf.Result) { r.Overflow = 5 }))
	noSidecars := writeJSON(t, "nosc.json", edit(step("both", 8, ms, 100), func(r *meshperf.Result) {
		delete(r.Resources, "server-sidecar")
	}))
	bareBaseline := sweepFile(t, "bare.json", edit(step("baseline", 8, ms, 0), func(r *meshperf.Result) { r.Resources = nil }))
	var deadRuns []string
	for i := range 5 {
		r := step("both", 8, ms+time.Duration(i)*10*time.Microsecond, 100)
		if i == 2 {
			unanswered(r)
		}
		deadRuns = append(deadRuns, writeJSON(t, "d.json", r))
	}

	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   []string // each must appear in stdout
		stderr   []string // each must appear in stderr
		noStdout []string
	}{
		{name: "single vs single", args: []string{single1, single2}, stdout: []string{"p99 latency", "both envoy c=8 qps=1000", "+10.00% ?", "significance unknown"}},
		{name: "sweep regressed", args: []string{"-fail-on", "p99>+10%,total_sidecar_cpu>+20%", oldSweep, regressed}, code: 1,
			stderr: []string{"both envoy c=8 qps=1000: p99 2.00ms → 4.00ms (+100.00%) crosses p99>+10%"}},
		{name: "improvement passes", args: []string{"-fail-on", "p99>+10%,total_sidecar_cpu>+20%,p50>+200us,err>+0.5%,qps<-5%", oldSweep, improved},
			stdout: []string{"-50.00%"}},
		{name: "unmatched listed", args: []string{oldSweep, extra}, stdout: []string{"only in old: both envoy c=8 qps=1000", "only in new: both envoy c=16 qps=1000"}},
		{name: "missing file", args: []string{filepath.Join(t.TempDir(), "nope.json"), single1}, code: 2, stderr: []string{"nope.json: no such file"}},
		{name: "not a result", args: []string{notResult, single1}, code: 2, stderr: []string{"x.json: not a meshperf result"}},
		{name: "one file", args: []string{single1}, code: 2, stderr: []string{"want old.json new.json"}},
		{name: "significant shift", args: append([]string{"-fail-on", "p99>+10%"}, join(olds, shifted)...), code: 1,
			stdout: []string{"+30.00%", "(p=0.008 n=5)"}, stderr: []string{"p99"}},
		{name: "new run has no samples", args: []string{"-fail-on", "p99>+10%", single1, noSamples}, code: 1,
			stderr: []string{"both envoy c=8 qps=1000: p99: new run has no samples (1000 requests, none answered)"}},
		{name: "old run has no samples", args: []string{"-fail-on", "p99>+10%", noSamples, single1}, code: 1,
			stderr: []string{"both envoy c=8 qps=1000: p99: old run has no samples"}},
		{name: "one of five new runs has no samples", args: append([]string{"-fail-on", "p99>+10%"}, join(olds, deadRuns)...), code: 1,
			stderr: []string{"p99: 1 of 5 new runs has no samples"}},
		{name: "no samples without a gate is only a table", args: []string{single1, noSamples}},
		{name: "step missing from new", args: []string{"-fail-on", "p99>+10%", oldSweep, onlyBaseline}, code: 1,
			stdout: []string{"only in old: both envoy c=8 qps=1000"},
			stderr: []string{"both envoy c=8 qps=1000: step missing from new", "-allow-missing"}},
		{name: "allow-missing ignores it", args: []string{"-fail-on", "p99>+10%", "-allow-missing", oldSweep, onlyBaseline},
			stdout: []string{"only in old: both envoy c=8 qps=1000"}},
		{name: "nothing matches", args: []string{"-fail-on", "p99>+10%", "-allow-missing", single1, onlyBaseline}, code: 1,
			stderr: []string{"no step of the new side matches one of the old side"}},
		{name: "a step only in new passes", args: []string{"-fail-on", "p99>+10%", oldSweep, plusNew},
			stdout: []string{"only in new: both envoy c=16 qps=1000"}},
		{name: "new run saturated", args: []string{"-fail-on", "qps<-50%", single1, saturated}, code: 1,
			stderr: []string{"both envoy c=8 qps=1000: new run left 300 of 1300 planned slots unsent (23.08%), 120 of the 1000 sent left late; over the -max-unsent ceiling 0.1%"}},
		{name: "old run saturated", args: []string{"-fail-on", "p99>+10%", saturated, single1}, code: 1,
			stderr: []string{"old run left 300 of 1300 planned slots unsent"}},
		{name: "max-unsent lifts the ceiling", args: []string{"-fail-on", "p99>+10%", "-max-unsent", "25%", single1, saturated}},
		{name: "max-unsent as a fraction", args: []string{"-fail-on", "p99>+10%", "-max-unsent", "0.5", single1, saturated}, code: 2,
			stderr: []string{`-max-unsent "0.5": write a percentage`}},
		{name: "max-unsent over 100%", args: []string{"-fail-on", "p99>+10%", "-max-unsent", "150%", single1, saturated}, code: 2,
			stderr: []string{`-max-unsent "150%": use 0% to 100%`}},
		{name: "overflow", args: []string{"-fail-on", "p99>+10%", single1, overflowed}, code: 1,
			stderr: []string{"both envoy c=8 qps=1000: new run has 5 latencies above the histogram range (overflow)"}},
		{name: "sidecar readings missing on new", args: []string{"-fail-on", "total_sidecar_cpu>+20%", single1, noSidecars}, code: 1,
			stderr: []string{"both envoy c=8 qps=1000: total_sidecar_cpu: new run has no server-sidecar readings"}},
		{name: "sidecar readings missing on old", args: []string{"-fail-on", "server_sidecar_mem>+20%", noSidecars, single1}, code: 1,
			stderr: []string{"server_sidecar_mem: old run has no server-sidecar readings"}},
		{name: "a baseline step has no sidecars to gate", args: []string{"-fail-on", "total_sidecar_cpu>+20%,p99>+10%", bareBaseline, bareBaseline}},
		// Noise around a threshold is not a breach: the interval straddles
		// it, which fails by default and passes with -allow-inconclusive.
		{name: "noise is inconclusive", args: append([]string{"-fail-on", "p99>+0.1%"}, join(olds, noisy)...), code: 1,
			stdout: []string{"~", "n=5)"}, stderr: []string{"straddles p99>+0.1%: inconclusive"}},
		{name: "noise with -allow-inconclusive", args: append([]string{"-fail-on", "p99>+0.1%", "-allow-inconclusive"}, join(olds, noisy)...),
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
		{"total_sidecar_mem>+lots", "use +N% or bytes"},
		{"p99>+10%,", `clause ""`},
		// the sum of both sidecars was once written sidecar_cpu, which a
		// budget reads as each sidecar: the old word is refused, naming the new
		{"sidecar_cpu>+20%", "use total_sidecar_cpu (client + server sidecar), or client_sidecar_cpu and server_sidecar_cpu"},
		{"sidecar_mem>+20%", "use total_sidecar_mem"},
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

// TestCompareInconclusive: with 6 runs a side whose p50 rose by about the
// threshold, the interval straddles it: compare exits 1 saying so and how
// many runs would decide; -allow-inconclusive lets it pass. A clear rise
// still fails under -allow-inconclusive.
func TestCompareInconclusive(t *testing.T) {
	side := func(name string, p50 time.Duration) string {
		var rs []*meshperf.Result
		for i := range 6 {
			rs = append(rs, step("both", 8, p50+time.Duration(i*20)*time.Microsecond, 100))
		}
		return sweepFile(t, name, rs...)
	}
	old := side("old.json", time.Millisecond)
	near := side("near.json", 1155*time.Microsecond)
	far := side("far.json", 1500*time.Microsecond)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{name: "inconclusive fails", args: []string{"-fail-on", "p50>+10%", old, near}, wantCode: exitFail,
			want: "straddles p50>+10%: inconclusive; about "},
		{name: "inconclusive allowed", args: []string{"-fail-on", "p50>+10%", "-allow-inconclusive", old, near}, wantCode: exitOK},
		{name: "breach fails when inconclusive is allowed", args: []string{"-fail-on", "p50>+10%", "-allow-inconclusive", old, far},
			wantCode: exitFail, want: "lies wholly above p50>+10%: breach"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := compareCLI(t, tt.args...)
			if code != tt.wantCode || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, want %d; stderr %q, want it to hold %q\n%s", code, tt.wantCode, stderr, tt.want, stdout)
			}
		})
	}
}
