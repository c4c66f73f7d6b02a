package report

import (
	"math"
	"slices"
	"strconv"

	"github.com/meshperf/meshperf/meshperf"
)

// Chart geometry, in SVG user units (pixels at 100% zoom).
const (
	chartW      = 360
	chartH      = 240
	marginLeft  = 60
	marginRight = 14
	marginTop   = 14
	marginBot   = 42
)

// frame is what every chart shares: its size, plot area, axes, ticks and
// axis labels, drawn by the "frame" template.
type frame struct {
	Title  string
	Unit   string // unit of the y values, also in data-unit
	YLabel string
	XLabel string
	W, H   int
	Left   float64 // plot area, in user units
	Top    float64
	Right  float64
	Bottom float64
	// Derived positions, so the template needs no arithmetic.
	TickEnd, XMid, YMid float64
	XTicks              []tick
	YTicks              []tick
}

// newFrame is a w×h frame with the standard margins.
func newFrame(title, unit, yLabel, xLabel string, w, h int) frame {
	f := frame{Title: title, Unit: unit, YLabel: yLabel, XLabel: xLabel, W: w, H: h,
		Left: marginLeft, Top: marginTop, Right: float64(w) - marginRight, Bottom: float64(h) - marginBot}
	f.TickEnd, f.XMid, f.YMid = f.Bottom+4, (f.Left+f.Right)/2, (f.Top+f.Bottom)/2
	return f
}

// chart is one small SVG line chart, ready for the template.
type chart struct {
	frame
	Lines []line
}

type tick struct {
	Pos   float64
	Label string
}

type line struct {
	Name   string
	Class  string // color class, s0 to s7
	Points string // polyline points
	Dots   []dot
}

// dot is one data point; X is the concurrency and Y the value in the
// chart's unit, as written in data-x and data-y.
type dot struct {
	CX, CY float64
	X      int
	Y      string
	Title  string
}

// valueFunc reads one metric of a run; false means the run lacks it.
type valueFunc func(*meshperf.Result) (float64, bool)

// unitScale picks how a chart shows its values: raw is the largest value in
// the metric's base unit; it returns the divisor and the unit's name.
type unitScale func(raw float64) (div float64, unit string)

// latencyUnit shows nanoseconds as µs below one millisecond, ms above.
func latencyUnit(maxNS float64) (float64, string) {
	if maxNS < 1e6 {
		return 1e3, "µs"
	}
	return 1e6, "ms"
}

func fixedUnit(div float64, unit string) unitScale {
	return func(float64) (float64, string) { return div, unit }
}

// newChart draws f of every series that has it; false when none does.
func newChart(title, quantity string, ss []*series, class map[string]string, f valueFunc, scale unitScale) (chart, bool) {
	type pt struct {
		x int
		y float64
	}
	var (
		raw  = map[*series][]pt{}
		xs   []int
		maxY float64
	)
	for _, s := range ss {
		for _, st := range s.steps {
			v, ok := st.value(f)
			if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			raw[s] = append(raw[s], pt{st.conc, v})
			if !slices.Contains(xs, st.conc) {
				xs = append(xs, st.conc)
			}
			maxY = max(maxY, v)
		}
	}
	if len(xs) == 0 {
		return chart{}, false
	}
	slices.Sort(xs)
	div, unit := scale(maxY)
	yTicks, yMax := niceTicks(maxY / div)
	// x: log2 when every concurrency is at least 1, else linear.
	logX := xs[0] >= 1
	xLabel := "concurrency"
	if logX {
		xLabel = "concurrency (log2 scale)"
	}
	c := chart{frame: newFrame(title, unit, quantity+" ("+unit+")", xLabel, chartW, chartH)}
	tx := func(x int) float64 {
		if logX {
			return math.Log2(float64(x))
		}
		return float64(x)
	}
	lo, hi := tx(xs[0]), tx(xs[len(xs)-1])
	if lo == hi {
		lo, hi = lo-1, hi+1
	}
	const pad = 12 // keep end points off the axes
	px := func(x int) float64 {
		return round2(c.Left + pad + (tx(x)-lo)/(hi-lo)*(c.Right-c.Left-2*pad))
	}
	py := func(y float64) float64 { return round2(c.Bottom - y/yMax*(c.Bottom-c.Top)) }
	for _, x := range xs {
		c.XTicks = append(c.XTicks, tick{Pos: px(x), Label: strconv.Itoa(x)})
	}
	for _, y := range yTicks {
		c.YTicks = append(c.YTicks, tick{Pos: py(y.v), Label: y.label})
	}
	for _, s := range ss {
		pts := raw[s]
		if len(pts) == 0 {
			continue
		}
		l := line{Name: s.name, Class: class[s.name]}
		for i, p := range pts {
			y := p.y / div
			d := dot{CX: px(p.x), CY: py(y), X: p.x, Y: strconv.FormatFloat(y, 'g', -1, 64)}
			d.Title = s.name + ", concurrency " + strconv.Itoa(p.x) + ": " + strconv.FormatFloat(y, 'f', 3, 64) + " " + unit
			if i > 0 {
				l.Points += " "
			}
			l.Points += strconv.FormatFloat(d.CX, 'f', -1, 64) + "," + strconv.FormatFloat(d.CY, 'f', -1, 64)
			l.Dots = append(l.Dots, d)
		}
		c.Lines = append(c.Lines, l)
	}
	return c, true
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

type yTick struct {
	v     float64
	label string
}

// niceTicks returns ticks from 0 to a round top at or above maxV, 1, 2 or 5
// times a power of ten apart, and that top.
func niceTicks(maxV float64) ([]yTick, float64) {
	if !(maxV > 0) {
		maxV = 1
	}
	const want = 5
	rough := maxV / want
	mag := math.Pow(10, math.Floor(math.Log10(rough)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if step = m * mag; step >= rough {
			break
		}
	}
	n := int(math.Ceil(maxV/step - 1e-9))
	dec := max(0, int(-math.Floor(math.Log10(step))))
	ticks := make([]yTick, 0, n+1)
	for i := 0; i <= n; i++ {
		v := float64(i) * step
		ticks = append(ticks, yTick{v: v, label: strconv.FormatFloat(v, 'f', dec, 64)})
	}
	return ticks, float64(n) * step
}
