package capacity

import (
	"fmt"
	"io"
	"testing"

	"github.com/meshperf/meshperf/meshperf"
)

// metrics are the units ReportTo emits, and which way is better;
// WriteUnits declares them.
var metrics = []struct{ unit, better string }{
	{"max-qps", "higher"},
	{"max-qps-spread-%", "lower"},
}

// Report reports the capacity on b as the metric max-qps (and, with
// boundary repeats, max-qps-spread-%, the tries' spread in percent), and
// hides ns/op. It reports nothing else when no rate passed in every try.
func Report(b *testing.B, c *Result) { ReportTo(b, c) }

// ReportTo is Report for any meshperf.MetricReporter.
func ReportTo(r meshperf.MetricReporter, c *Result) {
	r.ReportMetric(0, "ns/op")
	if c == nil || c.QPS == 0 {
		return
	}
	r.ReportMetric(c.QPS, "max-qps")
	if len(c.Tries) > 1 {
		r.ReportMetric(100*c.Spread, "max-qps-spread-%")
	}
}

// WriteUnits writes the benchfmt unit lines ("Unit max-qps better=higher")
// of the metrics Report emits. Call it from TestMain, after
// meshperf.WriteUnits, in a package whose benchmarks search capacity.
func WriteUnits(w io.Writer) error {
	for _, m := range metrics {
		if _, err := fmt.Fprintf(w, "Unit %s better=%s\n", m.unit, m.better); err != nil {
			return err
		}
	}
	return nil
}
