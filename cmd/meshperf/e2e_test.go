package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshperf/meshperf/assertions"
	"github.com/meshperf/meshperf/internal/testenv"
	"github.com/meshperf/meshperf/meshperf"
)

// TestSweepBudgetCompareReport runs the whole pipeline on a real local
// sweep (on loopback, so it runs without root): its results file must hold
// every step with sidecar resources, a budget no real run can meet must
// fail on it naming the metric, compare must match every step against
// itself, and report must draw every step.
func TestSweepBudgetCompareReport(t *testing.T) {
	testenv.Long(t, "runs a sweep")
	dir := t.TempDir()
	selfAsMeshperf(t)
	results := filepath.Join(dir, "sweep.json")
	code, stdout, stderr := runCLI(t, "sweep", "-loopback", "-mode", "baseline,both", "-c", "2,4", "-t", "500ms",
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
