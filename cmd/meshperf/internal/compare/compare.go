package compare

import (
	"strconv"
	"strings"

	"golang.org/x/perf/benchmath"

	"github.com/meshperf/meshperf/meshperf"
)

// DefaultAlpha is the significance level of the U test.
const DefaultAlpha = 0.05

// MinRunsForGate is the number of runs a side (with equal sides) from which
// -fail-on judges a clause by the 95% interval of the change (Threshold.Judge).
// With fewer, it compares the medians. It is 4 because with 3 runs a side
// the U distribution's smallest two-sided error is 10%: no 95% interval
// exists, so every verdict would be inconclusive.
const MinRunsForGate = 4

// Key identifies a step across files.
type Key struct {
	Mode, Sidecar string
	Concurrency   int
	RequestedQPS  float64 // 0 for closed loop
}

func keyOf(r *meshperf.Result) Key {
	return Key{Mode: r.Labels["mode"], Sidecar: r.Labels["sidecar"], Concurrency: r.Concurrency, RequestedQPS: r.RequestedQPS}
}

// String prints the key as the table's step column, e.g. "both envoy c=8 qps=1000".
func (k Key) String() string {
	var f []string
	for _, s := range []string{k.Mode, k.Sidecar} {
		if s != "" {
			f = append(f, s)
		}
	}
	f = append(f, "c="+strconv.Itoa(k.Concurrency))
	if k.RequestedQPS == 0 {
		f = append(f, "closed")
	} else {
		f = append(f, "qps="+strconv.FormatFloat(k.RequestedQPS, 'g', -1, 64))
	}
	return strings.Join(f, " ")
}

// Step is a matched step: every run of it on each side.
type Step struct {
	Key      Key
	Old, New []*meshperf.Result
}

// Report is what Compare found.
type Report struct {
	Steps            []Step
	OnlyOld, OnlyNew []Key // steps without a match, in file order
}

// Compare matches old and new results by Key.
func Compare(old, new []*meshperf.Result) *Report {
	group := func(rs []*meshperf.Result) ([]Key, map[Key][]*meshperf.Result) {
		var order []Key
		m := map[Key][]*meshperf.Result{}
		for _, r := range rs {
			k := keyOf(r)
			if _, ok := m[k]; !ok {
				order = append(order, k)
			}
			m[k] = append(m[k], r)
		}
		return order, m
	}
	oldKeys, oldBy := group(old)
	newKeys, newBy := group(new)
	rep := &Report{}
	for _, k := range oldKeys {
		if n, ok := newBy[k]; ok {
			rep.Steps = append(rep.Steps, Step{Key: k, Old: oldBy[k], New: n})
		} else {
			rep.OnlyOld = append(rep.OnlyOld, k)
		}
	}
	for _, k := range newKeys {
		if _, ok := oldBy[k]; !ok {
			rep.OnlyNew = append(rep.OnlyNew, k)
		}
	}
	return rep
}

// Cell is one metric of one step on both sides.
type Cell struct {
	Metric           Metric
	Old, New         *benchmath.Sample
	OldSum, NewSum   benchmath.Summary // Center is the median
	Cmp              benchmath.Comparison
	KnownSignificant bool // both sides have ≥ 2 runs, so the U test ran
}

// Significant reports whether the U test rejects "no change".
func (c Cell) Significant() bool { return c.KnownSignificant && c.Cmp.P <= c.Cmp.Alpha }

// Cell reads m on both sides; it reports false when a side lacks m.
func (s Step) Cell(m Metric) (Cell, bool) {
	th := &benchmath.Thresholds{CompareAlpha: DefaultAlpha}
	sample := func(rs []*meshperf.Result) (*benchmath.Sample, bool) {
		var vs []float64
		for _, r := range rs {
			if v, ok := m.value(r); ok {
				vs = append(vs, v)
			}
		}
		return benchmath.NewSample(vs, th), len(vs) > 0
	}
	o, ok1 := sample(s.Old)
	n, ok2 := sample(s.New)
	if !ok1 || !ok2 {
		return Cell{}, false
	}
	c := Cell{Metric: m, Old: o, New: n,
		OldSum: benchmath.AssumeNothing.Summary(o, 0.95), NewSum: benchmath.AssumeNothing.Summary(n, 0.95)}
	if len(o.Values) >= 2 && len(n.Values) >= 2 {
		c.Cmp = benchmath.AssumeNothing.Compare(o, n)
		c.KnownSignificant = true
	}
	return c, true
}
