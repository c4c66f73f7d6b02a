package assertions

import (
	"slices"
	"strings"
	"testing"

	"github.com/meshperf/meshperf/meshperf"
)

// Resource figures taken from outside the measured window must fail every
// ceiling set on them, naming why, however low they read; and a sidecar
// totalled over several pods is judged per pod by the per-sidecar
// ceilings and in total by the total ones.
func TestBudgetSidecarFiguresMustBeReliable(t *testing.T) {
	const why = "0 kubelet reading(s) fell inside the 3s window"
	unreliable := func(key string) func(*meshperf.Result) {
		return func(r *meshperf.Result) {
			x := r.Resources[key]
			x.CPUMean, x.WorkingSetMax, x.Unreliable = 5*meshperf.Millicore, meshperf.MiB, why // idle time reads low
			r.Resources[key] = x
		}
	}
	threePods := func(r *meshperf.Result) {
		r.Resources[meshperf.ClientSidecar] = meshperf.Resources{CPUMean: 300 * meshperf.Millicore, WorkingSetMax: 60 * meshperf.MiB, Samples: 5,
			Pods: 3, BusiestPodCPU: 120 * meshperf.Millicore, LargestPodWorkingSet: 21 * meshperf.MiB}
	}
	tests := []struct {
		name       string
		budget     Budget
		res        *meshperf.Result
		want       []string // metrics of the violations; nil: passes
		wantReason string   // in every violation's message
	}{
		{name: "unreliable server sidecar fails SidecarCPU", budget: Budget{SidecarCPU: 500 * meshperf.Millicore},
			res: result(unreliable(meshperf.ServerSidecar)), want: []string{"server_sidecar_cpu"}, wantReason: "unreliable: " + why},
		{name: "unreliable client sidecar fails SidecarMemory", budget: Budget{SidecarMemory: 128 * meshperf.MiB},
			res: result(unreliable(meshperf.ClientSidecar)), want: []string{"client_sidecar_mem"}, wantReason: why},
		{name: "unreliable fails a named ceiling and a total", budget: Budget{ServerSidecarCPU: meshperf.Core, TotalSidecarMemory: meshperf.GiB},
			res: result(unreliable(meshperf.ServerSidecar)), want: []string{"server_sidecar_cpu", "server_sidecar_mem"}, wantReason: why},
		{name: "unreliable app fails AppCPU", budget: Budget{AppCPU: meshperf.Core}, res: result(unreliable(meshperf.App)),
			want: []string{"app_cpu"}, wantReason: why},
		{name: "unreliable figure without a ceiling on it passes", budget: Budget{P99: 1e9}, res: result(unreliable(meshperf.ServerSidecar))},
		{name: "several pods: per-sidecar ceiling on the busiest pod", budget: Budget{SidecarCPU: 150 * meshperf.Millicore, SidecarMemory: 32 * meshperf.MiB},
			res: result(threePods)},
		{name: "several pods: the busiest pod over the ceiling", budget: Budget{ClientSidecarCPU: 100 * meshperf.Millicore},
			res: result(threePods), want: []string{"client_sidecar_cpu"}, wantReason: "120m exceeds ceiling 100m"},
		{name: "several pods: the total counts every pod", budget: Budget{TotalSidecarCPU: 350 * meshperf.Millicore},
			res: result(threePods), want: []string{"total_sidecar_cpu"}, wantReason: "400m exceeds ceiling 350m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.budget.Evaluate(tt.res)
			if got := metrics(err); !slices.Equal(got, tt.want) {
				t.Fatalf("violations %q, want %q (err: %v)", got, tt.want, err)
			}
			if err == nil {
				return
			}
			for _, v := range err.(Violations) {
				if !strings.Contains(v.Error(), tt.wantReason) {
					t.Errorf("%q does not say %q", v.Error(), tt.wantReason)
				}
			}
		})
	}
}

// An overhead on CPU fails when either side's figures are unreliable.
func TestOverheadCPUMustBeReliable(t *testing.T) {
	meshed := result(func(r *meshperf.Result) {
		x := r.Resources[meshperf.ServerSidecar]
		x.Unreliable = "1 reading"
		r.Resources[meshperf.ServerSidecar] = x
	})
	err := Overhead{CPU: meshperf.Core}.Evaluate(baseline(), meshed)
	if got := metrics(err); !slices.Equal(got, []string{"overhead_cpu"}) || !strings.Contains(err.Error(), "unreliable: meshed server-sidecar: 1 reading") {
		t.Errorf("violations %q: %v", got, err)
	}
	if err := (Overhead{CPU: meshperf.Core}).Evaluate(baseline(), result()); err != nil {
		t.Errorf("reliable figures: %v", err)
	}
}
