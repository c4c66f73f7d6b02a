package assertions

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/latency"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// fakeT records what testify sends it.
type fakeT struct {
	errors  []string
	failNow int
	helpers int
}

func (t *fakeT) Errorf(format string, args ...any) {
	t.errors = append(t.errors, fmt.Sprintf(format, args...))
}
func (t *fakeT) FailNow() { t.failNow++ }
func (t *fakeT) Helper()  { t.helpers++ }

// errorTrace matches testify's "Error Trace:" block, which holds paths and
// line numbers that differ between machines.
var errorTrace = regexp.MustCompile(`(?s)\tError Trace:.*?\n(\tError:)`)

// output is what t recorded, without the error traces.
func (t *fakeT) output() string {
	var b strings.Builder
	for _, e := range t.errors {
		b.WriteString(errorTrace.ReplaceAllString(e, "$1"))
	}
	fmt.Fprintf(&b, "FailNow calls: %d\n", t.failNow)
	return b.String()
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run go test -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// result builds a healthy synthetic Result: a meshed step at 1000 QPS, c=8,
// 1000 answered requests, p50 200µs … max 2ms, both sidecars at 100m and
// 20MiB, the app at 300m.
func result(edit ...func(*meshperf.Result)) *meshperf.Result {
	r := &meshperf.Result{
		Labels:       map[string]string{"mode": "both", "sidecar": "haproxy"},
		RequestedQPS: 1000,
		ActualQPS:    1000,
		Concurrency:  8,
		Requests:     1000,
		StatusCodes:  map[int]int64{200: 1000},
		Latency: latency.Summary{
			Count: 1000,
			P50:   200 * time.Microsecond, P75: 250 * time.Microsecond, P90: 300 * time.Microsecond,
			P99: 400 * time.Microsecond, P999: time.Millisecond, Max: 2 * time.Millisecond,
		},
		Resources: map[string]meshperf.Resources{
			meshperf.ClientSidecar: {CPUMean: 100 * meshperf.Millicore, CPUMax: 150 * meshperf.Millicore, WorkingSetMean: 18 * meshperf.MiB, WorkingSetMax: 20 * meshperf.MiB},
			meshperf.ServerSidecar: {CPUMean: 100 * meshperf.Millicore, CPUMax: 150 * meshperf.Millicore, WorkingSetMean: 18 * meshperf.MiB, WorkingSetMax: 20 * meshperf.MiB},
			meshperf.App:           {CPUMean: 300 * meshperf.Millicore, CPUMax: 400 * meshperf.Millicore, WorkingSetMax: 10 * meshperf.MiB},
		},
	}
	for _, e := range edit {
		e(r)
	}
	return r
}

// baseline builds the healthy baseline step matching result.
func baseline(edit ...func(*meshperf.Result)) *meshperf.Result {
	return result(append([]func(*meshperf.Result){func(r *meshperf.Result) {
		r.Labels = map[string]string{"mode": "baseline"}
		r.Latency.P50, r.Latency.P90, r.Latency.P99 = 150*time.Microsecond, 220*time.Microsecond, 300*time.Microsecond
		r.Latency.P999, r.Latency.Max = 800*time.Microsecond, 1500*time.Microsecond
		r.Resources = map[string]meshperf.Resources{meshperf.App: {CPUMean: 250 * meshperf.Millicore}}
	}}, edit...)...)
}

// metrics lists the Metric of each violation in err.
func metrics(err error) []string {
	vs, ok := err.(Violations)
	if !ok {
		return nil
	}
	var ms []string
	for _, v := range vs {
		ms = append(ms, v.Metric)
	}
	return ms
}
