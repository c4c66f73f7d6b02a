package main

import (
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meshperf/meshperf/assertions"
	"github.com/meshperf/meshperf/internal/testenv"
	"github.com/meshperf/meshperf/meshperf"
)

// TestSweepBudgetCompareReport runs the whole pipeline on a real local
// sweep (on loopback, so it runs without root): its results file must hold
// every step with sidecar resources, a budget no real run can meet must
// fail on it naming the metric, compare must match every step against
// itself and trip on a regressed copy of it (and on a copy missing a
// step), and report must draw every step.
func TestSweepBudgetCompareReport(t *testing.T) {
	testenv.Long(t, "runs a sweep")
	dir := t.TempDir()
	podMeshperf(t)
	results := filepath.Join(dir, "sweep.json")
	// 200 req/s keeps two workers far from saturation on a busy machine,
	// so that compare's unsent ceiling gates nothing but the thresholds.
	code, stdout, stderr := runCLI(t, "sweep", "-loopback", "-mode", "baseline,both", "-c", "2,4", "-qps", "200", "-t", "500ms",
		"-warmup", "100ms", "-json", results)
	if code != exitOK {
		t.Fatalf("sweep: exit %d\n%s%s", code, stdout, stderr)
	}
	b, err := os.ReadFile(results)
	if err != nil {
		t.Fatal(err)
	}
	var doc meshperf.Document
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Steps) != 4 {
		t.Fatalf("the sweep wrote %d steps, want 4", len(doc.Steps))
	}
	both := doc.Steps[3]
	if both.Labels["mode"] != "both" || both.Resources["client-sidecar"].Samples == 0 {
		t.Errorf("last step %v lacks the both mode or its sidecar resources %+v", both.Labels, both.Resources)
	}

	th, err := assertions.ParseBudget("p50<1us,sidecar_cpu<1m")
	if err != nil {
		t.Fatal(err)
	}
	var v assertions.Violations
	if err := th.Budget.Evaluate(both); !errors.As(err, &v) || !strings.Contains(err.Error(), "p50") ||
		!strings.Contains(err.Error(), "sidecar") {
		t.Errorf("an impossible budget on a real step: %v", err)
	}

	code, stdout, stderr = runCLI(t, "compare", "-fail-on", "p99>+10%", results, results)
	if code != exitOK || strings.Contains(stdout, "only in") {
		t.Errorf("compare against itself: exit %d\n%s%s", code, stdout, stderr)
	}

	// The same steps, each with a tail of 5% of its requests added 20 ms
	// above its slowest: every p99 rises by far more than 10%.
	regressed := filepath.Join(dir, "regressed.json")
	writeDoc(t, regressed, regress(t, doc.Steps))
	code, stdout, stderr = runCLI(t, "compare", "-fail-on", "p99>+10%", results, regressed)
	if code != exitFail || strings.Count(stderr, "crosses p99>+10%") != len(doc.Steps) {
		t.Errorf("compare against a regressed copy: exit %d, want %d naming p99 for each of %d steps\n%s%s",
			code, exitFail, len(doc.Steps), stdout, stderr)
	}
	truncated := filepath.Join(dir, "truncated.json")
	writeDoc(t, truncated, doc.Steps[:len(doc.Steps)-1])
	code, stdout, stderr = runCLI(t, "compare", "-fail-on", "p99>+10%", results, truncated)
	if code != exitFail || !strings.Contains(stderr, "step missing from new") || !strings.Contains(stderr, "-allow-missing") {
		t.Errorf("compare against a copy missing a step: exit %d, want %d naming the missing step\n%s%s", code, exitFail, stdout, stderr)
	}

	page := filepath.Join(dir, "report.html")
	if code, _, stderr = runCLI(t, "report", "-o", page, results); code != exitOK {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	// Four latency charts with a point per step, and sidecar charts for both.
	if n := strings.Count(string(html), `<circle class="pt `); n < 4*len(doc.Steps) {
		t.Errorf("the report draws %d points for %d steps", n, len(doc.Steps))
	}
}

// regress returns copies of steps whose response histograms have 5% more
// answered requests, 20 ms above each step's slowest.
func regress(tb testing.TB, steps []*meshperf.Result) []*meshperf.Result {
	tb.Helper()
	var out []*meshperf.Result
	for _, s := range steps {
		r := *s
		if r.ResponseHist == nil {
			tb.Fatalf("step %v has no response histogram", r.Labels)
		}
		r.ResponseHist = s.ResponseHist.Clone()
		extra := max(r.ResponseHist.Count()/20, 1)
		for range extra {
			r.ResponseHist.Record(s.Latency.Max + 20*time.Millisecond)
		}
		r.Requests += extra
		r.StatusCodes = maps.Clone(s.StatusCodes)
		r.StatusCodes[200] += extra
		var err error
		if r.Latency, err = r.ResponseHist.Summarize(); err != nil {
			tb.Fatal(err)
		}
		out = append(out, &r)
	}
	return out
}

// writeDoc writes steps as a sweep document to path.
func writeDoc(tb testing.TB, path string, steps []*meshperf.Result) {
	tb.Helper()
	b, err := json.Marshal(meshperf.Document{SMPVersion: meshperf.SMPVersion, Tool: "meshperf sweep", Steps: steps})
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		tb.Fatal(err)
	}
}
