package assertions

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meshperf/meshperf/meshperf"
)

func TestOverheadEvaluate(t *testing.T) {
	// baseline(): p50 150µs p90 220µs p99 300µs p999 800µs max 1.5ms, app 250m.
	// result():   p50 200µs p90 300µs p99 400µs p999 1ms   max 2ms, 500m in all.
	tests := []struct {
		name     string
		overhead Overhead
		base     *meshperf.Result
		meshed   *meshperf.Result
		want     []string
	}{
		{name: "no limits", base: baseline(), meshed: result()},
		{name: "absolute within", overhead: Overhead{P50: 50 * time.Microsecond, P90: 80 * time.Microsecond, P99: 100 * time.Microsecond,
			P999: 200 * time.Microsecond, Max: time.Millisecond, CPU: 250 * meshperf.Millicore}, base: baseline(), meshed: result()},
		{name: "absolute over", overhead: Overhead{P50: 49 * time.Microsecond, P90: 79 * time.Microsecond, P99: 99 * time.Microsecond,
			P999: 199 * time.Microsecond, Max: 499 * time.Microsecond, CPU: 249 * meshperf.Millicore}, base: baseline(), meshed: result(),
			want: []string{"overhead_p50", "overhead_p90", "overhead_p99", "overhead_p999", "overhead_max", "overhead_cpu"}},
		{name: "relative within", overhead: Overhead{P50: Percent(34), P99: Percent(34), CPU: Percent(100)}, base: baseline(), meshed: result()},
		{name: "relative over", overhead: Overhead{P50: Percent(33), P99: Percent(20), CPU: Percent(99)}, base: baseline(), meshed: result(),
			want: []string{"overhead_p50", "overhead_p99", "overhead_cpu"}},
		{name: "faster meshed passes a zero ceiling", overhead: Overhead{P99: time.Duration(0), P50: Percent(0)}, base: result(), meshed: baseline()},
		{name: "baseline without samples", overhead: Overhead{P99: Percent(1000)}, base: baseline(func(r *meshperf.Result) { r.Latency.Count = 0 }),
			meshed: result(), want: []string{"samples"}},
		{name: "meshed over the error rate", base: baseline(), meshed: result(func(r *meshperf.Result) {
			r.StatusCodes = map[int]int64{200: 900, 503: 100}
		}), want: []string{"err"}},
		{name: "own error ceiling", overhead: Overhead{MaxErrorRate: 0.2}, base: baseline(), meshed: result(func(r *meshperf.Result) {
			r.StatusCodes = map[int]int64{200: 900, 503: 100}
		})},
		{name: "zero baseline CPU is infinitely over", overhead: Overhead{CPU: Percent(1000)},
			base: baseline(func(r *meshperf.Result) { r.Resources[meshperf.App] = meshperf.Resources{} }), meshed: result(), want: []string{"overhead_cpu"}},
		{name: "CPU not measured", overhead: Overhead{CPU: meshperf.Core}, base: baseline(), meshed: result(func(r *meshperf.Result) {
			r.Resources = nil
		}), want: []string{"overhead_cpu"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.overhead.Evaluate(tt.base, tt.meshed)
			if got := metrics(err); !slices.Equal(got, tt.want) || (err == nil) != (tt.want == nil) {
				t.Fatalf("Evaluate: violations %q, want %q (err: %v)", got, tt.want, err)
			}
		})
	}
}

func TestOverheadInvalid(t *testing.T) {
	tests := []struct {
		name     string
		overhead Overhead
		want     string
	}{
		{name: "CPU on latency", overhead: Overhead{P99: meshperf.Core}, want: "Overhead.P99 = 1000m (CPU): use a time.Duration or a Percent"},
		{name: "duration on CPU", overhead: Overhead{CPU: time.Millisecond}, want: "Overhead.CPU = 1ms: use a meshperf.CPU or a Percent"},
		{name: "other type", overhead: Overhead{P50: meshperf.MiB}, want: "Overhead.P50 = 1.0MiB (meshperf.Bytes): use a time.Duration or a Percent"},
		{name: "negative", overhead: Overhead{P90: -time.Microsecond}, want: "Overhead.P90 = -1µs: a ceiling must be ≥ 0"},
		{name: "negative percent", overhead: Overhead{Max: Percent(-5)}, want: "Overhead.Max = -5%"},
		{name: "error rate", overhead: Overhead{MaxErrorRate: -1}, want: "Overhead.MaxErrorRate = -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.overhead.Evaluate(baseline(), result())
			if err == nil || !strings.Contains(err.Error(), tt.want) || metrics(err) != nil {
				t.Fatalf("Evaluate = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if err := (Overhead{}).Evaluate(nil, result()); err == nil {
		t.Error("Evaluate(nil, …) = nil, want an error")
	}
}
