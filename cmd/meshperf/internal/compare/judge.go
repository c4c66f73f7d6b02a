package compare

import (
	"fmt"
	"math"

	"github.com/meshperf/meshperf/meshperf/stats"
)

// Judgement is a threshold's verdict over repeated runs a side: the
// Hodges–Lehmann shift towards worse (new − old; old − new for qps) with
// its interval at stats.DefaultConfidence, against the threshold as an
// absolute worsening.
type Judgement struct {
	Shift stats.Shift
	// Ceiling is the threshold in the metric's unit: a relative one is
	// taken against Base, the median of the old runs.
	Ceiling, Base float64
	Verdict       stats.Verdict
	// MoreRuns is, when Verdict is Inconclusive, about how many runs a side
	// would likely decide (stats.Shift.MoreRuns).
	MoreRuns int
}

// Judge returns t's verdict over the old and new runs of one metric. It
// returns nil when the runs are too few for a bounded interval (fewer than
// MinRunsForGate a side with equal sides): the gate then compares the
// medians with Crossed.
func (t Threshold) Judge(old, new []float64) (*Judgement, error) {
	x, y := old, new
	if !t.Metric.HigherIsWorse() {
		x, y = new, old // a drop is the worsening
	}
	s, err := stats.HodgesLehmann(x, y, stats.DefaultConfidence)
	if err != nil {
		return nil, err
	}
	if !s.Bounded() {
		return nil, nil
	}
	j := &Judgement{Shift: s, Ceiling: t.Limit}
	if t.Relative {
		j.Base = stats.Median(old)
		j.Ceiling = t.Limit / 100 * math.Abs(j.Base)
	}
	j.Verdict = s.Against(j.Ceiling)
	if j.Verdict == stats.Inconclusive {
		j.MoreRuns = s.MoreRuns(j.Ceiling)
	}
	return j, nil
}

// show prints a worsening v in the threshold's terms: percent of the old
// median for a relative threshold, the metric's unit otherwise.
func (j *Judgement) show(t Threshold, v float64) string {
	if t.Relative && j.Base != 0 {
		return fmt.Sprintf("%+.2f%%", 100*v/math.Abs(j.Base))
	}
	if t.Metric.kind() == kindRatio {
		return fmt.Sprintf("%+.2fpp", 100*v)
	}
	if v < 0 {
		return "-" + t.Metric.format(-v)
	}
	return "+" + t.Metric.format(v)
}

// describe reads "worse by +12.00% (95% interval +8.10% to +15.20%; 5 old
// and 5 new runs) lies wholly above p99>+10%: breach".
func (j *Judgement) describe(t Threshold) string {
	s := j.Shift
	out := fmt.Sprintf("worse by %s (%g%% interval %s to %s; %d old and %d new runs) ", j.show(t, s.Estimate),
		100*s.Requested, j.show(t, s.Lo), j.show(t, s.Hi), len2(t, s, true), len2(t, s, false))
	switch j.Verdict {
	case stats.Breach:
		return out + "lies wholly above " + t.String() + ": breach"
	case stats.Within:
		return out + "lies wholly within " + t.String() + ": within"
	}
	out += "straddles " + t.String() + ": inconclusive"
	switch {
	case j.MoreRuns > stats.MaxSuggestedRuns:
		out += ", and the change is too close to the threshold for repeats to decide"
	case j.MoreRuns > 0:
		out += fmt.Sprintf("; about %d runs a side would likely decide", j.MoreRuns)
	}
	return out + " (-allow-inconclusive lets it pass)"
}

// len2 returns the old (old true) or new run count of s, which Judge built
// with the sides swapped for metrics whose drop is the worsening.
func len2(t Threshold, s stats.Shift, old bool) int {
	if t.Metric.HigherIsWorse() == old {
		return s.X
	}
	return s.Y
}
