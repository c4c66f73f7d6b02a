package meshperf

import "time"

// Names of the components a fixture runs. They key Result.Resources, are
// the marks sidecars leave on the path headers, and prefix the resource
// metrics (client_sidecar_cpu, "client-sidecar-cpu-mcores").
const (
	ClientSidecar = "client-sidecar"
	ServerSidecar = "server-sidecar"
	App           = "app"
)

// Metric is one word of the metric vocabulary: what the testing.B metrics
// (ReportTo, WriteUnits), the budget clauses (assertions.ParseBudget) and
// the regression thresholds (meshperf compare -fail-on) call a number, so
// that a word means one thing wherever it is written. Metrics lists them.
type Metric struct {
	// Name is the word budgets and thresholds use: "p99",
	// "client_sidecar_cpu".
	Name string
	// Unit is the unit of Value: "ns", "req/s", "share" (0–1), "mcores"
	// (millicores) or "B" (bytes).
	Unit string
	// Better is the direction of an improvement, "lower" or "higher", as
	// benchfmt's Unit lines write it.
	Better string
	// Bench is the unit ReportTo reports the metric under ("p99-ns"), ""
	// when it does not report it. A share is reported in percent.
	Bench string
	// Components lists the Resources keys Value reads; none for the load's
	// own figures.
	Components []string
	// Value reads the metric from a Result; false when the Result does not
	// carry it (no answered request; no reading of a component, or one
	// taken outside the measured window, see Resources.Unreliable).
	Value func(*Result) (float64, bool)

	podsOnly bool // ReportTo reports it only when the component ran in several pods
}

// Metrics returns the vocabulary, a fresh copy, in the order ReportTo
// reports it. The resource words are, for each component:
//   - NAME_cpu, NAME_mem: one instance of it, its mean CPU and peak working
//     set over the window; the busiest (largest) pod's when it ran in several
//     (Resources.PerInstance);
//   - NAME_all_pods_cpu, NAME_all_pods_mem: the sums over its pods (equal to
//     the above for one pod);
//
// and sidecar_cpu and sidecar_mem mean each sidecar: the higher of the
// client's and the server's figure, so a ceiling on it holds for both;
// total_sidecar_cpu and total_sidecar_mem are their sum, over every pod;
// total_cpu is the CPU of every component, app included.
func Metrics() []Metric {
	lat := func(name string, pick func(*Result) time.Duration, bench string) Metric {
		return Metric{Name: name, Unit: "ns", Better: "lower", Bench: bench, Value: func(r *Result) (float64, bool) {
			return float64(pick(r)), r.Latency.Count > 0
		}}
	}
	ms := []Metric{
		lat("p50", func(r *Result) time.Duration { return r.Latency.P50 }, "p50-ns"),
		lat("p90", func(r *Result) time.Duration { return r.Latency.P90 }, "p90-ns"),
		lat("p99", func(r *Result) time.Duration { return r.Latency.P99 }, "p99-ns"),
		lat("p999", func(r *Result) time.Duration { return r.Latency.P999 }, "p999-ns"),
		lat("max", func(r *Result) time.Duration { return r.Latency.Max }, "max-ns"),
		{Name: "svc_p99", Unit: "ns", Better: "lower", Bench: "svc-p99-ns", Value: func(r *Result) (float64, bool) {
			return float64(r.Service.P99), r.Service.Count > 0
		}},
		{Name: "qps", Unit: "req/s", Better: "higher", Bench: "req/s", Value: func(r *Result) (float64, bool) {
			return r.ActualQPS, true
		}},
		{Name: "qps_ratio", Unit: "share", Better: "higher", Value: func(r *Result) (float64, bool) {
			return r.ActualQPS / r.RequestedQPS, r.RequestedQPS > 0
		}},
		{Name: "err", Unit: "share", Better: "lower", Bench: "err-%", Value: func(r *Result) (float64, bool) {
			return r.ErrorRate(), true
		}},
		{Name: "late", Unit: "share", Better: "lower", Bench: "late-%", Value: func(r *Result) (float64, bool) {
			return float64(r.Late) / float64(r.Requests), r.RequestedQPS > 0 && r.Requests > 0
		}},
		{Name: "unsent", Unit: "share", Better: "lower", Value: func(r *Result) (float64, bool) {
			return float64(r.Unsent) / float64(r.Requests+r.Unsent), r.RequestedQPS > 0 && r.Requests+r.Unsent > 0
		}},
		{Name: "lag_p99", Unit: "ns", Better: "lower", Bench: "lag-p99-ns", Value: func(r *Result) (float64, bool) {
			return float64(r.SendLag.P99), r.SendLag.Count > 0
		}},
	}
	for _, c := range []string{App, ClientSidecar, ServerSidecar} { // sorted, as ReportTo always reported them
		ms = append(ms, componentMetrics(c)...)
	}
	sidecars := []string{ClientSidecar, ServerSidecar}
	return append(ms,
		resourceMetric("sidecar_cpu", "", sidecars, false, maxOf, instanceCPU),
		resourceMetric("sidecar_mem", "", sidecars, true, maxOf, instanceMem),
		resourceMetric("total_sidecar_cpu", "", sidecars, false, sumOf, totalCPU),
		resourceMetric("total_sidecar_mem", "", sidecars, true, sumOf, totalMem),
		resourceMetric("total_cpu", "", []string{ClientSidecar, ServerSidecar, App}, false, sumOf, totalCPU))
}

// LookupMetric returns the word name of Metrics.
func LookupMetric(name string) (Metric, bool) {
	for _, m := range Metrics() {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

// benchValue is the value ReportTo reports under m.Bench: a share in
// percent. A per-pod word is left out when the component ran in one pod,
// where it repeats the all-pods figure.
func (m Metric) benchValue(r *Result) (float64, bool) {
	if m.Bench == "" {
		return 0, false
	}
	if m.podsOnly {
		n := 0
		for _, c := range m.Components {
			n = max(n, r.Resources[c].Pods)
		}
		if n <= 1 {
			return 0, false
		}
	}
	v, ok := m.Value(r)
	if m.Unit == "share" {
		v *= 100
	}
	return v, ok
}

// componentMetrics are the four resource words of component c.
func componentMetrics(c string) []Metric {
	word := snake(c)
	one := []string{c}
	pods := resourceMetric(word+"_cpu", c+"-busiest-pod-cpu-mcores", one, false, sumOf, instanceCPU)
	podMem := resourceMetric(word+"_mem", c+"-largest-pod-mem-B", one, true, sumOf, instanceMem)
	pods.podsOnly, podMem.podsOnly = true, true
	return []Metric{
		resourceMetric(word+"_all_pods_cpu", c+"-cpu-mcores", one, false, sumOf, totalCPU),
		resourceMetric(word+"_all_pods_mem", c+"-mem-B", one, true, sumOf, totalMem),
		pods, podMem,
	}
}

// resourceMetric reads fig from each of comps that r has readings for and
// combines them with join. It has no value when none has readings, or when
// one of them is Unreliable.
func resourceMetric(name, bench string, comps []string, mem bool, join func(a, b float64) float64, fig func(Resources) float64) Metric {
	unit := "mcores"
	if mem {
		unit = "B"
	}
	return Metric{Name: name, Unit: unit, Better: "lower", Bench: bench, Components: comps,
		Value: func(r *Result) (float64, bool) {
			var v float64
			found := false
			for _, c := range comps {
				x, ok := r.Resources[c]
				if !ok {
					continue
				}
				if x.Unreliable != "" {
					return 0, false
				}
				if found {
					v = join(v, fig(x))
				} else {
					v, found = fig(x), true
				}
			}
			return v, found
		}}
}

func sumOf(a, b float64) float64 { return a + b }
func maxOf(a, b float64) float64 { return max(a, b) }

func totalCPU(x Resources) float64    { return x.CPUMean.Millicores() }
func totalMem(x Resources) float64    { return float64(x.WorkingSetMax) }
func instanceCPU(x Resources) float64 { c, _ := x.PerInstance(); return c.Millicores() }
func instanceMem(x Resources) float64 { _, m := x.PerInstance(); return float64(m) }

// snake turns a component name into its word: client-sidecar →
// client_sidecar.
func snake(c string) string {
	b := []byte(c)
	for i := range b {
		if b[i] == '-' {
			b[i] = '_'
		}
	}
	return string(b)
}
