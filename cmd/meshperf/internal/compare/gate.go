package compare

import (
	"fmt"
	"strings"

	"github.com/meshperf/meshperf/assertions"
	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/stats"
)

// DefaultMaxUnsent is the unsent ceiling of Options.MaxUnsent 0: the
// budgets' default, assertions.DefaultMaxUnsent (0.1% of the planned
// slots).
const DefaultMaxUnsent = assertions.DefaultMaxUnsent

// Options are the gate's settings beside its thresholds.
type Options struct {
	// AllowMissing ignores steps of the old side that the new side lacks.
	// Without it, such a step fails the gate.
	AllowMissing bool
	// MaxUnsent is the ceiling on every compared run's unsent slots, as a
	// share 0–1 of its planned slots; 0 means DefaultMaxUnsent, 1 sets no
	// ceiling.
	MaxUnsent float64
	// AllowInconclusive lets a threshold pass whose interval straddles it
	// (repeated runs only). By default an inconclusive verdict fails.
	AllowInconclusive bool
}

// Problem is a gate that has no data to decide on: a step missing from the
// new side, a run without the value a threshold reads, a saturated run
// (unsent slots over the ceiling) or latencies above the histogram range.
type Problem struct {
	Step   Key
	Metric Metric // the threshold's metric; "" for a problem of the whole step
	Reason string
}

func (p Problem) String() string {
	if p.Step == (Key{}) {
		return p.Reason
	}
	if p.Metric == "" {
		return fmt.Sprintf("%s: %s", p.Step, p.Reason)
	}
	return fmt.Sprintf("%s: %s: %s", p.Step, p.Metric, p.Reason)
}

// Violation is a threshold that a step crossed, or, with repeated runs,
// one whose interval did not lie wholly within it.
type Violation struct {
	Step      Key
	Threshold Threshold
	Cell      Cell
	// Judged is set when both sides had runs enough for an interval at
	// DefaultConfidence: the verdict is Judged.Verdict, breach or
	// inconclusive. Without it, the medians crossed the threshold.
	Judged *Judgement
}

func (v Violation) String() string {
	c := v.Cell
	if j := v.Judged; j != nil {
		return fmt.Sprintf("%s: %s %s → %s: %s", v.Step, c.Metric, c.Metric.format(c.OldSum.Center),
			c.Metric.format(c.NewSum.Center), j.describe(v.Threshold))
	}
	s := fmt.Sprintf("%s: %s %s → %s (%s) crosses %s", v.Step, c.Metric, c.Metric.format(c.OldSum.Center),
		c.Metric.format(c.NewSum.Center), c.Metric.delta(c.OldSum.Center, c.NewSum.Center), v.Threshold)
	if c.KnownSignificant {
		s += " " + c.Cmp.String()
	}
	return s
}

// FailError lists every crossed threshold and every gate that lacked its
// data.
type FailError struct {
	Violations []Violation
	Problems   []Problem
}

func (e *FailError) Error() string {
	var parts []string
	if len(e.Violations) > 0 {
		var b strings.Builder
		head := "crossed"
		for _, v := range e.Violations {
			if v.Judged != nil && v.Judged.Verdict == stats.Inconclusive {
				head = "crossed or inconclusive"
			}
		}
		fmt.Fprintf(&b, "%d threshold(s) %s:", len(e.Violations), head)
		for _, v := range e.Violations {
			b.WriteString("\n  " + v.String())
		}
		parts = append(parts, b.String())
	}
	if len(e.Problems) > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "%d gate(s) without the data to decide, which fail:", len(e.Problems))
		for _, p := range e.Problems {
			b.WriteString("\n  " + p.String())
		}
		parts = append(parts, b.String())
	}
	return strings.Join(parts, "\n")
}

// Check returns a *FailError when a step crosses a threshold or when a
// threshold lacks the data to decide. When both sides have runs enough for
// a 95% interval (MinRunsForGate a side), each threshold is judged by
// Threshold.Judge: breach fails, inconclusive fails unless
// o.AllowInconclusive, within passes. With fewer runs the medians are
// compared.
//
// With thresholds, Check fails closed. A step of the old side that the
// new side lacks fails, unless o.AllowMissing; a step only on the new side
// is not gated; no matched step at all fails, even with o.AllowMissing. In every matched step, a run on either side whose unsent
// share is over o.MaxUnsent fails, whatever the thresholds: its latencies
// describe only what was sent. A run without the value a threshold reads
// fails it: a latency from a run with no answered request, or with
// latencies above the histogram range (overflow); a resource from a run
// without readings of the component. A sidecar threshold does not apply
// to a step whose "mode" label says the sidecar does not run (baseline,
// client-only, server-only) when no run on either side has its readings.
// Without thresholds, Check returns nil.
func (r *Report) Check(ts []Threshold, o Options) error {
	if len(ts) == 0 {
		return nil
	}
	e := &FailError{}
	if !o.AllowMissing {
		for _, k := range r.OnlyOld {
			e.Problems = append(e.Problems, Problem{Step: k,
				Reason: "step missing from new (-allow-missing ignores steps that the new side lacks)"})
		}
	}
	if len(r.Steps) == 0 {
		e.Problems = append(e.Problems, Problem{Reason: "no step of the new side matches one of the old side: nothing to compare"})
	}
	maxUnsent := o.MaxUnsent
	if maxUnsent == 0 {
		maxUnsent = DefaultMaxUnsent
	}
	for _, s := range r.Steps {
		e.Problems = append(e.Problems, s.saturation(maxUnsent)...)
		latencyGated := false
		for _, t := range ts {
			if t.Metric.kind() == kindLatency {
				latencyGated = true
			}
			if ps, gated := s.missing(t.Metric); len(ps) > 0 || !gated {
				e.Problems = append(e.Problems, ps...)
				continue
			}
			c, ok := s.Cell(t.Metric)
			if !ok {
				continue
			}
			j, err := t.Judge(c.Old.Values, c.New.Values)
			if err != nil {
				e.Problems = append(e.Problems, Problem{Step: s.Key, Metric: t.Metric, Reason: err.Error()})
				continue
			}
			if j != nil {
				if j.Verdict == stats.Breach || (j.Verdict == stats.Inconclusive && !o.AllowInconclusive) {
					e.Violations = append(e.Violations, Violation{Step: s.Key, Threshold: t, Cell: c, Judged: j})
				}
				continue
			}
			if t.Crossed(c.OldSum.Center, c.NewSum.Center) {
				e.Violations = append(e.Violations, Violation{Step: s.Key, Threshold: t, Cell: c})
			}
		}
		if latencyGated {
			e.Problems = append(e.Problems, s.overflow()...)
		}
	}
	if len(e.Violations) > 0 || len(e.Problems) > 0 {
		return e
	}
	return nil
}

// sides names the two sides of a step with their runs.
func (s Step) sides() [2]struct {
	name string
	runs []*meshperf.Result
} {
	return [2]struct {
		name string
		runs []*meshperf.Result
	}{{"old", s.Old}, {"new", s.New}}
}

// runs says which runs of a side have a property: "new run" with one run,
// "2 of 5 new runs" with several.
func runs(n, of int, side string) string {
	if of == 1 {
		return side + " run"
	}
	return fmt.Sprintf("%d of %d %s runs", n, of, side)
}

// have is "has" or "have", agreeing with runs.
func have(of int) string {
	if of == 1 {
		return "has"
	}
	return "have"
}

// saturation reports each side whose runs left more than maxUnsent of
// their planned slots unsent, naming the worst.
func (s Step) saturation(maxUnsent float64) []Problem {
	var ps []Problem
	for _, side := range s.sides() {
		var n int
		var worst *meshperf.Result
		var worstShare float64
		for _, r := range side.runs {
			planned := r.Requests + r.Unsent
			if r.Unsent == 0 || planned <= 0 {
				continue
			}
			if share := float64(r.Unsent) / float64(planned); share > maxUnsent {
				n++
				if worst == nil || share > worstShare {
					worst, worstShare = r, share
				}
			}
		}
		if worst == nil {
			continue
		}
		detail := fmt.Sprintf("%d of %d planned slots unsent (%.2f%%)", worst.Unsent, worst.Requests+worst.Unsent, 100*worstShare)
		if worst.Late > 0 {
			detail += fmt.Sprintf(", %d of the %d sent left late", worst.Late, worst.Requests)
		}
		subject := runs(n, len(side.runs), side.name) + " left " + detail
		if len(side.runs) > 1 {
			subject = runs(n, len(side.runs), side.name) + " left too many slots unsent (worst: " + detail + ")"
		}
		ps = append(ps, Problem{Step: s.Key, Reason: fmt.Sprintf(
			"%s; over the -max-unsent ceiling %s: the target did not take the planned load, so its latencies describe only what was sent",
			subject, assertions.Percent(100*maxUnsent))})
	}
	return ps
}

// overflow reports each side with latencies above the histogram range.
func (s Step) overflow() []Problem {
	var ps []Problem
	for _, side := range s.sides() {
		var n int
		var total int64
		for _, r := range side.runs {
			if r.Overflow > 0 {
				n++
				total += r.Overflow
			}
		}
		if n > 0 {
			ps = append(ps, Problem{Step: s.Key, Reason: fmt.Sprintf(
				"%s %d latencies above the histogram range (overflow), counted at its top: its latencies near the top are a floor",
				runs(n, len(side.runs), side.name)+" "+have(n), total)})
		}
	}
	return ps
}

// missing reports each side with runs that lack m. gated is false when m
// does not apply to the step: a sidecar metric on a step whose mode runs
// none of its sidecars, with no readings on either side.
func (s Step) missing(m Metric) (ps []Problem, gated bool) {
	if m.kind() == kindLatency {
		for _, side := range s.sides() {
			var n int
			var requests int64
			for _, r := range side.runs {
				if latencySamples(r) == 0 {
					n++
					requests = r.Requests
				}
			}
			switch {
			case n == 0:
			case len(side.runs) == 1:
				ps = append(ps, Problem{Step: s.Key, Metric: m,
					Reason: fmt.Sprintf("%s run has no samples (%d requests, none answered)", side.name, requests)})
			default:
				ps = append(ps, Problem{Step: s.Key, Metric: m,
					Reason: fmt.Sprintf("%s no samples (no request answered)", runs(n, len(side.runs), side.name)+" "+have(n))})
			}
		}
		return ps, true
	}
	comps := m.components(s.Key.Mode)
	if comps == nil {
		return nil, true // qps, err: every run has them
	}
	any := false
	for _, side := range s.sides() {
		for _, r := range side.runs {
			for _, c := range m.allComponents() {
				if _, ok := r.Resources[c]; ok {
					any = true
				}
			}
		}
	}
	if len(comps) == 0 && !any {
		return nil, false // the mode runs none of m's sidecars
	}
	if len(comps) == 0 {
		comps = m.allComponents()
	}
	for _, side := range s.sides() {
		for _, c := range comps {
			var n int
			for _, r := range side.runs {
				if _, ok := r.Resources[c]; !ok {
					n++
				}
			}
			if n > 0 {
				ps = append(ps, Problem{Step: s.Key, Metric: m,
					Reason: fmt.Sprintf("%s no %s readings", runs(n, len(side.runs), side.name)+" "+have(n), c)})
			}
		}
	}
	return ps, true
}

// latencySamples counts the latencies r holds: its histogram's count when
// it carries one, its summary's otherwise. Never a percentile that reads 0.
func latencySamples(r *meshperf.Result) int64 {
	if r.ResponseHist != nil {
		return r.ResponseHist.Count()
	}
	return r.Latency.Count
}

// allComponents lists the components a resource metric reads.
func (m Metric) allComponents() []string { return m.def().Components }

// components lists the components whose readings m needs in a step of
// mode: nil for a metric that reads no component, empty when the mode
// runs none of them. A mode that is not one of the fixtures' (a URL
// target's step has none) needs every component m reads.
func (m Metric) components(mode string) []string {
	all := m.allComponents()
	if all == nil {
		return nil
	}
	runs := map[string]map[string]bool{
		"baseline":    {},
		"client-only": {meshperf.ClientSidecar: true},
		"server-only": {meshperf.ServerSidecar: true},
		"both":        {meshperf.ClientSidecar: true, meshperf.ServerSidecar: true},
	}[mode]
	if runs == nil {
		return all
	}
	need := []string{}
	for _, c := range all {
		if runs[c] {
			need = append(need, c)
		}
	}
	return need
}
