package assertions

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshperf/meshperf/meshperf"
)

// Limit is a ceiling on an overhead, meshed minus baseline. It is absolute
// in the metric's unit (a time.Duration for latency, a meshperf.CPU for
// CPU) or relative to the baseline (a Percent):
//
//	assertions.Overhead{P99: 2 * time.Millisecond, P50: assertions.Percent(20)}
//
// Other types are rejected by Evaluate with an error naming the field. A nil
// Limit sets no ceiling.
type Limit interface{ String() string }

// Overhead holds ceilings on what the mesh adds over a baseline step. The
// latency fields compare Result.Latency; CPU compares the CPUMean summed
// over every component with readings (app and sidecars), so a meshed step
// pays for its sidecars, and fails when any of them is Unreliable. Every
// ceiling is inclusive.
//
// Both Results must have answered requests, keep within MaxErrorRate and
// MaxUnsent, and have no latencies above the histograms' range, since the
// overhead of a failing or saturated run means nothing.
//
// Evaluate compares one Result a side, number against number: on a noisy
// machine that is a coin toss near the ceiling. EvaluateRuns compares
// repeated runs a side with a confidence interval and returns a verdict
// (see EvaluateRuns).
type Overhead struct {
	P50, P90, P99, P999, Max Limit
	CPU                      Limit
	// MaxErrorRate is the error-rate ceiling for every Result, a share
	// 0–1. 0 means DefaultMaxErrorRate; NoErrors allows none.
	MaxErrorRate float64
	// MaxUnsent is the ceiling on every Result's unsent share, as
	// Budget.MaxUnsent: 0 means DefaultMaxUnsent, NoUnsent allows none,
	// AnyUnsent sets none.
	MaxUnsent float64

	// Confidence is the level of EvaluateRuns' intervals, 0–1; 0 means
	// stats.DefaultConfidence (95%).
	Confidence float64
	// AllowInconclusive lets an inconclusive verdict of EvaluateRuns pass.
	// By default it fails.
	AllowInconclusive bool
}

// Check evaluates meshed against baseline and reports each violation
// through testify's assert.Fail; the test continues. It returns whether
// meshed passed.
func (o Overhead) Check(tb assert.TestingT, baseline, meshed *meshperf.Result) bool {
	if h, ok := tb.(interface{ Helper() }); ok {
		h.Helper()
	}
	return report(tb, o.Evaluate(baseline, meshed))
}

// Require is Check, then FailNow when meshed did not pass.
func (o Overhead) Require(tb require.TestingT, baseline, meshed *meshperf.Result) {
	if h, ok := tb.(interface{ Helper() }); ok {
		h.Helper()
	}
	if !report(tb, o.Evaluate(baseline, meshed)) {
		tb.FailNow()
	}
}

// Evaluate returns nil when meshed keeps within o over baseline, a
// Violations error when it does not, and another error when o or either
// Result is invalid.
func (o Overhead) Evaluate(baseline, meshed *meshperf.Result) error {
	if err := o.validate(); err != nil {
		return err
	}
	if baseline == nil || meshed == nil {
		return errors.New("assertions: Overhead.Evaluate: nil Result")
	}
	be := evaluation{res: baseline, step: StepOf(baseline)}
	be.health(o.MaxErrorRate)
	be.delivery(o.MaxUnsent)
	e := evaluation{res: meshed, step: StepOf(meshed), vs: be.vs}
	e.health(o.MaxErrorRate)
	e.delivery(o.MaxUnsent)
	if baseline.Latency.Count > 0 && meshed.Latency.Count > 0 {
		for _, l := range []struct {
			metric         string
			limit          Limit
			base, measured time.Duration
		}{
			{"overhead_p50", o.P50, baseline.Latency.P50, meshed.Latency.P50},
			{"overhead_p90", o.P90, baseline.Latency.P90, meshed.Latency.P90},
			{"overhead_p99", o.P99, baseline.Latency.P99, meshed.Latency.P99},
			{"overhead_p999", o.P999, baseline.Latency.P999, meshed.Latency.P999},
			{"overhead_max", o.Max, baseline.Latency.Max, meshed.Latency.Max},
		} {
			if l.limit == nil {
				continue
			}
			v := &Violation{Metric: l.metric, Limit: l.limit, Baseline: l.base, Meshed: l.measured}
			switch lim := l.limit.(type) {
			case time.Duration:
				if d := l.measured - l.base; d > lim {
					v.Got = d
					e.add(v)
				}
			case Percent:
				if p := relative(float64(l.base), float64(l.measured)); p > lim {
					v.Got = p
					e.add(v)
				}
			}
		}
	}
	if o.CPU != nil {
		base, bok := totalCPU(baseline)
		cpu, mok := totalCPU(meshed)
		v := &Violation{Metric: "overhead_cpu", Limit: o.CPU}
		if why := unreliableCPU("baseline", baseline) + unreliableCPU("meshed", meshed); why != "" {
			v.Reason = "unreliable:" + why
			e.add(v)
		} else if !bok || !mok {
			e.add(v) // not measured
		} else {
			v.Baseline, v.Meshed = base, cpu
			if lim, ok := o.CPU.(meshperf.CPU); ok && cpu-base > lim {
				v.Got = cpu - base
				e.add(v)
			}
			if lim, ok := o.CPU.(Percent); ok {
				if p := relative(float64(base), float64(cpu)); p > lim {
					v.Got = p
					e.add(v)
				}
			}
		}
	}
	return e.err()
}

// relative returns the increase from base to measured in percent of base:
// +Inf% when base is 0 and measured is not.
func relative(base, measured float64) Percent {
	if base == 0 {
		if measured <= 0 {
			return 0
		}
		return Percent(math.Inf(1))
	}
	return Percent(100 * (measured - base) / base)
}

// unreliableCPU names, after a space, the components of res (the side
// called side) whose figures are Unreliable, with why; "" when none is.
func unreliableCPU(side string, res *meshperf.Result) string {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(res.Resources)) {
		if why := res.Resources[name].Unreliable; why != "" {
			fmt.Fprintf(&b, " %s %s: %s;", side, name, why)
		}
	}
	return b.String()
}

// totalCPU sums CPUMean over every component of res; false when res has no
// readings.
func totalCPU(res *meshperf.Result) (meshperf.CPU, bool) {
	var c meshperf.CPU
	for _, r := range res.Resources {
		c += r.CPUMean
	}
	return c, len(res.Resources) > 0
}

func (o Overhead) validate() error {
	for _, f := range []struct {
		field string
		limit Limit
		cpu   bool
	}{{"P50", o.P50, false}, {"P90", o.P90, false}, {"P99", o.P99, false}, {"P999", o.P999, false},
		{"Max", o.Max, false}, {"CPU", o.CPU, true}} {
		if f.limit == nil {
			continue
		}
		switch v := f.limit.(type) {
		case time.Duration:
			if f.cpu {
				return fmt.Errorf("assertions: Overhead.CPU = %v: use a meshperf.CPU or a Percent", v)
			}
			if v < 0 {
				return fmt.Errorf("assertions: Overhead.%s = %v: a ceiling must be ≥ 0", f.field, v)
			}
		case meshperf.CPU:
			if !f.cpu {
				return fmt.Errorf("assertions: Overhead.%s = %v (CPU): use a time.Duration or a Percent", f.field, v)
			}
			if !(v >= 0) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("assertions: Overhead.CPU = %v: a ceiling must be a finite number of cores ≥ 0", v)
			}
		case Percent:
			if !(v >= 0) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("assertions: Overhead.%s = %v: a ceiling must be a finite percentage ≥ 0", f.field, v)
			}
		default:
			want := "a time.Duration or a Percent"
			if f.cpu {
				want = "a meshperf.CPU or a Percent"
			}
			return fmt.Errorf("assertions: Overhead.%s = %v (%T): use %s", f.field, v, v, want)
		}
	}
	if err := checkShare("Overhead.MaxUnsent", o.MaxUnsent); err != nil {
		return err
	}
	if c := o.Confidence; c != 0 && !(c > 0 && c < 1) {
		return fmt.Errorf("assertions: Overhead.Confidence = %v: use a level between 0 and 1, such as 0.95 (0: 95%%)", c)
	}
	return checkShare("Overhead.MaxErrorRate", o.MaxErrorRate)
}
