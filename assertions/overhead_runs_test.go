package assertions

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/stats"
)

// runs builds n runs of a step: baseline() or result() with every latency
// and the app's CPU moved by a per-run jitter (0, 7, 14, … µs and m) plus
// shift. The jitter keeps the runs distinct, as real runs are.
func runs(n int, meshed bool, shift time.Duration, cpuShift meshperf.CPU, edit ...func(*meshperf.Result)) []*meshperf.Result {
	var rs []*meshperf.Result
	for i := range n {
		j := time.Duration(i*7) * time.Microsecond
		mk := baseline
		if meshed {
			mk = result
		}
		r := mk(func(r *meshperf.Result) {
			if meshed { // result()'s latencies and CPU, made equal to baseline()'s before the shift
				b := baseline()
				r.Latency = b.Latency
				r.Resources = map[string]meshperf.Resources{meshperf.App: b.Resources[meshperf.App]}
			}
			l := &r.Latency
			for _, p := range []*time.Duration{&l.P50, &l.P90, &l.P99, &l.P999, &l.Max} {
				*p += j + shift
			}
			a := r.Resources[meshperf.App]
			a.CPUMean += meshperf.CPU(i*7)*meshperf.Millicore + cpuShift
			r.Resources[meshperf.App] = a
		})
		for _, e := range edit {
			e(r)
		}
		rs = append(rs, r)
	}
	return rs
}

func TestOverheadEvaluateRunsVerdicts(t *testing.T) {
	const us = time.Microsecond
	tests := []struct {
		name           string
		overhead       Overhead
		base, meshed   []*meshperf.Result
		want           []string // violated metrics
		wantVerdict    stats.Verdict
		wantInMessage  string
		wantNoInterval bool
	}{
		{name: "within: +50µs under a 100µs ceiling", overhead: Overhead{P99: 100 * us},
			base: runs(6, false, 0, 0), meshed: runs(6, true, 50*us, 0)},
		{name: "breach: +200µs over a 100µs ceiling", overhead: Overhead{P99: 100 * us},
			base: runs(6, false, 0, 0), meshed: runs(6, true, 200*us, 0),
			want: []string{"overhead_p99"}, wantVerdict: stats.Breach,
			wantInMessage: "overhead_p99 +200µs (95% interval +179µs to +221µs; 6 baseline and 6 meshed runs) lies wholly above ceiling 100µs: breach"},
		{name: "inconclusive: +100µs on a 100µs ceiling fails", overhead: Overhead{P99: 100 * us},
			base: runs(6, false, 0, 0), meshed: runs(6, true, 105*us, 0),
			want: []string{"overhead_p99"}, wantVerdict: stats.Inconclusive,
			wantInMessage: "straddles ceiling 100µs: inconclusive; about "},
		{name: "inconclusive allowed", overhead: Overhead{P99: 100 * us, AllowInconclusive: true},
			base: runs(6, false, 0, 0), meshed: runs(6, true, 105*us, 0)},
		{name: "3 runs a side: no 95% interval", overhead: Overhead{P50: time.Millisecond},
			base: runs(3, false, 0, 0), meshed: runs(3, true, 10*us, 0),
			want: []string{"overhead_p50"}, wantVerdict: stats.Inconclusive, wantNoInterval: true,
			wantInMessage: "unbounded: too few runs for an interval; 3 baseline and 3 meshed runs) straddles ceiling 1.00ms: inconclusive; about 4 runs a side would likely decide"},
		{name: "3 runs a side fail even when inconclusive may pass", overhead: Overhead{P50: time.Millisecond, AllowInconclusive: true},
			base: runs(3, false, 0, 0), meshed: runs(3, true, 10*us, 0),
			want: []string{"overhead_p50"}, wantVerdict: stats.Inconclusive, wantNoInterval: true,
			wantInMessage: "too few runs to decide, which fails even with AllowInconclusive"},
		{name: "3 runs a side at 90%", overhead: Overhead{P50: time.Millisecond, Confidence: 0.9},
			base: runs(3, false, 0, 0), meshed: runs(3, true, 10*us, 0)},
		{name: "relative within: +9% under 50%", overhead: Overhead{P50: Percent(50)},
			base: runs(5, false, 0, 0), meshed: runs(5, true, 15*us, 0)},
		{name: "relative breach: +37% over 20%", overhead: Overhead{P50: Percent(20)},
			base: runs(5, false, 0, 0), meshed: runs(5, true, 60*us, 0),
			want: []string{"overhead_p50"}, wantVerdict: stats.Breach, wantInMessage: "overhead_p50 +36.59% (95% interval +23.78% to +49.39%; 5 baseline and 5 meshed runs) lies wholly above ceiling 20%: breach"},
		{name: "CPU breach", overhead: Overhead{CPU: 50 * meshperf.Millicore},
			base: runs(5, false, 0, 0), meshed: runs(5, true, 0, 100*meshperf.Millicore),
			want: []string{"overhead_cpu"}, wantVerdict: stats.Breach, wantInMessage: "overhead_cpu +100m (95% interval +79m to +121m"},
		{name: "CPU not measured in one run", overhead: Overhead{CPU: meshperf.Core},
			base: runs(5, false, 0, 0), meshed: append(runs(4, true, 0, 0), runs(1, true, 0, 0, func(r *meshperf.Result) { r.Resources = nil })...),
			want: []string{"overhead_cpu"}, wantInMessage: "overhead_cpu not measured"},
		{name: "a run without samples fails closed", overhead: Overhead{P99: time.Second},
			base: runs(5, false, 0, 0), meshed: append(runs(4, true, 0, 0), runs(1, true, 0, 0, func(r *meshperf.Result) { r.Latency.Count = 0 })...),
			want: []string{MetricSamples}},
		{name: "an unsent run fails closed", overhead: Overhead{P99: time.Second},
			base: append(runs(4, false, 0, 0), runs(1, false, 0, 0, func(r *meshperf.Result) { r.Unsent = 100 })...), meshed: runs(5, true, 0, 0),
			want: []string{MetricUnsent}},
		{name: "an overflowed run fails closed", overhead: Overhead{P99: time.Second},
			base: runs(5, false, 0, 0), meshed: append(runs(4, true, 0, 0), runs(1, true, 0, 0, func(r *meshperf.Result) { r.Overflow = 2 })...),
			want: []string{MetricOverflow}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.overhead.EvaluateRuns(tt.base, tt.meshed)
			if got := metrics(err); !slices.Equal(got, tt.want) || (err == nil) != (tt.want == nil) {
				t.Fatalf("EvaluateRuns: violations %q, want %q (err: %v)", got, tt.want, err)
			}
			if err == nil {
				return
			}
			if !strings.Contains(err.Error(), tt.wantInMessage) {
				t.Errorf("message %q\nwant it to hold %q", err, tt.wantInMessage)
			}
			var v *Violation
			if !errors.As(err, &v) {
				t.Fatal("no *Violation in the error")
			}
			if iv, ok := v.Got.(Interval); ok {
				if iv.Verdict != tt.wantVerdict {
					t.Errorf("verdict %v, want %v", iv.Verdict, tt.wantVerdict)
				}
				if tt.wantNoInterval != unbounded(iv.Lo) {
					t.Errorf("interval %v to %v, want unbounded %v", iv.Lo, iv.Hi, tt.wantNoInterval)
				}
			}
		})
	}
}

func TestOverheadEvaluateRunsInvalid(t *testing.T) {
	tests := []struct {
		name         string
		overhead     Overhead
		base, meshed []*meshperf.Result
		want         string
	}{
		{name: "no baseline runs", overhead: Overhead{P99: time.Millisecond}, meshed: runs(3, true, 0, 0), want: "0 baseline and 3 meshed runs"},
		{name: "nil run", overhead: Overhead{P99: time.Millisecond}, base: []*meshperf.Result{nil}, meshed: runs(1, true, 0, 0), want: "nil Result"},
		{name: "confidence in percent", overhead: Overhead{P99: time.Millisecond, Confidence: 95}, base: runs(1, false, 0, 0), meshed: runs(1, true, 0, 0),
			want: "Overhead.Confidence = 95"},
		{name: "unsent ceiling", overhead: Overhead{MaxUnsent: 2}, base: runs(1, false, 0, 0), meshed: runs(1, true, 0, 0), want: "Overhead.MaxUnsent = 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.overhead.EvaluateRuns(tt.base, tt.meshed)
			if err == nil || !strings.Contains(err.Error(), tt.want) || metrics(err) != nil {
				t.Fatalf("EvaluateRuns = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// Evaluate, one Result a side, fails closed as Budget does on unsent slots
// and overflow.
func TestOverheadEvaluateFailsClosed(t *testing.T) {
	tests := []struct {
		name         string
		overhead     Overhead
		base, meshed *meshperf.Result
		want         []string
	}{
		{name: "unsent baseline", base: baseline(func(r *meshperf.Result) { r.Unsent = 10 }), meshed: result(), want: []string{MetricUnsent}},
		{name: "unsent allowed", overhead: Overhead{MaxUnsent: AnyUnsent}, base: baseline(func(r *meshperf.Result) { r.Unsent = 10 }), meshed: result()},
		{name: "overflowed meshed", base: baseline(), meshed: result(func(r *meshperf.Result) { r.Overflow = 1 }), want: []string{MetricOverflow}},
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
