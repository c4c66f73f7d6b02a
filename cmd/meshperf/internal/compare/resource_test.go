package compare

import (
	"testing"

	"github.com/meshperf/meshperf/meshperf"
)

// A resource figure taken from outside the measured window is missing to
// compare, never a clean value.
func TestUnreliableResourceIsMissing(t *testing.T) {
	r := &meshperf.Result{Resources: map[string]meshperf.Resources{
		meshperf.ClientSidecar: {CPUMean: 100 * meshperf.Millicore, WorkingSetMax: meshperf.MiB},
		meshperf.ServerSidecar: {CPUMean: 5 * meshperf.Millicore, WorkingSetMax: meshperf.MiB, Unreliable: "1 reading in the window"},
	}}
	cases := []struct {
		name   string
		metric Metric
		want   float64
		ok     bool
	}{
		{name: "reliable client cpu", metric: ClientSidecarCPU, want: 100, ok: true},
		{name: "unreliable server cpu", metric: ServerSidecarCPU},
		{name: "sum with an unreliable part", metric: TotalSidecarCPU},
		{name: "unreliable server memory", metric: ServerSidecarMem},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.metric.value(r)
			if ok != tc.ok || (ok && (got < tc.want-1e-9 || got > tc.want+1e-9)) {
				t.Errorf("value = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}
