package report

import (
	"cmp"
	"slices"
	"sort"

	"github.com/meshperf/meshperf/meshperf"
)

// Mode labels the overhead table compares.
const (
	ModeBaseline = "baseline"
	ModeBoth     = "both"
)

// series is the steps of one mode (and sidecar), one step per concurrency.
type series struct {
	name    string // shown and put in data-series
	mode    string
	sidecar string
	steps   []step // sorted by concurrency
}

// step is the median of every run of one series at one concurrency.
type step struct {
	conc int
	runs []*meshperf.Result
}

// value returns the median of f over the step's runs that have a value.
func (s step) value(f func(*meshperf.Result) (float64, bool)) (float64, bool) {
	var vs []float64
	for _, r := range s.runs {
		if v, ok := f(r); ok {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return 0, false
	}
	sort.Float64s(vs)
	if n := len(vs); n%2 == 1 {
		return vs[n/2], true
	} else {
		return (vs[n/2-1] + vs[n/2]) / 2, true
	}
}

// at returns the step at concurrency c.
func (s *series) at(c int) (step, bool) {
	i, ok := slices.BinarySearchFunc(s.steps, c, func(st step, c int) int { return cmp.Compare(st.conc, c) })
	if !ok {
		return step{}, false
	}
	return s.steps[i], true
}

// groupSeries splits results into series, ordered baseline first, then by
// name. The sidecar joins the name only when the results hold several.
func groupSeries(results []*meshperf.Result) []*series {
	sidecars := map[string]bool{}
	for _, r := range results {
		sidecars[r.Labels["sidecar"]] = true
	}
	byName := map[string]*series{}
	for _, r := range results {
		mode, sc := r.Labels["mode"], r.Labels["sidecar"]
		if mode == "" {
			mode = "unlabelled"
		}
		name := mode
		if len(sidecars) > 1 {
			name = mode + " / " + cmp.Or(sc, "none")
		}
		s := byName[name]
		if s == nil {
			s = &series{name: name, mode: mode, sidecar: sc}
			byName[name] = s
		}
		i, ok := slices.BinarySearchFunc(s.steps, r.Concurrency, func(st step, c int) int { return cmp.Compare(st.conc, c) })
		if !ok {
			s.steps = slices.Insert(s.steps, i, step{conc: r.Concurrency})
		}
		s.steps[i].runs = append(s.steps[i].runs, r)
	}
	out := make([]*series, 0, len(byName))
	for _, s := range byName {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *series) int {
		if ab, bb := a.mode == ModeBaseline, b.mode == ModeBaseline; ab != bb {
			if ab {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.name, b.name)
	})
	return out
}
