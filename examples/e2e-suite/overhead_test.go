package e2esuite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"sigs.k8s.io/e2e-framework/pkg/envconf"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/meshperf/meshperf/assertions"
	"github.com/meshperf/meshperf/fixtures"
	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/latency"
)

// The feature's sweep: short, because it runs with every e2e run. Each
// step lasts as long as Setup says its cluster needs (steps).
var concurrencies = []int{2, 16}

// budget holds for every step on a 2-core machine with room for noise:
// sidecar pairs read p50 0.3–1 ms and use 80–320 millicores each at 1000
// req/s.
var budget = assertions.Budget{
	P50:           2 * time.Millisecond,
	P99:           50 * time.Millisecond,
	MaxErrorRate:  0.001,
	MinQPSRatio:   0.95,
	SidecarCPU:    500 * meshperf.Millicore,
	SidecarMemory: 128 * meshperf.MiB,
}

// overhead bounds what the sidecar pair adds at the median: the built-in
// proxy pair adds 0.35–0.6 ms on an idle 2-core machine.
var overhead = assertions.Overhead{P50: 2 * time.Millisecond}

func TestSidecarOverhead(t *testing.T) {
	f := features.New("sidecar overhead").
		WithLabel("type", "performance").
		Assess("baseline and both keep their budgets", func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			cluster, s, w := clusterFrom(ctx, t)
			for _, c := range concurrencies {
				t.Run(fmt.Sprintf("conc=%d", c), func(t *testing.T) {
					opts := []meshperf.Option{meshperf.QPS(1000), meshperf.Concurrency(c), meshperf.Duration(s), meshperf.Warmup(w)}
					base := meshperf.Run(t, cluster.Target(fixtures.Baseline), opts...)
					both := meshperf.Run(t, cluster.Target(fixtures.Both), opts...)
					budget.Check(t, base)
					budget.Check(t, both)
					overhead.Check(t, base, both)
					f := latency.Format
					t.Logf("baseline → both: p50 %s → %s, p99 %s → %s; sidecars %.0fm and %.0fm", f(base.Latency.P50), f(both.Latency.P50),
						f(base.Latency.P99), f(both.Latency.P99), both.Resources[fixtures.ClientSidecar].CPUMean.Millicores(), both.Resources[fixtures.ServerSidecar].CPUMean.Millicores())
				})
			}
			return ctx
		}).
		Feature()
	testenv.Test(t, f)
}
