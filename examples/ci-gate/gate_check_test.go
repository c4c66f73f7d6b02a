package cigate

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meshperf/meshperf/fixtures"
	"github.com/meshperf/meshperf/internal/testenv"
	"github.com/meshperf/meshperf/meshperf"
)

// The gate the test applies: p50 may not rise by more than 2 ms. The
// injected regression adds 5 ms to every response; a rerun without change
// moves p50 by tens of microseconds on an idle machine.
const (
	testGate     = "p50>+2ms"
	injected     = 5 * time.Millisecond
	runsPerSide  = 4 // compare.MinRunsForGate: from 4 runs a side, the 95% interval of the change is judged
	testStep     = 500 * time.Millisecond
	testWarmup   = 200 * time.Millisecond
	compareUsage = 2 // meshperf compare's exit code for bad usage
)

// TestGatePassesUnchangedAndFailsARegression records a baseline, a rerun
// without change and a run with an injected 5 ms delay, 4 short runs each,
// and runs the real `meshperf compare -fail-on` on them: the rerun passes,
// the regression fails naming p50.
func TestGatePassesUnchangedAndFailsARegression(t *testing.T) {
	testenv.Long(t, "records 12 benchmark runs")
	bin := buildMeshperf(t)
	t.Setenv("MESHPERF_BIN", bin) // the fixture runs the same build
	dir := t.TempDir()
	base, rerun, slow := filepath.Join(dir, "baseline.json"), filepath.Join(dir, "rerun.json"), filepath.Join(dir, "slow.json")
	record(t, base, 0)
	record(t, rerun, 0)
	record(t, slow, injected)

	out, err := exec.Command(bin, "compare", "-fail-on", testGate, base, rerun).CombinedOutput()
	t.Logf("meshperf compare -fail-on %q baseline.json rerun.json:\n%s", testGate, out)
	if err != nil {
		t.Errorf("the gate failed a rerun without change: %v", err)
	}

	out, err = exec.Command(bin, "compare", "-fail-on", testGate, base, slow).CombinedOutput()
	t.Logf("meshperf compare -fail-on %q baseline.json slow.json:\n%s", testGate, out)
	var exit *exec.ExitError
	switch {
	case err == nil:
		t.Errorf("the gate passed a %v regression", injected)
	case !errors.As(err, &exit) || exit.ExitCode() != 1:
		t.Errorf("compare: %v, want exit status 1 (a crossed threshold)", err)
	case !strings.Contains(string(out), "p50"):
		t.Errorf("the failure does not name p50:\n%s", out)
	}

	out, err = exec.Command(bin, "compare", "-fail-on", "p50<+10%", base, slow).CombinedOutput()
	if !errors.As(err, &exit) || exit.ExitCode() != compareUsage {
		t.Errorf("a bad -fail-on clause: %v, want exit status %d\n%s", err, compareUsage, out)
	}
}

// record appends runsPerSide short runs of the gated step to path, with
// the app adding delay.
func record(t *testing.T, path string, delay time.Duration) {
	t.Helper()
	c := startCluster(t, delay)
	defer c.Close() // also registered as cleanup; Close is idempotent
	for range runsPerSide {
		_, err := meshperf.RunContext(t.Context(), c.Target(fixtures.Both), meshperf.QPS(QPS), meshperf.Concurrency(Concurrency),
			meshperf.Duration(testStep), meshperf.Warmup(testWarmup), meshperf.Out(path))
		if err != nil {
			t.Fatal(err)
		}
	}
}

// buildMeshperf returns the meshperf command named by $MESHPERF_BIN (make
// test builds it once for every package), or builds it into the test's
// temporary directory.
func buildMeshperf(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("MESHPERF_BIN"); bin != "" {
		return bin
	}
	gobin, err := exec.LookPath("go")
	testenv.Need(t, "go", err)
	bin := filepath.Join(t.TempDir(), "meshperf")
	// The fixtures' own build (the pod binary: static, trimmed paths, no
	// Docker or Kubernetes client), so that the two share
	// the build cache instead of compiling the command's dependencies twice.
	cmd := exec.Command(gobin, "build", "-tags", "meshperfpod", "-trimpath", "-o", bin, "github.com/meshperf/meshperf/cmd/meshperf")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build meshperf: %v\n%s", err, out)
	}
	return bin
}

func TestFlagsAreChecked(t *testing.T) {
	for _, s := range []string{"-1ms", "soon", "2s"} {
		if _, err := parseDelay(s); err == nil || !strings.Contains(err.Error(), s) {
			t.Errorf("parseDelay(%q) = %v, want an error naming it", s, err)
		}
	}
	if d, err := parseDelay(""); d != 0 || err != nil {
		t.Errorf(`parseDelay("") = %v, %v; want 0, nil`, d, err)
	}
}
