package meshperf

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// Every word of the vocabulary is well formed: a unique name, one of the
// known units and directions, a reader, and a benchstat unit of its own.
func TestMetricsWellFormed(t *testing.T) {
	names, bench := map[string]bool{}, map[string]bool{}
	for _, m := range Metrics() {
		if names[m.Name] {
			t.Errorf("%s: named twice", m.Name)
		}
		names[m.Name] = true
		if !slices.Contains([]string{"ns", "req/s", "share", "mcores", "B"}, m.Unit) {
			t.Errorf("%s: unit %q is not one the consumers know", m.Name, m.Unit)
		}
		if m.Better != "lower" && m.Better != "higher" {
			t.Errorf("%s: better %q", m.Name, m.Better)
		}
		if m.Value == nil {
			t.Errorf("%s: no reader", m.Name)
		}
		if m.Bench != "" && bench[m.Bench] {
			t.Errorf("%s: benchstat unit %s used twice", m.Name, m.Bench)
		}
		bench[m.Bench] = true
		if got, ok := LookupMetric(m.Name); !ok || got.Name != m.Name {
			t.Errorf("LookupMetric(%q) = %v, %v", m.Name, got.Name, ok)
		}
	}
}

// benchGaps are the words ReportTo does not report, and why: a ratio to the
// plan (qps_ratio) and the unsent share gate a run rather than compare
// runs, and the sidecar maximum and sums follow from the per-component
// metrics benchstat already has.
var benchGaps = []string{"qps_ratio", "unsent", "sidecar_cpu", "sidecar_mem", "total_sidecar_cpu", "total_sidecar_mem", "total_cpu"}

// WriteUnits declares every unit ReportTo can report, with the word's
// direction, and the words without a benchstat unit are the documented gaps.
func TestWriteUnitsFollowsMetrics(t *testing.T) {
	var b strings.Builder
	if err := WriteUnits(&b); err != nil {
		t.Fatal(err)
	}
	var gaps []string
	for _, m := range Metrics() {
		if m.Bench == "" {
			gaps = append(gaps, m.Name)
			continue
		}
		if line := fmt.Sprintf("Unit %s better=%s\n", m.Bench, m.Better); !strings.Contains(b.String(), line) {
			t.Errorf("WriteUnits lacks %q", line)
		}
	}
	if !slices.Equal(gaps, benchGaps) {
		t.Errorf("words without a benchstat unit: %v, documented: %v", gaps, benchGaps)
	}
}

// sidecar_cpu is each sidecar: the higher of the two per-instance figures
// (the busiest pod's with several pods); total_sidecar_cpu their sum over
// every pod; an unreliable part leaves a word without a value.
func TestMetricsSidecarWords(t *testing.T) {
	r := &Result{Resources: map[string]Resources{
		ClientSidecar: {CPUMean: 0.6, WorkingSetMax: 6 * MiB, Pods: 3, BusiestPodCPU: 0.3, LargestPodWorkingSet: 3 * MiB},
		ServerSidecar: {CPUMean: 0.2, WorkingSetMax: 8 * MiB},
		App:           {CPUMean: 0.1, Unreliable: "1 reading"},
	}}
	for name, want := range map[string]float64{"sidecar_cpu": 300, "sidecar_mem": float64(8 * MiB),
		"client_sidecar_cpu": 300, "client_sidecar_all_pods_cpu": 600, "server_sidecar_cpu": 200,
		"total_sidecar_cpu": 800, "total_sidecar_mem": float64(14 * MiB)} {
		m, _ := LookupMetric(name)
		if got, ok := m.Value(r); !ok || got < want-1e-6 || got > want+1e-6 {
			t.Errorf("%s = %v, %v; want %v", name, got, ok, want)
		}
	}
	for _, name := range []string{"app_cpu", "total_cpu"} {
		m, _ := LookupMetric(name)
		if got, ok := m.Value(r); ok {
			t.Errorf("%s = %v from an unreliable figure", name, got)
		}
	}
}
