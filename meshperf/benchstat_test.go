package meshperf_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meshperf/meshperf/fixtures/echo"
	"github.com/meshperf/meshperf/internal/testenv"
	"github.com/meshperf/meshperf/meshperf"
)

// BenchmarkModesForBenchstat is the benchmark TestBenchstatReadsOurOutput
// runs in a child process: two "modes", the second served with 300 µs of
// extra service time, named key=value as users are told to.
func BenchmarkModesForBenchstat(b *testing.B) {
	testenv.HelperProcess(b, "MESHPERF_BENCHSTAT_CHILD", "TestBenchstatReadsOurOutput")
	for _, mode := range []struct {
		name  string
		delay time.Duration
	}{{"baseline", 0}, {"both", 300 * time.Microsecond}} {
		srv, err := echo.New(echo.Config{Delay: mode.delay, Spin: true})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("mode=%s/conc=2", mode.name), func(b *testing.B) {
			meshperf.Run(b, meshperf.URL(srv.URL()), meshperf.QPS(500), meshperf.Concurrency(2),
				meshperf.Requests(300), meshperf.Warmup(100*time.Millisecond))
		})
		srv.Close()
	}
}

// TestBenchstatReadsOurOutput runs BenchmarkModesForBenchstat with -count 5
// and benchstat from golang.org/x/perf on its output: our units must come
// out scaled to time with SI prefixes, and -col /mode must put baseline and
// both side by side.
func TestBenchstatReadsOurOutput(t *testing.T) {
	testenv.Long(t, "runs a benchmark and builds benchstat")
	dir := t.TempDir()
	bench := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^BenchmarkModesForBenchstat$",
		"-test.benchtime=1x", "-test.count=5")
	bench.Env = append(os.Environ(), "MESHPERF_BENCHSTAT_CHILD=1")
	out, err := bench.CombinedOutput()
	if err != nil {
		t.Fatalf("benchmark: %v\n%s", err, out)
	}
	var units strings.Builder
	if err := meshperf.WriteUnits(&units); err != nil {
		t.Fatal(err)
	}
	results := filepath.Join(dir, "new.txt")
	if err := os.WriteFile(results, append([]byte(units.String()), out...), 0o644); err != nil {
		t.Fatal(err)
	}
	benchstat := filepath.Join(dir, "benchstat")
	// Built as the fixtures' meshperf is (static, trimmed paths), so that a
	// cold cache compiles the standard library once for both, not twice.
	build := exec.Command("go", "build", "-trimpath", "-o", benchstat, "golang.org/x/perf/cmd/benchstat")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build benchstat: %v\n%s", err, b)
	}
	b, err := exec.Command(benchstat, "-col", "/mode", results).CombinedOutput()
	if err != nil {
		t.Fatalf("benchstat: %v\n%s", err, b)
	}
	table := string(b)
	t.Logf("benchstat -col /mode:\n%s", table)
	for _, want := range []string{"baseline", "both", "p99-sec", "p50-sec", "req/s", "µ ±"} {
		if !strings.Contains(table, want) {
			t.Errorf("benchstat output lacks %q", want)
		}
	}
	if strings.Contains(table, "sec/op") {
		t.Error("ns/op was not hidden")
	}
	// baseline and both share a row: the header names both on one line.
	header := false
	for _, line := range strings.Split(table, "\n") {
		if strings.Contains(line, "baseline") && strings.Contains(line, "both") {
			header = true
		}
	}
	if !header {
		t.Error("-col /mode did not put baseline and both side by side")
	}
	// Five samples a side: the 300 µs added to every request is a
	// significant change in p50, not "~".
	_, p50, _ := strings.Cut(table, "p50-sec")
	_, row, _ := strings.Cut(p50, "ModesForBenchstat")
	row, _, _ = strings.Cut(row, "\n")
	if !strings.Contains(row, "+") || strings.Contains(row, "~ (p=") {
		t.Errorf("p50 of both against baseline is not reported as a significant increase:\n%s", row)
	}
}
