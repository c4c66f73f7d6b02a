package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/meshperf/meshperf/meshperf/capacity"
)

// capacityView is one capacity search, ready for the template: its
// verdict, a chart of p99 against the requested rate (passing steps green,
// failing ones red, the capacity a dashed line) and a table of its steps.
type capacityView struct {
	Title   string
	Verdict string
	Budget  string
	QPS     string // data-max-qps
	Chart   capacityChart
	Steps   []capacityRow
}

type capacityRow struct {
	N                       int
	Phase                   string
	Requested, Actual       string
	P50, P99, Errors, Class string
	Verdict, Why            string
}

type capacityChart struct {
	frame
	Dots     []capacityDot
	CapX     float64 // the capacity line; 0: none
	HasCap   bool
	CapLabel string
}

type capacityDot struct {
	CX, CY float64
	X, Y   string // requested rate and p99 in Unit, as in data-x, data-y
	Class  string // pass or fail
	Title  string
}

// capacityViews links each search of s to its steps among s.Results and
// draws it.
func capacityViews(s Source) ([]capacityView, error) {
	var out []capacityView
	for i, c := range s.Capacity {
		if c == nil {
			return nil, fmt.Errorf("%s: capacity search %d is empty", s.Name, i+1)
		}
		if missing := c.Link(s.Results); missing > 0 {
			return nil, fmt.Errorf("%s: capacity search %d: %d of its %d steps are not among the document's steps", s.Name, i+1, missing, len(c.Steps))
		}
		title := s.Name
		if m := c.Labels["mode"]; m != "" {
			title = "mode " + m
			if sc := c.Labels["sidecar"]; sc != "" && m != ModeBaseline {
				title += ", sidecar " + sc
			}
			title += " (" + s.Name + ")"
		}
		v := capacityView{Title: title, Verdict: c.Verdict(), Budget: c.Criterion, QPS: strconv.FormatFloat(c.QPS, 'f', -1, 64)}
		for n, st := range c.Steps {
			r := st.Result
			row := capacityRow{N: n + 1, Phase: string(st.Phase), Requested: strconv.FormatFloat(st.QPS, 'f', -1, 64),
				Actual: strconv.FormatFloat(r.ActualQPS, 'f', 1, 64), P50: fmtDur(float64(r.Latency.P50)),
				P99: fmtDur(float64(r.Latency.P99)), Errors: strconv.FormatInt(r.Failures(), 10), Class: "pass", Verdict: "pass"}
			if !st.Pass {
				row.Class, row.Verdict = "fail", "fail"
				if st.Err != nil {
					row.Why = st.Err.Error()
				}
			}
			v.Steps = append(v.Steps, row)
		}
		v.Chart = newCapacityChart(c)
		out = append(out, v)
	}
	return out, nil
}

// newCapacityChart draws p99 against the requested rate, both axes linear
// from zero.
func newCapacityChart(c *capacity.Result) capacityChart {
	var maxX, maxY float64
	for _, st := range c.Steps {
		maxX = max(maxX, st.QPS)
		if st.Result.Latency.Count > 0 {
			maxY = max(maxY, float64(st.Result.Latency.P99))
		}
	}
	div, unit := latencyUnit(maxY)
	yTicks, yMax := niceTicks(maxY / div)
	xTicks, xMax := niceTicks(maxX)
	ch := capacityChart{frame: newFrame("p99 against requested rate", unit, "p99 ("+unit+")", "requested rate (req/s)", chartW*2, chartH)}
	px := func(x float64) float64 { return round2(ch.Left + x/xMax*(ch.Right-ch.Left)) }
	py := func(y float64) float64 { return round2(ch.Bottom - y/yMax*(ch.Bottom-ch.Top)) }
	for _, t := range xTicks {
		ch.XTicks = append(ch.XTicks, tick{Pos: px(t.v), Label: t.label})
	}
	for _, t := range yTicks {
		ch.YTicks = append(ch.YTicks, tick{Pos: py(t.v), Label: t.label})
	}
	for n, st := range c.Steps {
		r := st.Result
		if r.Latency.Count == 0 {
			continue // no answered request: no p99 to draw (the table says so)
		}
		y := float64(r.Latency.P99) / div
		d := capacityDot{CX: px(st.QPS), CY: py(y), X: strconv.FormatFloat(st.QPS, 'f', -1, 64),
			Y: strconv.FormatFloat(y, 'g', -1, 64), Class: "fail"}
		if st.Pass {
			d.Class = "pass"
		}
		d.Title = fmt.Sprintf("step %d (%s): %s req/s, p99 %.3f %s, %s", n+1, st.Phase, d.X, y, unit, d.Class)
		ch.Dots = append(ch.Dots, d)
	}
	if c.QPS > 0 && !math.IsInf(c.QPS, 0) {
		ch.HasCap, ch.CapX = true, px(c.QPS)
		ch.CapLabel = "capacity " + strings.TrimSuffix(strconv.FormatFloat(c.QPS, 'f', 1, 64), ".0") + " req/s"
	}
	return ch
}

const capacityHTML = `{{define "capacity"}}<section class="capacity" data-max-qps="{{.QPS}}">
<h3>{{.Title}}</h3>
<p class="verdict">{{.Verdict}}</p>
{{with .Budget}}<p>budget <code>{{.}}</code></p>{{end}}
{{with .Chart}}<figure class="chart capacity-chart" data-title="{{.Title}}" data-unit="{{.Unit}}">
<figcaption>{{.Title}}</figcaption>
<svg width="{{.W}}" height="{{.H}}" viewBox="0 0 {{.W}} {{.H}}" role="img" aria-label="{{.Title}}">
{{- template "frame" .}}
{{- if .HasCap}}
<line class="cap" x1="{{.CapX}}" x2="{{.CapX}}" y1="{{.Top}}" y2="{{.Bottom}}"><title>{{.CapLabel}}</title></line>
{{- end}}
{{- range .Dots}}
<circle class="cpt {{.Class}}" r="4" cx="{{.CX}}" cy="{{.CY}}" data-x="{{.X}}" data-y="{{.Y}}"><title>{{.Title}}</title></circle>
{{- end}}
</svg>
<ul class="legend"><li><span class="sw pass"></span>pass</li><li><span class="sw fail"></span>fail</li>{{if .HasCap}}<li>dashed: {{.CapLabel}}</li>{{end}}</ul>
</figure>{{end}}
<table class="capacity-steps">
<thead><tr><th>step</th><th>phase</th><th>requested req/s</th><th>actual req/s</th><th>p50</th><th>p99</th><th>errors</th><th>verdict</th><th>why</th></tr></thead>
<tbody>{{range .Steps}}
<tr class="{{.Class}}"><td>{{.N}}</td><td>{{.Phase}}</td><td>{{.Requested}}</td><td>{{.Actual}}</td><td>{{.P50}}</td><td>{{.P99}}</td><td>{{.Errors}}</td><td>{{.Verdict}}</td><td class="why">{{.Why}}</td></tr>{{end}}
</tbody>
</table>
</section>
{{end}}`
