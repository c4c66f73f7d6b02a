package assertions

import (
	"slices"
	"testing"

	"github.com/meshperf/meshperf/meshperf"
)

// budgetGaps are the words of meshperf.Metrics that no budget clause
// limits, and why: svc_p99 and lag_p99 describe the generator, not what a
// user sees; qps is limited as a share of the plan (qps_ratio); late is
// gated through unsent, which it precedes; the app's memory has no
// ceiling; budgets judge each instance and the sidecar total, not one
// component's sum over its pods.
var budgetGaps = []string{"svc_p99", "qps", "late", "lag_p99", "app_all_pods_cpu", "app_all_pods_mem", "app_mem",
	"client_sidecar_all_pods_cpu", "client_sidecar_all_pods_mem", "server_sidecar_all_pods_cpu", "server_sidecar_all_pods_mem"}

// Every clause of the text form is a word of meshperf.Metrics with the
// same unit, a floor exactly when higher is better, and every word is a
// clause's or a documented gap.
func TestClausesFollowMetrics(t *testing.T) {
	used := map[string]bool{}
	for _, c := range clauses {
		m, ok := meshperf.LookupMetric(c.metric)
		if !ok {
			t.Errorf("clause %s: metric %q is not in meshperf.Metrics", c.name, c.metric)
			continue
		}
		used[m.Name] = true
		if m.Unit != c.unit {
			t.Errorf("clause %s: unit %s, meshperf.Metrics says %s", c.name, c.unit, m.Unit)
		}
		if floor := m.Better == "higher"; floor != c.floor && c.metric == c.name {
			t.Errorf("clause %s: floor %v, but %s is better %s", c.name, c.floor, m.Name, m.Better)
		}
	}
	var gaps []string
	for _, m := range meshperf.Metrics() {
		if !used[m.Name] {
			gaps = append(gaps, m.Name)
		}
	}
	if !slices.Equal(gaps, budgetGaps) {
		t.Errorf("words no clause limits: %v, documented: %v", gaps, budgetGaps)
	}
}
