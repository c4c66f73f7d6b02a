package compare

import (
	"slices"
	"testing"

	"github.com/meshperf/meshperf/meshperf"
)

// compareGaps are the words of meshperf.Metrics that -fail-on does not
// gate, and why: svc_p99, lag_p99 and late describe the generator; compare
// gates qps itself rather than its ratio to the plan, and fails a step over
// -max-unsent whatever the clauses; the app is not gated; sidecar_cpu and
// sidecar_mem are refused (renamed) since they once meant the sum here;
// total_cpu and a component's sum over its pods are not gated.
var compareGaps = []string{"svc_p99", "qps_ratio", "late", "unsent", "lag_p99", "app_all_pods_cpu", "app_all_pods_mem",
	"app_cpu", "app_mem", "client_sidecar_all_pods_cpu", "client_sidecar_all_pods_mem", "server_sidecar_all_pods_cpu",
	"server_sidecar_all_pods_mem", "sidecar_cpu", "sidecar_mem", "total_cpu"}

// Every -fail-on metric is a word of meshperf.Metrics whose unit compare
// knows and whose direction it follows; every other word is a documented
// gap, and each refused old word is one of them.
func TestMetricsFollowVocabulary(t *testing.T) {
	used := map[string]bool{}
	for _, m := range Metrics {
		d, ok := meshperf.LookupMetric(string(m))
		if !ok {
			t.Errorf("%s is not in meshperf.Metrics", m)
			continue
		}
		used[d.Name] = true
		if _, ok := kinds[d.Unit]; !ok {
			t.Errorf("%s: unit %s has no kind", m, d.Unit)
		}
		if m.HigherIsWorse() != (d.Better == "lower") {
			t.Errorf("%s: HigherIsWorse %v, but better %s", m, m.HigherIsWorse(), d.Better)
		}
	}
	for _, m := range TableMetrics {
		if !slices.Contains(Metrics, m) {
			t.Errorf("table metric %s is not a -fail-on metric", m)
		}
	}
	for _, d := range meshperf.Metrics() {
		switch gap := slices.Contains(compareGaps, d.Name); {
		case gap && used[d.Name]:
			t.Errorf("%s is gated, but listed as a gap", d.Name)
		case !gap && !used[d.Name]:
			t.Errorf("%s is neither gated nor a documented gap", d.Name)
		}
	}
	for _, g := range compareGaps {
		if _, ok := meshperf.LookupMetric(g); !ok {
			t.Errorf("gap %s is not in meshperf.Metrics", g)
		}
	}
	for old := range renamed {
		if !slices.Contains(compareGaps, old) {
			t.Errorf("refused word %s is not a documented gap", old)
		}
	}
}
