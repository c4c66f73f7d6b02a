package assertions_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/meshperf/meshperf/assertions"
	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/latency"
)

// In a benchmark, call Budget.Check(b, res) or Budget.Require(b, res); a CLI
// gate uses Evaluate and the typed violations.
func ExampleBudget_Evaluate() {
	res := &meshperf.Result{
		Labels:       map[string]string{"mode": "both", "sidecar": "haproxy"},
		RequestedQPS: 1000, ActualQPS: 998, Concurrency: 8,
		Requests: 30000, StatusCodes: map[int]int64{200: 30000},
		Latency: latency.Summary{Count: 30000, P50: 390 * time.Microsecond, P99: 6200 * time.Microsecond},
		Resources: map[string]meshperf.Resources{
			"client-sidecar": {CPUMean: 110 * meshperf.Millicore, WorkingSetMax: 15 * meshperf.MiB},
			"server-sidecar": {CPUMean: 105 * meshperf.Millicore, WorkingSetMax: 20 * meshperf.MiB},
		},
	}
	budget := assertions.Budget{P99: 5 * time.Millisecond, SidecarCPU: 500 * meshperf.Millicore,
		SidecarMemory: 128 * meshperf.MiB, MaxErrorRate: 0.001}

	err := budget.Evaluate(res)
	var v *assertions.Violation
	if errors.As(err, &v) {
		fmt.Println(v.Metric, v.Limit, v.Got)
	}
	fmt.Println(err)
	// Output:
	// p99 5ms 6.2ms
	// assertions: p99 6.20ms exceeds ceiling 5.00ms (30000 samples; mode=both sidecar=haproxy conc=8 qps=1000)
}

func ExampleParseBudget() {
	th, err := assertions.ParseBudget("p99<5ms,err<0.1%,sidecar_mem<128Mi,qps_ratio>0.99,overhead_p50<20%")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(th.Budget.P99, th.Budget.MaxErrorRate, th.Budget.SidecarMemory, th.Overhead.P50)
	fmt.Println(th)

	_, err = assertions.ParseBudget("p99>5ms")
	fmt.Println(err)
	// Output:
	// 5ms 0.001 128.0MiB 20%
	// p99<5ms,err<0.1%,qps_ratio>0.99,sidecar_mem<128Mi,overhead_p50<20%
	// assertions: budget clause 1 "p99>5ms": p99 takes a ceiling: write p99<5ms
}
