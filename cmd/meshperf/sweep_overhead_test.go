package main

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meshperf/meshperf/fixtures"
	"github.com/meshperf/meshperf/internal/testenv"
	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/latency"
)

// TestSweepOverhead: from constructed runs whose both-mode p50 is the
// baseline's plus 100µs, the overhead object estimates +0.1 ms with an
// interval around it (5 runs a side), the CPU and memory summed over every
// component, and leaves out what a run lacks.
func TestSweepOverhead(t *testing.T) {
	run := func(mode string, i int, extra time.Duration, res map[string]meshperf.Resources) *meshperf.Result {
		j := time.Duration(i*13) * time.Microsecond
		return &meshperf.Result{Labels: map[string]string{"mode": mode, "sidecar": "builtin"}, Concurrency: 4, RequestedQPS: 500,
			Latency: latency.Summary{Count: 1000, P50: 500*time.Microsecond + j + extra, P90: time.Millisecond + j + extra,
				P99: 2*time.Millisecond + j + extra}, Resources: res}
	}
	base, both := sweepStep{fixtures.Baseline, 4}, sweepStep{fixtures.Both, 4}
	runs := map[sweepStep][]*meshperf.Result{}
	for i := range 5 {
		runs[base] = append(runs[base], run("baseline", i, 0, map[string]meshperf.Resources{
			fixtures.App: {CPUMean: meshperf.CPU(100+i) * meshperf.Millicore, WorkingSetMax: 10 * meshperf.MiB}}))
		runs[both] = append(runs[both], run("both", i, 100*time.Microsecond, map[string]meshperf.Resources{
			fixtures.App:           {CPUMean: meshperf.CPU(100+i) * meshperf.Millicore, WorkingSetMax: 10 * meshperf.MiB},
			fixtures.ClientSidecar: {CPUMean: 50 * meshperf.Millicore, WorkingSetMax: 20 * meshperf.MiB},
			fixtures.ServerSidecar: {CPUMean: 50 * meshperf.Millicore, WorkingSetMax: 20 * meshperf.MiB}}))
	}
	os := sweepOverhead([]sweepStep{base, both}, runs, 0.95)
	if len(os) != 1 {
		t.Fatalf("%d overhead objects, want 1 (both)", len(os))
	}
	o := os[0]
	if o.Mode != "both" || o.Concurrency != 4 || o.BaselineRuns != 5 || o.Runs != 5 || o.Sidecar != "builtin" {
		t.Errorf("overhead %+v", o)
	}
	near := func(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
	for name, s := range map[string]*shiftJSON{"p50": o.P50, "p90": o.P90, "p99": o.P99} {
		if s == nil || !near(s.Estimate, 0.1) || s.Lo == nil || !(*s.Lo < 0.1 && *s.Hi > 0.1) || s.Confidence < 0.95 {
			t.Errorf("%s: %+v, want +0.1 ms inside a 95%% interval", name, s)
		}
	}
	if o.CPU == nil || !near(o.CPU.Estimate, 100) || o.Mem == nil || o.Mem.Estimate != 40<<20 {
		t.Errorf("cpu %+v mem %+v, want +100m and +40MiB", o.CPU, o.Mem)
	}
	b, err := json.Marshal(o)
	if err != nil || !strings.Contains(string(b), `"p50_ms":{"estimate":0.1`) {
		t.Errorf("JSON %s, %v", b, err)
	}
	var text bytes.Buffer
	printOverhead(&text, os)
	if !strings.Contains(text.String(), "+100µs [+") || !strings.Contains(text.String(), "+100m [+97m, +103m]") {
		t.Errorf("text:\n%s", text.String())
	}

	// A run without answered requests, or without readings: that metric is null.
	runs[both][2].Latency = latency.Summary{}
	runs[base][0].Resources = nil
	o = sweepOverhead([]sweepStep{base, both}, runs, 0.95)[0]
	if o.P50 != nil || o.CPU != nil || o.Mem != nil {
		t.Errorf("with a run lacking values: %+v", o)
	}
	// Too few runs for a 95% interval: null bounds.
	few := map[sweepStep][]*meshperf.Result{base: runs[base][1:3], both: runs[both][:2]}
	if o := sweepOverhead([]sweepStep{base, both}, few, 0.95)[0]; o.P99 == nil || o.P99.Lo != nil || o.P99.Hi != nil {
		t.Errorf("2 runs a side: %+v, want an estimate without bounds", o.P99)
	}
}

// TestSweepCount runs a real sweep on loopback with -count 4: the results
// file holds 4 runs of each step, grouped by step and labelled by round;
// the runs of each round follow the order the recorded seed shuffles; and
// every meshed step has an overhead object with a bounded interval, which
// the text output prints too.
func TestSweepCount(t *testing.T) {
	testenv.Long(t, "runs a sweep")
	selfAsMeshperf(t)
	results := filepath.Join(t.TempDir(), "sweep.json")
	const seed = 42
	code, stdout, stderr := runCLI(t, "sweep", "-loopback", "-mode", "baseline,both", "-c", "2,4", "-qps", "200", "-t", "300ms",
		"-warmup", "50ms", "-count", "4", "-seed", strconv.Itoa(seed), "-json", results)
	if code != exitOK {
		t.Fatalf("sweep: exit %d\n%s%s", code, stdout, stderr)
	}
	b, err := os.ReadFile(results)
	if err != nil {
		t.Fatal(err)
	}
	var doc sweepDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Steps) != 16 || doc.Config["seed"] != strconv.Itoa(seed) || doc.Config["count"] != "4" {
		t.Fatalf("%d steps, config %v; want 16 runs, seed %d and count 4", len(doc.Steps), doc.Config, seed)
	}
	order := []sweepStep{{fixtures.Baseline, 2}, {fixtures.Baseline, 4}, {fixtures.Both, 2}, {fixtures.Both, 4}}
	for i, r := range doc.Steps {
		want := order[i/4]
		if r.Labels["mode"] != string(want.mode) || r.Concurrency != want.c || r.Labels["round"] != strconv.Itoa(i%4+1) {
			t.Errorf("steps[%d] is %v c=%d, want %s c=%d round %d (grouped by step)", i, r.Labels, r.Concurrency, want.mode, want.c, i%4+1)
		}
	}
	// Within each round, the runs started in the seed's shuffled order.
	rng := rand.New(rand.NewPCG(seed, 0))
	for round := 1; round <= 4; round++ {
		want := slices.Clone(order)
		rng.Shuffle(len(want), func(i, j int) { want[i], want[j] = want[j], want[i] })
		var got []*meshperf.Result
		for _, r := range doc.Steps {
			if r.Labels["round"] == strconv.Itoa(round) {
				got = append(got, r)
			}
		}
		slices.SortFunc(got, func(a, b *meshperf.Result) int { return a.Start.Compare(b.Start) })
		for i, r := range got {
			if r.Labels["mode"] != string(want[i].mode) || r.Concurrency != want[i].c {
				t.Errorf("round %d: run %d was %s c=%d, want %s c=%d", round, i+1, r.Labels["mode"], r.Concurrency, want[i].mode, want[i].c)
			}
		}
	}
	if len(doc.Overhead) != 2 {
		t.Fatalf("%d overhead objects, want 2 (both at c=2 and c=4)", len(doc.Overhead))
	}
	for _, o := range doc.Overhead {
		if o.Runs != 4 || o.BaselineRuns != 4 || o.P50 == nil || o.P50.Lo == nil || o.P99 == nil || o.P99.Hi == nil {
			t.Errorf("overhead %+v: want 4 runs a side and bounded latency intervals", o)
		}
		// A short step may end before a resource reading: CPU and memory
		// are then null, and only then.
		read := true
		for _, r := range doc.Steps {
			if r.Concurrency == o.Concurrency && len(r.Resources) == 0 {
				read = false
			}
		}
		if (o.CPU != nil) != read || (o.Mem != nil) != read {
			t.Errorf("overhead c=%d: cpu %v, mem %v; every run has readings: %v", o.Concurrency, o.CPU, o.Mem, read)
		}
	}
	if !strings.Contains(stdout, "-seed 42") || !strings.Contains(stdout, "round 4 of 4") || !strings.Contains(stdout, "overhead over baseline") {
		t.Errorf("text output lacks the seed, the rounds or the overhead table:\n%s", stdout)
	}
	t.Logf("sweep output:\n%s", stdout)
}
