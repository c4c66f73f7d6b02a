package meshperf

import (
	"fmt"
	"io"
	"testing"
)

// MetricReporter receives benchmark metrics; *testing.B is one.
type MetricReporter interface {
	ReportMetric(n float64, unit string)
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
	for _, m := range Metrics() {
		if v, ok := m.benchValue(res); ok {
			r.ReportMetric(v, m.Bench)
		}
	}
}

// WriteUnits writes benchfmt unit lines ("Unit p99-ns better=lower") for
// every metric Report emits. Call it from TestMain with os.Stdout so that
// benchstat knows which way is better (capacity.WriteUnits adds the
// capacity search's).
func WriteUnits(w io.Writer) error {
	for _, m := range Metrics() {
		if m.Bench == "" {
			continue
		}
		if _, err := fmt.Fprintf(w, "Unit %s better=%s\n", m.Bench, m.Better); err != nil {
			return err
		}
	}
	return nil
}
