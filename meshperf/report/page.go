package report

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/capacity"
	"github.com/meshperf/meshperf/meshperf/stats"
)

// Source is the results of one file, with the environment and config its
// document carried (a sweep document's top-level members, or a single
// result's environment).
type Source struct {
	Name        string
	Results     []*meshperf.Result
	Environment map[string]string
	Config      map[string]string
	// Capacity holds the capacity searches whose steps are Results
	// (`meshperf capacity -json`). Their steps are drawn as searches,
	// requested rate against p99, not against concurrency.
	Capacity []*capacity.Result
}

// Page is a report ready to write.
type Page struct {
	Title          string
	LatencyCharts  []chart
	ResourceCharts []chart
	Overhead       []overheadRow
	OverheadBySide bool // several sidecars: the table has a sidecar column
	Capacity       []capacityView
	Sources        []sourceView
}

type overheadRow struct {
	Sidecar          string
	Concurrency      int
	BaseP50, BothP50 string
	DeltaP50         string
	BaseP99, BothP99 string
	DeltaP99         string
	// IntervalP50 and IntervalP99 are the 95% intervals of the overhead
	// (Hodges–Lehmann, from the repeated runs), e.g. "+80µs to +160µs",
	// or "needs ≥ 4 runs a side".
	IntervalP50, IntervalP99 string
	SidecarCPU               string
}

type sourceView struct {
	Name        string
	Environment []kv
	Config      []kv
}

type kv struct{ Key, Value string }

// ErrNoResults is returned (wrapped, naming the source) for a source
// without results.
var ErrNoResults = errors.New("no results")

// Build draws the report of srcs. Every source must hold results.
func Build(srcs []Source) (*Page, error) {
	if len(srcs) == 0 {
		return nil, errors.New("report: no sources")
	}
	var all []*meshperf.Result
	p := &Page{Title: "meshperf report"}
	for _, s := range srcs {
		if len(s.Results) == 0 {
			return nil, fmt.Errorf("%s: %w", s.Name, ErrNoResults)
		}
		if len(s.Capacity) > 0 {
			views, err := capacityViews(s)
			if err != nil {
				return nil, err
			}
			p.Capacity = append(p.Capacity, views...)
		} else {
			all = append(all, s.Results...)
		}
		env := s.Environment
		if env == nil {
			env = s.Results[0].Environment
		}
		p.Sources = append(p.Sources, sourceView{Name: s.Name, Environment: sorted(env), Config: sorted(s.Config)})
	}
	ss := groupSeries(all)
	class := map[string]string{}
	for i, s := range ss {
		class[s.name] = "s" + strconv.Itoa(i%8)
	}
	lat := func(q func(*meshperf.Result) time.Duration) valueFunc {
		return func(r *meshperf.Result) (float64, bool) {
			if r.Latency.Count == 0 && q(r) == 0 {
				return 0, false
			}
			return float64(q(r)), true
		}
	}
	for _, m := range []struct {
		title string
		f     valueFunc
	}{
		{"p50", lat(func(r *meshperf.Result) time.Duration { return r.Latency.P50 })},
		{"p90", lat(func(r *meshperf.Result) time.Duration { return r.Latency.P90 })},
		{"p99", lat(func(r *meshperf.Result) time.Duration { return r.Latency.P99 })},
		{"p99.9", lat(func(r *meshperf.Result) time.Duration { return r.Latency.P999 })},
	} {
		if c, ok := newChart(m.title+" latency", "latency", ss, class, m.f, latencyUnit); ok {
			p.LatencyCharts = append(p.LatencyCharts, c)
		}
	}
	for _, comp := range []string{meshperf.ClientSidecar, meshperf.ServerSidecar} {
		if c, ok := newChart(comp+" CPU (mean)", "CPU", ss, class, cpuOf(comp), fixedUnit(1, "millicores")); ok {
			p.ResourceCharts = append(p.ResourceCharts, c)
		}
	}
	for _, comp := range []string{meshperf.ClientSidecar, meshperf.ServerSidecar} {
		if c, ok := newChart(comp+" memory (working set max)", "memory", ss, class, memOf(comp), fixedUnit(float64(meshperf.MiB), "MiB")); ok {
			p.ResourceCharts = append(p.ResourceCharts, c)
		}
	}
	p.Overhead, p.OverheadBySide = overhead(ss)
	return p, nil
}

// cpuOf reads a component's mean CPU in millicores.
func cpuOf(comp string) valueFunc {
	return func(r *meshperf.Result) (float64, bool) {
		x, ok := r.Resources[comp]
		return x.CPUMean.Millicores(), ok && x.Unreliable == "" // an unreliable figure is not drawn
	}
}

// memOf reads a component's maximum working set in bytes.
func memOf(comp string) valueFunc {
	return func(r *meshperf.Result) (float64, bool) {
		x, ok := r.Resources[comp]
		return float64(x.WorkingSetMax), ok && x.Unreliable == ""
	}
}

// sidecarCPU is the mean CPU of both sidecars, in millicores; a run
// without sidecars uses none.
func sidecarCPU(r *meshperf.Result) (float64, bool) {
	var sum float64
	for _, comp := range []string{meshperf.ClientSidecar, meshperf.ServerSidecar} {
		sum += r.Resources[comp].CPUMean.Millicores()
	}
	return sum, true
}

// overhead pairs every "both" series with the "baseline" series of the same
// sidecar (or the only baseline) and returns a row per concurrency they
// share.
func overhead(ss []*series) (rows []overheadRow, bySidecar bool) {
	var bases, boths []*series
	for _, s := range ss {
		switch s.mode {
		case ModeBaseline:
			bases = append(bases, s)
		case ModeBoth:
			boths = append(boths, s)
		}
	}
	bySidecar = len(boths) > 1
	p50 := func(r *meshperf.Result) (float64, bool) { return float64(r.Latency.P50), true }
	p99 := func(r *meshperf.Result) (float64, bool) { return float64(r.Latency.P99), true }
	for _, both := range boths {
		var base *series
		for _, b := range bases {
			if b.sidecar == both.sidecar {
				base = b
			}
		}
		if base == nil && len(bases) == 1 {
			base = bases[0]
		}
		if base == nil {
			continue
		}
		for _, st := range both.steps {
			bst, ok := base.at(st.conc)
			if !ok {
				continue
			}
			row := overheadRow{Sidecar: both.sidecar, Concurrency: st.conc}
			b50, _ := bst.value(p50)
			o50, _ := st.value(p50)
			b99, _ := bst.value(p99)
			o99, _ := st.value(p99)
			row.BaseP50, row.BothP50, row.DeltaP50 = fmtDur(b50), fmtDur(o50), fmtDelta(o50, b50)
			row.BaseP99, row.BothP99, row.DeltaP99 = fmtDur(b99), fmtDur(o99), fmtDelta(o99, b99)
			row.IntervalP50, row.IntervalP99 = fmtInterval(bst, st, p50), fmtInterval(bst, st, p99)
			bc, _ := bst.value(sidecarCPU)
			oc, _ := st.value(sidecarCPU)
			row.SidecarCPU = signed(strconv.FormatFloat(math.Abs(oc-bc), 'f', 0, 64)+"m", oc-bc)
			rows = append(rows, row)
		}
	}
	return rows, bySidecar
}

// fmtInterval prints the 95% interval of the shift of f from base to got
// over their runs (package stats), e.g. "+80µs to +160µs".
func fmtInterval(base, got step, f func(*meshperf.Result) (float64, bool)) string {
	values := func(s step) []float64 {
		var vs []float64
		for _, r := range s.runs {
			if r.Latency.Count == 0 {
				continue
			}
			if v, ok := f(r); ok {
				vs = append(vs, v)
			}
		}
		return vs
	}
	x, y := values(base), values(got)
	if len(x) == 0 || len(y) == 0 {
		return "–"
	}
	sh, err := stats.HodgesLehmann(x, y, stats.DefaultConfidence)
	if err != nil || !sh.Bounded() {
		return fmt.Sprintf("needs ≥ 4 runs a side (%d+%d)", len(x), len(y))
	}
	return signed(fmtDur(math.Abs(sh.Lo)), sh.Lo) + " to " + signed(fmtDur(math.Abs(sh.Hi)), sh.Hi)
}

// fmtDur prints nanoseconds in µs below a millisecond, in ms above.
func fmtDur(ns float64) string {
	if math.Abs(ns) < 1e6 {
		return strconv.FormatFloat(ns/1e3, 'f', 0, 64) + "µs"
	}
	return strconv.FormatFloat(ns/1e6, 'f', 2, 64) + "ms"
}

// fmtDelta prints got − base and its share of base, e.g. "+120µs (+15.0%)".
func fmtDelta(got, base float64) string {
	d := got - base
	s := signed(fmtDur(math.Abs(d)), d)
	if base > 0 {
		s += " (" + signed(strconv.FormatFloat(math.Abs(100*d/base), 'f', 1, 64)+"%", d) + ")"
	}
	return s
}

func signed(abs string, v float64) string {
	if v < 0 {
		return "−" + abs
	}
	return "+" + abs
}

func sorted(m map[string]string) []kv {
	out := make([]kv, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, kv{k, m[k]})
	}
	return out
}

// WriteHTML writes the page: one HTML document with inline CSS and SVG.
func (p *Page) WriteHTML(w io.Writer) error {
	return pageTmpl.Execute(w, p)
}

var pageTmpl = template.Must(template.Must(template.New("page").Parse(pageHTML)).Parse(capacityHTML))

const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1600px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px}
.charts{display:flex;flex-wrap:wrap;gap:16px}
figure{margin:0;border:1px solid #ddd;border-radius:4px;padding:8px}
figcaption{font-weight:600;margin-bottom:4px}
svg text{font-size:11px;fill:#444}
.axis{stroke:#888;stroke-width:1}
.grid{stroke:#eee;stroke-width:1}
.pt{stroke:#fff;stroke-width:1}
.legend{list-style:none;padding:0;margin:4px 0 0;display:flex;gap:12px;flex-wrap:wrap}
.sw{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 16px}dt{font-weight:600}dd{margin:0}
.s0{stroke:#1f77b4;fill:#1f77b4;background:#1f77b4}.s1{stroke:#d62728;fill:#d62728;background:#d62728}
.s2{stroke:#2ca02c;fill:#2ca02c;background:#2ca02c}.s3{stroke:#ff7f0e;fill:#ff7f0e;background:#ff7f0e}
.s4{stroke:#9467bd;fill:#9467bd;background:#9467bd}.s5{stroke:#8c564b;fill:#8c564b;background:#8c564b}
.s6{stroke:#e377c2;fill:#e377c2;background:#e377c2}.s7{stroke:#7f7f7f;fill:#7f7f7f;background:#7f7f7f}
.line{fill:none;stroke-width:2}
.pt.s0,.pt.s1,.pt.s2,.pt.s3,.pt.s4,.pt.s5,.pt.s6,.pt.s7{stroke:#fff}
.pass{fill:#2ca02c;background:#2ca02c}.fail{fill:#d62728;background:#d62728}
tr.pass,tr.fail{background:none}tr.fail td{color:#d62728}.cap{stroke:#1f77b4;stroke-width:2;stroke-dasharray:4 3}
.verdict{font-weight:600}td.why{text-align:left;font-size:12px}
</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{with .Capacity}}<h2 id="capacity">Capacity: the highest rate that keeps the budget</h2>
{{range .}}{{template "capacity" .}}{{end}}{{end}}
{{with .LatencyCharts}}<h2 id="latency">Latency against concurrency</h2>
<div class="charts">{{range .}}{{template "chart" .}}{{end}}</div>{{end}}
{{with .ResourceCharts}}<h2 id="resources">Sidecar resources against concurrency</h2>
<div class="charts">{{range .}}{{template "chart" .}}{{end}}</div>{{end}}
{{with .Overhead}}<h2 id="overhead">Overhead: both minus baseline</h2>
<table class="overhead">
<thead><tr>{{if $.OverheadBySide}}<th>sidecar</th>{{end}}<th>concurrency</th><th>p50 baseline</th><th>p50 both</th><th>Δ p50</th><th>Δ p50 95% interval</th><th>p99 baseline</th><th>p99 both</th><th>Δ p99</th><th>Δ p99 95% interval</th><th>Δ sidecar CPU</th></tr></thead>
<tbody>{{range .}}
<tr class="row">{{if $.OverheadBySide}}<td>{{.Sidecar}}</td>{{end}}<td>{{.Concurrency}}</td><td>{{.BaseP50}}</td><td>{{.BothP50}}</td><td>{{.DeltaP50}}</td><td>{{.IntervalP50}}</td><td>{{.BaseP99}}</td><td>{{.BothP99}}</td><td>{{.DeltaP99}}</td><td>{{.IntervalP99}}</td><td>{{.SidecarCPU}}</td></tr>{{end}}
</tbody>
</table>{{end}}
<h2 id="environment">Environment and config</h2>
{{range .Sources}}<section class="source">
<h3>{{.Name}}</h3>
{{with .Environment}}<h4>Environment</h4><dl class="environment">{{range .}}<dt>{{.Key}}</dt><dd>{{.Value}}</dd>{{end}}</dl>{{end}}
{{with .Config}}<h4>Config</h4><dl class="config">{{range .}}<dt>{{.Key}}</dt><dd>{{.Value}}</dd>{{end}}</dl>{{end}}
</section>
{{end}}
</body>
</html>
{{define "frame"}}
{{- $c := .}}
{{- range .YTicks}}
<line class="grid" x1="{{$c.Left}}" x2="{{$c.Right}}" y1="{{.Pos}}" y2="{{.Pos}}"/><text x="{{$c.Left}}" y="{{.Pos}}" dx="-4" dy="4" text-anchor="end">{{.Label}}</text>
{{- end}}
{{- range .XTicks}}
<line class="axis" x1="{{.Pos}}" x2="{{.Pos}}" y1="{{$c.Bottom}}" y2="{{$c.TickEnd}}"/><text x="{{.Pos}}" y="{{$c.Bottom}}" dy="14" text-anchor="middle">{{.Label}}</text>
{{- end}}
<line class="axis" x1="{{.Left}}" x2="{{.Right}}" y1="{{.Bottom}}" y2="{{.Bottom}}"/>
<line class="axis" x1="{{.Left}}" x2="{{.Left}}" y1="{{.Top}}" y2="{{.Bottom}}"/>
<text x="{{.XMid}}" y="{{.H}}" dy="-8" text-anchor="middle">{{.XLabel}}</text>
<text transform="translate(14 {{.YMid}}) rotate(-90)" text-anchor="middle">{{.YLabel}}</text>
{{- end}}
{{define "chart"}}<figure class="chart" data-title="{{.Title}}" data-unit="{{.Unit}}">
<figcaption>{{.Title}}</figcaption>
<svg width="{{.W}}" height="{{.H}}" viewBox="0 0 {{.W}} {{.H}}" role="img" aria-label="{{.Title}}">
{{- template "frame" .}}
{{- range .Lines}}
<g class="series" data-series="{{.Name}}">
<polyline class="line {{.Class}}" points="{{.Points}}"/>
{{- $l := .}}
{{- range .Dots}}
<circle class="pt {{$l.Class}}" r="3.5" cx="{{.CX}}" cy="{{.CY}}" data-series="{{$l.Name}}" data-x="{{.X}}" data-y="{{.Y}}"><title>{{.Title}}</title></circle>
{{- end}}
</g>
{{- end}}
</svg>
<ul class="legend">{{range .Lines}}<li><span class="sw {{.Class}}"></span>{{.Name}}</li>{{end}}</ul>
</figure>
{{end}}`
