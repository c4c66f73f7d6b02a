package assertions

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/stats"
)

// CheckRuns is Check over repeated runs: it evaluates with EvaluateRuns and
// reports each violation through testify's assert.Fail. It returns
// whether meshed passed.
func (o Overhead) CheckRuns(tb assert.TestingT, baseline, meshed []*meshperf.Result) bool {
	if h, ok := tb.(interface{ Helper() }); ok {
		h.Helper()
	}
	return report(tb, o.EvaluateRuns(baseline, meshed))
}

// RequireRuns is CheckRuns, then FailNow when meshed did not pass.
func (o Overhead) RequireRuns(tb require.TestingT, baseline, meshed []*meshperf.Result) {
	if h, ok := tb.(interface{ Helper() }); ok {
		h.Helper()
	}
	if !report(tb, o.EvaluateRuns(baseline, meshed)) {
		tb.FailNow()
	}
}

// EvaluateRuns judges each ceiling of o over repeated runs of the same
// step: baseline and meshed hold one Result per run, ideally interleaved
// (baseline, meshed, baseline, … or shuffled) so that drift on the machine
// lands on both. For each metric it estimates the overhead (meshed minus
// baseline) with the Hodges–Lehmann shift and its Mann–Whitney interval at
// o.Confidence (package stats states the method and its assumptions), and
// returns a verdict:
//
//   - breach: the interval lies wholly above the ceiling: a violation;
//   - within: the interval lies wholly at or below it: a pass;
//   - inconclusive: the interval straddles the ceiling: a violation
//     whose message says about how many runs a side would likely decide,
//     unless o.AllowInconclusive. With 3 runs a side or fewer no 95%
//     interval exists: every ceiling is inconclusive, and fails even with
//     o.AllowInconclusive, since there is nothing to decide on.
//
// A Percent ceiling is taken relative to the median of the baseline runs.
// Every run on both sides must pass the health checks of Evaluate (answered
// requests, error rate, unsent share, no overflow); a run that does not is
// a violation in its own right. The CPU ceiling needs readings in every
// run. Evaluate's other errors apply: an invalid o, or a side without runs.
func (o Overhead) EvaluateRuns(baseline, meshed []*meshperf.Result) error {
	if err := o.validate(); err != nil {
		return err
	}
	if len(baseline) == 0 || len(meshed) == 0 {
		return fmt.Errorf("assertions: Overhead.EvaluateRuns: %d baseline and %d meshed runs: each side needs at least one", len(baseline), len(meshed))
	}
	j := runsJudge{o: o, level: cmp.Or(o.Confidence, stats.DefaultConfidence), step: StepOf(meshed[0])}
	healthy := true
	for _, r := range slices.Concat(baseline, meshed) {
		if r == nil {
			return errors.New("assertions: Overhead.EvaluateRuns: nil Result")
		}
		e := evaluation{res: r, step: StepOf(r)}
		e.health(o.MaxErrorRate)
		e.delivery(o.MaxUnsent)
		if r.Latency.Count == 0 {
			healthy = false
		}
		j.vs = append(j.vs, e.vs...)
	}
	for _, r := range meshed {
		j.samples += r.Latency.Count
	}
	if healthy {
		if err := j.latency(baseline, meshed); err != nil {
			return err
		}
	}
	if err := j.cpu(baseline, meshed); err != nil {
		return err
	}
	if len(j.vs) == 0 {
		return nil
	}
	return j.vs
}

// runsJudge holds what EvaluateRuns has found so far.
type runsJudge struct {
	o       Overhead
	level   float64
	step    Step
	samples int64 // the meshed runs' answered requests
	vs      Violations
}

// latency judges each latency ceiling of o that is set.
func (j *runsJudge) latency(baseline, meshed []*meshperf.Result) error {
	o := j.o
	for _, l := range []struct {
		metric string
		limit  Limit
		get    func(*meshperf.Result) time.Duration
	}{
		{"overhead_p50", o.P50, func(r *meshperf.Result) time.Duration { return r.Latency.P50 }},
		{"overhead_p90", o.P90, func(r *meshperf.Result) time.Duration { return r.Latency.P90 }},
		{"overhead_p99", o.P99, func(r *meshperf.Result) time.Duration { return r.Latency.P99 }},
		{"overhead_p999", o.P999, func(r *meshperf.Result) time.Duration { return r.Latency.P999 }},
		{"overhead_max", o.Max, func(r *meshperf.Result) time.Duration { return r.Latency.Max }},
	} {
		if l.limit == nil {
			continue
		}
		values := func(rs []*meshperf.Result) []float64 {
			v := make([]float64, len(rs))
			for i, r := range rs {
				v[i] = float64(l.get(r))
			}
			return v
		}
		if err := j.judge(l.metric, l.limit, values(baseline), values(meshed),
			func(v float64) fmt.Stringer { return signed{duration(v)} }); err != nil {
			return err
		}
	}
	return nil
}

// cpu judges the CPU ceiling of o, when set: every run on both sides must
// have its readings, or the ceiling fails as not measured.
func (j *runsJudge) cpu(baseline, meshed []*meshperf.Result) error {
	if j.o.CPU == nil {
		return nil
	}
	values := func(rs []*meshperf.Result) ([]float64, bool) {
		v := make([]float64, len(rs))
		for i, r := range rs {
			c, ok := totalCPU(r)
			if !ok {
				return nil, false
			}
			v[i] = float64(c)
		}
		return v, true
	}
	base, bok := values(baseline)
	mesh, mok := values(meshed)
	if !bok || !mok {
		j.vs = append(j.vs, &Violation{Metric: "overhead_cpu", Limit: j.o.CPU, Samples: j.samples, Step: j.step}) // not measured
		return nil
	}
	return j.judge("overhead_cpu", j.o.CPU, base, mesh, func(v float64) fmt.Stringer { return signed{cpu(v)} })
}

// judge estimates one metric's overhead and its interval, and records a
// violation on a breach, or on an inconclusive verdict unless
// AllowInconclusive (too few runs for an interval always fails: that is
// missing data).
func (j *runsJudge) judge(metric string, limit Limit, base, mesh []float64, unit func(float64) fmt.Stringer) error {
	s, err := stats.HodgesLehmann(base, mesh, j.level)
	if err != nil {
		return fmt.Errorf("assertions: Overhead.EvaluateRuns: %s: %w", metric, err)
	}
	ceiling, show := 0.0, unit
	switch lim := limit.(type) {
	case Percent:
		m := stats.Median(base)
		ceiling = float64(lim) / 100 * m
		show = func(v float64) fmt.Stringer { return signed{relative(m, m+v)} }
	case time.Duration:
		ceiling = float64(lim)
	case meshperf.CPU:
		ceiling = float64(lim)
	}
	iv := Interval{Estimate: show(s.Estimate), Lo: show(s.Lo), Hi: show(s.Hi), Confidence: s.Confidence,
		Requested: s.Requested, Baseline: len(base), Meshed: len(mesh), Verdict: s.Against(ceiling)}
	if iv.Verdict == stats.Inconclusive {
		iv.MoreRuns = s.MoreRuns(ceiling)
	}
	if iv.Verdict == stats.Breach || (iv.Verdict == stats.Inconclusive && (!j.o.AllowInconclusive || !s.Bounded())) {
		j.vs = append(j.vs, &Violation{Metric: metric, Limit: limit, Got: iv, Samples: j.samples, Step: j.step})
	}
	return nil
}

// duration converts nanoseconds to a Duration, keeping infinities at the
// Duration's range.
func duration(ns float64) time.Duration {
	switch {
	case ns >= math.MaxInt64:
		return math.MaxInt64
	case ns <= math.MinInt64:
		return math.MinInt64
	}
	return time.Duration(math.Round(ns))
}

// cpu converts cores to a CPU rounded to a tenth of a millicore, so that
// sums of readings print as "+100m", not "+99.99999999999997m".
func cpu(cores float64) meshperf.CPU {
	if math.IsInf(cores, 0) {
		return meshperf.CPU(cores)
	}
	return meshperf.CPU(math.Round(cores*1e4) / 1e4)
}

// Interval is the Got of an overhead Violation from EvaluateRuns: the
// estimated overhead (meshed minus baseline; for a Percent ceiling, in
// percent of the baseline median) with its confidence interval, and the
// verdict against the ceiling.
type Interval struct {
	// Estimate, Lo and Hi carry the ceiling's unit: time.Duration,
	// meshperf.CPU or Percent. An interval too wide to exist at the level
	// (too few runs) reads as unbounded.
	Estimate, Lo, Hi fmt.Stringer
	// Confidence is the interval's achieved level (at least Requested),
	// both 0–1.
	Confidence, Requested float64
	// Baseline and Meshed count the runs a side.
	Baseline, Meshed int
	Verdict          stats.Verdict
	// MoreRuns is, for an inconclusive verdict, about how many runs a side
	// would likely decide it (stats.Shift.MoreRuns); above
	// stats.MaxSuggestedRuns, repeats will not settle it.
	MoreRuns int
}

// String reads "+120µs (95% interval +80µs to +160µs; 5 baseline and 5
// meshed runs)".
func (iv Interval) String() string {
	bounds := "unbounded: too few runs for an interval"
	if !unbounded(iv.Lo) && !unbounded(iv.Hi) {
		bounds = fmt.Sprintf("interval %s to %s", show(iv.Lo), show(iv.Hi))
	}
	return fmt.Sprintf("%s (%s %s; %d baseline and %d meshed runs)", show(iv.Estimate),
		Percent(100*iv.Requested), bounds, iv.Baseline, iv.Meshed)
}

// unbounded reports whether a bound of an Interval is infinite.
func unbounded(s fmt.Stringer) bool {
	switch v := s.(type) {
	case signed:
		return unbounded(v.Stringer)
	case time.Duration:
		return v == math.MaxInt64 || v == math.MinInt64
	case meshperf.CPU:
		return math.IsInf(float64(v), 0)
	case Percent:
		return math.IsInf(float64(v), 0)
	}
	return false
}

// signed prints a value with its sign, as an overhead reads: "+80µs", "-3m".
type signed struct{ fmt.Stringer }

func (s signed) String() string {
	t := show(s.Stringer)
	if len(t) > 0 && t[0] != '-' {
		return "+" + t
	}
	return t
}

// decision words the verdict of an Interval for a Violation's message.
func (iv Interval) decision(limit fmt.Stringer) string {
	switch iv.Verdict {
	case stats.Breach:
		return "lies wholly above ceiling " + show(limit) + ": breach"
	case stats.Within:
		return "lies wholly within ceiling " + show(limit) + ": within"
	}
	s := "straddles ceiling " + show(limit) + ": inconclusive"
	switch {
	case iv.MoreRuns > stats.MaxSuggestedRuns:
		s += ", and the estimate is too close to the ceiling for repeats to decide"
	case iv.MoreRuns > 0:
		s += fmt.Sprintf("; about %d runs a side would likely decide", iv.MoreRuns)
	}
	if unbounded(iv.Lo) || unbounded(iv.Hi) {
		return s + " (too few runs to decide, which fails even with AllowInconclusive)"
	}
	return s + " (AllowInconclusive lets it pass)"
}
