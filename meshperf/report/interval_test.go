package report

import (
	"testing"
	"time"

	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/latency"
)

// The overhead table's interval column: the 95% interval of the shift from
// the repeated runs, or why there is none.
func TestFmtInterval(t *testing.T) {
	runs := func(n int, p50 time.Duration) step {
		var s step
		for i := range n {
			s.runs = append(s.runs, &meshperf.Result{Latency: latency.Summary{Count: 100, P50: p50 + time.Duration(i*10)*time.Microsecond}})
		}
		return s
	}
	p50 := func(r *meshperf.Result) (float64, bool) { return float64(r.Latency.P50), true }
	tests := []struct {
		name      string
		base, got step
		want      string
	}{
		{name: "5 a side, +100µs", base: runs(5, 200*time.Microsecond), got: runs(5, 300*time.Microsecond), want: "+70µs to +130µs"},
		{name: "5 a side, −100µs", base: runs(5, 300*time.Microsecond), got: runs(5, 200*time.Microsecond), want: "−130µs to −70µs"},
		{name: "one run a side", base: runs(1, 200*time.Microsecond), got: runs(1, 300*time.Microsecond), want: "needs ≥ 4 runs a side (1+1)"},
		{name: "no samples", base: step{runs: []*meshperf.Result{{}}}, got: runs(1, time.Millisecond), want: "–"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fmtInterval(tt.base, tt.got, p50); got != tt.want {
				t.Errorf("fmtInterval = %q, want %q", got, tt.want)
			}
		})
	}
}
