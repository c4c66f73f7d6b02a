package sidecaroverhead

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/meshperf/meshperf/fixtures"
	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/latency"
	"github.com/meshperf/meshperf/meshperf/report"
)

// results collects every measured step, per mesh, for the report and the
// summary that TestMain writes after the benchmarks.
var results = &collector{}

type collector struct {
	mu      sync.Mutex
	order   []string // meshes in the order they ran
	env     map[string]map[string]string
	results map[string][]*meshperf.Result
}

func (c *collector) addSource(mesh string, env map[string]string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.env == nil {
		c.env, c.results = map[string]map[string]string{}, map[string][]*meshperf.Result{}
	}
	if !slices.Contains(c.order, mesh) {
		c.order = append(c.order, mesh)
	}
	c.env[mesh] = env
}

func (c *collector) add(mesh string, res *meshperf.Result) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.results[mesh] = append(c.results[mesh], res)
}

func (c *collector) empty() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range c.results {
		if len(rs) > 0 {
			return false
		}
	}
	return true
}

// writeReport builds the HTML report, one source per mesh, and writes it
// to s.report atomically ("" renders it and keeps nothing).
func (c *collector) writeReport(s settings) error {
	c.mu.Lock()
	var srcs []report.Source
	for _, m := range c.order {
		if len(c.results[m]) == 0 {
			continue // skipped, or failed before its first step
		}
		srcs = append(srcs, report.Source{Name: "sidecar=" + m, Results: c.results[m], Environment: c.env[m],
			Config: map[string]string{"qps": fmt.Sprint(QPS), "step": s.step.String(), "warmup": s.warmup.String(),
				"modes": "baseline,both", "limits": "1 CPU, 512Mi per sidecar", "mtls": "on"}})
	}
	c.mu.Unlock()
	page, err := report.Build(srcs)
	if err != nil {
		return err
	}
	if s.report == "" {
		return page.WriteHTML(io.Discard)
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.report), ".report-*.html")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if err := page.WriteHTML(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), s.report)
}

// writeSummary prints one row per mesh and concurrency: baseline and both,
// what both adds, and each sidecar's CPU and peak memory. Repeated steps
// (-count) show their median.
func (c *collector) writeSummary(w io.Writer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "sidecar\tconc\tbase p50\tbase p99\tboth p50\tboth p99\tadded p50\tadded p99\tclient CPU\tclient mem\tserver CPU\tserver mem\t")
	notEnforced := "" // why the limits were not verified in force
	for _, m := range c.order {
		byStep := map[fixtures.Mode]map[int][]*meshperf.Result{}
		var concs []int
		for _, r := range c.results[m] {
			mode := fixtures.Mode(r.Labels["mode"])
			if byStep[mode] == nil {
				byStep[mode] = map[int][]*meshperf.Result{}
			}
			byStep[mode][r.Concurrency] = append(byStep[mode][r.Concurrency], r)
			if !slices.Contains(concs, r.Concurrency) {
				concs = append(concs, r.Concurrency)
			}
			if r.Environment["limits_enforced"] != "true" && notEnforced == "" {
				notEnforced = r.Environment["limits_check"]
				if notEnforced == "" {
					notEnforced = "the fixture did not say why"
				}
			}
		}
		slices.Sort(concs)
		for _, conc := range concs {
			base, both := byStep[fixtures.Baseline][conc], byStep[fixtures.Both][conc]
			lat := func(rs []*meshperf.Result, q func(*meshperf.Result) time.Duration) string {
				if len(rs) == 0 {
					return "-"
				}
				return latency.Format(time.Duration(median(rs, func(r *meshperf.Result) float64 { return float64(q(r)) })))
			}
			added := func(q func(*meshperf.Result) time.Duration) string {
				if len(base) == 0 || len(both) == 0 {
					return "-"
				}
				f := func(r *meshperf.Result) float64 { return float64(q(r)) }
				d := time.Duration(median(both, f) - median(base, f))
				if d >= 0 {
					return "+" + latency.Format(d)
				}
				return latency.Format(d)
			}
			res := func(name string, cpu bool) string {
				var have []*meshperf.Result
				for _, r := range both {
					if _, ok := r.Resources[name]; ok {
						have = append(have, r)
					}
				}
				if len(have) == 0 {
					return "-"
				}
				if cpu {
					return fmt.Sprintf("%.0fm", median(have, func(r *meshperf.Result) float64 { return r.Resources[name].CPUMean.Millicores() }))
				}
				return meshperf.Bytes(median(have, func(r *meshperf.Result) float64 { return float64(r.Resources[name].WorkingSetMax) })).String()
			}
			p50 := func(r *meshperf.Result) time.Duration { return r.Latency.P50 }
			p99 := func(r *meshperf.Result) time.Duration { return r.Latency.P99 }
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", m, conc,
				lat(base, p50), lat(base, p99), lat(both, p50), lat(both, p99), added(p50), added(p99),
				res(fixtures.ClientSidecar, true), res(fixtures.ClientSidecar, false),
				res(fixtures.ServerSidecar, true), res(fixtures.ServerSidecar, false))
		}
	}
	tw.Flush()
	fmt.Fprintf(w, "%d req/s open loop; latency from each request's intended send time; CPU is the mean over the step, memory the peak working set.\n", QPS)
	if notEnforced != "" {
		fmt.Fprintln(w, "The 1 CPU / 512Mi limits were not verified in force:", notEnforced)
	}
	fmt.Fprintln(w, "p99 on a small VM includes scheduling noise of 1–4 ms; repeat with -count and compare with benchstat -col /mode.")
}

// stepLine is the one-line progress note of a step under -v.
func stepLine(mesh string, r *meshperf.Result) string {
	line := fmt.Sprintf("%-8s %-8s conc=%-3d %7.1f req/s  p50 %-8s p99 %-8s errors %d",
		mesh, r.Labels["mode"], r.Concurrency, r.ActualQPS, latency.Format(r.Latency.P50), latency.Format(r.Latency.P99), r.Failures())
	for _, name := range []string{fixtures.ClientSidecar, fixtures.ServerSidecar} {
		if x, ok := r.Resources[name]; ok {
			line += fmt.Sprintf("  %s %.0fm %s", name, x.CPUMean.Millicores(), x.WorkingSetMax)
		}
	}
	return line
}

// median returns the median of f over rs (len(rs) > 0).
func median(rs []*meshperf.Result, f func(*meshperf.Result) float64) float64 {
	vs := make([]float64, len(rs))
	for i, r := range rs {
		vs[i] = f(r)
	}
	sort.Float64s(vs)
	if n := len(vs); n%2 == 0 {
		return (vs[n/2-1] + vs[n/2]) / 2
	}
	return vs[len(vs)/2]
}
