package meshperf

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"testing"
	"time"
)

// MetricReporter receives benchmark metrics; *testing.B is one.
type MetricReporter interface {
	ReportMetric(n float64, unit string)
}

// A metric meshperf reports: its unit and which direction is better.
type metric struct {
	unit   string
	better string // "lower" or "higher"
	value  func(*Result) (float64, bool)
}

func dur(d time.Duration) float64 { return float64(d) }

// metrics is the fixed set Report emits. Units are whitespace-free and end in
// a unit benchstat scales: "-ns" becomes seconds with SI prefixes.
var metrics = []metric{
	{"p50-ns", "lower", func(r *Result) (float64, bool) { return dur(r.Latency.P50), r.Latency.Count > 0 }},
	{"p90-ns", "lower", func(r *Result) (float64, bool) { return dur(r.Latency.P90), r.Latency.Count > 0 }},
	{"p99-ns", "lower", func(r *Result) (float64, bool) { return dur(r.Latency.P99), r.Latency.Count > 0 }},
	{"p999-ns", "lower", func(r *Result) (float64, bool) { return dur(r.Latency.P999), r.Latency.Count > 0 }},
	{"max-ns", "lower", func(r *Result) (float64, bool) { return dur(r.Latency.Max), r.Latency.Count > 0 }},
	{"svc-p99-ns", "lower", func(r *Result) (float64, bool) { return dur(r.Service.P99), r.Service.Count > 0 }},
	{"req/s", "higher", func(r *Result) (float64, bool) { return r.ActualQPS, true }},
	{"err-%", "lower", func(r *Result) (float64, bool) { return 100 * r.ErrorRate(), true }},
	{"late-%", "lower", func(r *Result) (float64, bool) {
		if r.Requests == 0 {
			return 0, false
		}
		return 100 * float64(r.Late) / float64(r.Requests), r.RequestedQPS > 0
	}},
	{"lag-p99-ns", "lower", func(r *Result) (float64, bool) { return dur(r.SendLag.P99), r.SendLag.Count > 0 }},
}

// Report reports res on b as benchmark metrics, one sample per run, and
// hides ns/op, which means nothing for a load run. Name sub-benchmarks
// key=value (mode=both/conc=16) so that `benchstat -col /mode` compares
// them; WriteUnits declares which direction of each metric is better.
func Report(b *testing.B, res *Result) { ReportTo(b, res) }

// ReportTo is Report for any MetricReporter. Besides the latency metrics it
// reports, for each component in res.Resources, NAME-cpu-mcores (mean CPU
// over the window) and NAME-mem-B (peak working set); when the component
// ran in several pods these are totals, and NAME-busiest-pod-cpu-mcores
// and NAME-largest-pod-mem-B give the single pod's. A component whose
// figures are Unreliable reports none of them: a number benchstat would
// compare as if it described the window is left out instead.
func ReportTo(r MetricReporter, res *Result) {
	r.ReportMetric(0, "ns/op")
	for _, m := range metrics {
		if v, ok := m.value(res); ok {
			r.ReportMetric(v, m.unit)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(res.Resources)) {
		x := res.Resources[name]
		if x.Unreliable != "" {
			continue // not the window's figure: the JSON keeps it, with why
		}
		r.ReportMetric(x.CPUMean.Millicores(), name+"-cpu-mcores")
		r.ReportMetric(float64(x.WorkingSetMax), name+"-mem-B")
		if x.Pods > 1 {
			r.ReportMetric(x.BusiestPodCPU.Millicores(), name+"-busiest-pod-cpu-mcores")
			r.ReportMetric(float64(x.LargestPodWorkingSet), name+"-largest-pod-mem-B")
		}
	}
}

// resourceUnits are the per-component units ReportTo may emit.
var resourceUnits = []string{"client-sidecar", "server-sidecar", "app"}

// WriteUnits writes benchfmt unit lines ("Unit p99-ns better=lower") for
// every metric Report emits. Call it from TestMain with os.Stdout so that
// benchstat knows which way is better (capacity.WriteUnits adds the
// capacity search's).
func WriteUnits(w io.Writer) error {
	for _, m := range metrics {
		if _, err := fmt.Fprintf(w, "Unit %s better=%s\n", m.unit, m.better); err != nil {
			return err
		}
	}
	for _, name := range resourceUnits {
		if _, err := fmt.Fprintf(w, "Unit %[1]s-cpu-mcores better=lower\nUnit %[1]s-mem-B better=lower\n"+
			"Unit %[1]s-busiest-pod-cpu-mcores better=lower\nUnit %[1]s-largest-pod-mem-B better=lower\n", name); err != nil {
			return err
		}
	}
	return nil
}
