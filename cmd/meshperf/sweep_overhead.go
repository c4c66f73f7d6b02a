package main

import (
	"fmt"
	"io"
	"math"
	"time"

	"github.com/meshperf/meshperf/fixtures"
	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/latency"
	"github.com/meshperf/meshperf/meshperf/stats"
)

// sweepStep is one (mode, concurrency) step of a sweep.
type sweepStep struct {
	mode fixtures.Mode
	c    int
}

// stepOverhead is the "overhead" object of a sweep document for one meshed
// step: how much it adds over the baseline step at the same concurrency,
// estimated from the repeated runs of both (Hodges–Lehmann shift, meshed
// minus baseline, with its Mann–Whitney interval; see package
// meshperf/stats).
type stepOverhead struct {
	Mode         string  `json:"mode"`
	Sidecar      string  `json:"sidecar,omitempty"`
	Concurrency  int     `json:"concurrency"`
	RequestedQPS float64 `json:"requested_qps"`
	BaselineRuns int     `json:"baseline_runs"`
	Runs         int     `json:"runs"`
	// Confidence is the requested level of every interval, 0–1.
	Confidence float64 `json:"confidence"`
	// Latency percentiles in milliseconds; null when a run on either side
	// answered no request.
	P50 *shiftJSON `json:"p50_ms"`
	P90 *shiftJSON `json:"p90_ms"`
	P99 *shiftJSON `json:"p99_ms"`
	// CPU is the mean CPU summed over every measured component (app and
	// sidecars), in millicores; Mem the working-set maximum summed the same
	// way, in bytes. Null when a run on either side has no readings.
	CPU *shiftJSON `json:"cpu_mcores"`
	Mem *shiftJSON `json:"mem_bytes"`
}

// shiftJSON is one estimate with its interval. Lo and Hi are null when too
// few runs give no interval at the level (3 a side or fewer at 95%).
type shiftJSON struct {
	Estimate float64  `json:"estimate"`
	Lo       *float64 `json:"lo"`
	Hi       *float64 `json:"hi"`
	// Confidence is the interval's achieved level, at least the requested.
	Confidence float64 `json:"confidence"`
}

// sweepOverhead estimates, for each meshed step with runs on both sides,
// its overhead over the baseline step at the same concurrency. It returns
// nothing when the sweep has no baseline mode.
func sweepOverhead(order []sweepStep, runs map[sweepStep][]*meshperf.Result, level float64) []stepOverhead {
	var out []stepOverhead
	for _, st := range order {
		base := runs[sweepStep{fixtures.Baseline, st.c}]
		meshed := runs[st]
		if st.mode == fixtures.Baseline || len(base) == 0 || len(meshed) == 0 {
			continue
		}
		o := stepOverhead{Mode: string(st.mode), Sidecar: meshed[0].Labels["sidecar"], Concurrency: st.c,
			RequestedQPS: meshed[0].RequestedQPS, BaselineRuns: len(base), Runs: len(meshed), Confidence: level}
		ns := func(l func(latency.Summary) time.Duration) func(*meshperf.Result) (float64, bool) {
			return func(r *meshperf.Result) (float64, bool) {
				return float64(l(r.Latency)), r.Latency.Count > 0 && r.Overflow == 0
			}
		}
		o.P50 = shiftOf(base, meshed, level, 1, 1e6, ns(func(l latency.Summary) time.Duration { return l.P50 }))
		o.P90 = shiftOf(base, meshed, level, 1, 1e6, ns(func(l latency.Summary) time.Duration { return l.P90 }))
		o.P99 = shiftOf(base, meshed, level, 1, 1e6, ns(func(l latency.Summary) time.Duration { return l.P99 }))
		o.CPU = shiftOf(base, meshed, level, 1e-3, 1, func(r *meshperf.Result) (float64, bool) {
			var sum float64
			for _, x := range r.Resources {
				sum += x.CPUMean.Millicores()
			}
			return sum, len(r.Resources) > 0
		})
		o.Mem = shiftOf(base, meshed, level, 1, 1, func(r *meshperf.Result) (float64, bool) {
			var sum float64
			for _, x := range r.Resources {
				sum += float64(x.WorkingSetMax)
			}
			return sum, len(r.Resources) > 0
		})
		out = append(out, o)
	}
	return out
}

// shiftOf reads a value from every run and estimates the shift; nil when a
// run lacks the value. The estimate and bounds are rounded to a multiple of
// quantum (in the unit get reads), then divided by div (ns to ms: 1e6).
func shiftOf(base, meshed []*meshperf.Result, level, quantum, div float64, get func(*meshperf.Result) (float64, bool)) *shiftJSON {
	values := func(rs []*meshperf.Result) ([]float64, bool) {
		v := make([]float64, len(rs))
		for i, r := range rs {
			x, ok := get(r)
			if !ok {
				return nil, false
			}
			v[i] = x
		}
		return v, true
	}
	x, ok1 := values(base)
	y, ok2 := values(meshed)
	if !ok1 || !ok2 {
		return nil
	}
	s, err := stats.HodgesLehmann(x, y, level)
	if err != nil {
		return nil
	}
	r := func(v float64) float64 { return math.Round(v/quantum) / (div / quantum) }
	j := &shiftJSON{Estimate: r(s.Estimate), Confidence: s.Confidence}
	if s.Bounded() {
		lo, hi := r(s.Lo), r(s.Hi)
		j.Lo, j.Hi = &lo, &hi
	}
	return j
}

// printOverhead writes the overhead table of a sweep: per meshed step and
// metric, the estimate and its interval.
func printOverhead(w io.Writer, os []stepOverhead) {
	if len(os) == 0 {
		return
	}
	fmt.Fprintf(w, "\noverhead over baseline (Hodges–Lehmann estimate [%s interval]; cpu and mem: every measured component)\n",
		pct(os[0].Confidence))
	fmt.Fprintf(w, "%-12s %5s %5s %27s %27s %27s %23s %27s\n", "mode", "conc", "runs", "p50", "p90", "p99", "cpu", "mem")
	for _, o := range os {
		lat := func(s *shiftJSON) string {
			return interval(s, func(v float64) string { return latency.Format(time.Duration(math.Round(v * 1e6))) })
		}
		fmt.Fprintf(w, "%-12s %5d %2d+%-2d %27s %27s %27s %23s %27s\n", o.Mode, o.Concurrency, o.BaselineRuns, o.Runs,
			lat(o.P50), lat(o.P90), lat(o.P99),
			interval(o.CPU, func(v float64) string { return fmt.Sprintf("%.0fm", v) }),
			interval(o.Mem, func(v float64) string { return meshperf.Bytes(math.Abs(v)).String() }))
	}
}

func pct(level float64) string { return fmt.Sprintf("%g%%", 100*level) }

// interval prints "+120µs [+80µs, +160µs]", "+120µs [unbounded]" with too
// few runs, or "-" without data.
func interval(s *shiftJSON, f func(float64) string) string {
	if s == nil {
		return "-"
	}
	sg := func(v float64) string {
		t := f(v)
		if v < 0 {
			return "-" + trimSign(t)
		}
		return "+" + trimSign(t)
	}
	if s.Lo == nil {
		return sg(s.Estimate) + " [unbounded]"
	}
	return fmt.Sprintf("%s [%s, %s]", sg(s.Estimate), sg(*s.Lo), sg(*s.Hi))
}

func trimSign(s string) string {
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		return s[1:]
	}
	return s
}
