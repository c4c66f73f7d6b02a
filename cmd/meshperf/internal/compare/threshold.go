package compare

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/meshperf/meshperf/internal/quantity"
	"github.com/meshperf/meshperf/meshperf"
)

// Threshold is one -fail-on clause, such as "p99>+10%". Relative limits are
// percent of the old value; absolute limits are in the metric's unit (ns,
// req/s, millicores, bytes; the error rate's limit is a fraction, written in
// percentage points).
type Threshold struct {
	Metric   Metric
	Relative bool
	Limit    float64 // ≥ 0: percent when Relative, else the metric's unit
}

// ThresholdError is a clause that does not parse.
type ThresholdError struct {
	Clause string
	Reason string
}

func (e *ThresholdError) Error() string { return fmt.Sprintf("clause %q: %s", e.Clause, e.Reason) }

// metricList names every metric, for errors.
func metricList() string {
	names := make([]string, len(Metrics))
	for i, m := range Metrics {
		names[i] = string(m)
	}
	return strings.Join(names, ", ")
}

// ParseThresholds parses comma-separated clauses METRIC OP VALUE: OP is '>'
// (a rise fails) for every metric but qps, which takes '<' (a drop fails).
// VALUE is +N% (relative), or absolute: a duration for latencies (+200us),
// req/s for qps (-500), percentage points for err (+0.5% or +0.5pp),
// millicores or cores for CPU (+50m, +0.1), bytes for memory (+16Mi).
// METRIC is one of Metrics, words of meshperf.Metrics; sidecar_cpu and
// sidecar_mem, once the sum of both sidecars here, are refused, naming
// total_sidecar_cpu and total_sidecar_mem.
func ParseThresholds(s string) ([]Threshold, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []Threshold
	for _, c := range strings.Split(s, ",") {
		t, err := parseClause(strings.TrimSpace(c))
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func parseClause(c string) (Threshold, error) {
	bad := func(format string, args ...any) (Threshold, error) {
		return Threshold{}, &ThresholdError{Clause: c, Reason: fmt.Sprintf(format, args...)}
	}
	i := strings.IndexAny(c, "<>")
	if i < 0 {
		return bad("want METRIC>+VALUE (qps: qps<-VALUE), e.g. p99>+10%%")
	}
	name, op, val := strings.TrimSpace(c[:i]), c[i], strings.TrimSpace(c[i+1:])
	m := Metric(name)
	known := false
	for _, k := range Metrics {
		known = known || k == m
	}
	if now, ok := renamed[name]; ok && !known {
		return bad("%s is no longer a -fail-on metric (it was the sum of both sidecars, but a budget's %s means each sidecar): use %s", name, name, now)
	}
	if !known {
		return bad("unknown metric %q: use %s", name, metricList())
	}
	want, sign := byte('>'), "+"
	if !m.HigherIsWorse() {
		want, sign = '<', "-"
	}
	if op != want {
		return bad("%s fails on a %s: write %s%c%sVALUE", m, map[byte]string{'>': "rise", '<': "drop"}[want], m, want, sign)
	}
	if v, ok := strings.CutPrefix(val, sign); ok {
		val = v
	} else if strings.HasPrefix(val, "+") || strings.HasPrefix(val, "-") {
		return bad("%c takes %sVALUE", want, sign)
	}
	limit, relative, reason := parseLimit(m, val)
	if reason != "" {
		return bad("%s", reason)
	}
	return Threshold{Metric: m, Limit: limit, Relative: relative}, nil
}

// parseLimit reads a clause's value, its sign already cut: a percentage of
// the baseline (relative), or an absolute amount in m's unit. A value it
// cannot read comes back as the reason.
func parseLimit(m Metric, val string) (limit float64, relative bool, reason string) {
	num := func(s string) (float64, bool) {
		v, err := quantity.Number(s)
		return v, err == nil
	}
	if m.kind() == kindRatio {
		p, ok := strings.CutSuffix(val, "pp")
		if !ok {
			p, ok = strings.CutSuffix(val, "%")
		}
		v, okn := num(p)
		if !ok || !okn || v > 100 {
			return 0, false, "err takes percentage points 0 to 100, e.g. err>+0.5% or err>+0.5pp"
		}
		return v / 100, false, ""
	}
	if strings.HasSuffix(val, "%") {
		v, err := quantity.Percent(val)
		if err != nil {
			return 0, false, fmt.Sprintf("%q is not a non-negative percentage", val)
		}
		return v, true, ""
	}
	switch m.kind() {
	case kindLatency:
		d, err := quantity.Duration(val)
		if err != nil {
			return 0, false, fmt.Sprintf("%q: use +N%% or a duration such as +200us or +1.5ms", val)
		}
		return float64(d), false, ""
	case kindRate:
		v, ok := num(val)
		if !ok {
			return 0, false, fmt.Sprintf("%q: use -N%% or requests per second such as -500", val)
		}
		return v, false, ""
	case kindCPU:
		v, err := quantity.Millicores(val)
		if err != nil {
			return 0, false, fmt.Sprintf("%q: use +N%%, millicores (+50m) or cores (+0.1)", val)
		}
		return v, false, ""
	case kindMem:
		b, err := meshperf.ParseBytes(val)
		if err != nil || val == "" || val[0] < '0' || val[0] > '9' {
			return 0, false, fmt.Sprintf("%q: use +N%% or bytes such as +16Mi or +10M", val)
		}
		return float64(b), false, ""
	}
	return 0, false, ""
}

// String returns the clause in canonical form; ParseThresholds reads it back.
func (t Threshold) String() string {
	op, sign := ">", "+"
	if !t.Metric.HigherIsWorse() {
		op, sign = "<", "-"
	}
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	var v string
	switch {
	case t.Relative:
		v = g(t.Limit) + "%"
	case t.Metric.kind() == kindRatio:
		v = g(100*t.Limit) + "pp"
	case t.Metric.kind() == kindLatency:
		v = time.Duration(t.Limit).String()
	case t.Metric.kind() == kindCPU:
		v = g(t.Limit) + "m"
	default:
		v = g(t.Limit)
	}
	return string(t.Metric) + op + sign + v
}

// Crossed reports whether the change from old to new is worse than t allows.
// A relative limit on a metric that was 0 trips on any worsening.
func (t Threshold) Crossed(old, new float64) bool {
	worse := new - old
	if !t.Metric.HigherIsWorse() {
		worse = old - new
	}
	if !t.Relative {
		return worse > t.Limit
	}
	if old == 0 {
		return worse > 0
	}
	return 100*worse/math.Abs(old) > t.Limit
}
