package assertions

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/latency"
)

// MetricSamples is the Metric of the Violation reported for a Result that
// answered no request.
const MetricSamples = "samples"

// Violation is one broken limit. Metric is the clause name of the text form
// ("p99", "err", "sidecar_cpu", "overhead_p99", ...). Limit and Got carry
// their units: time.Duration for latency, Percent for error rate, QPS ratio
// and relative overhead, meshperf.CPU and meshperf.Bytes for resources.
type Violation struct {
	Metric string
	// Limit is the ceiling, or the floor when Floor is true.
	Limit fmt.Stringer
	// Got is the measured value; for an overhead it is meshed minus
	// baseline (absolute) or the increase over baseline (Percent). Nil
	// means the value was not measured.
	Got fmt.Stringer
	// Baseline and Meshed are set for overhead violations only.
	Baseline, Meshed fmt.Stringer
	Floor            bool
	// Reason says why Got is nil when the value was measured but cannot
	// be judged, e.g. "unreliable: ..." for resource figures taken from
	// outside the measured window.
	Reason  string
	Samples int64 // Latency.Count of the checked (for overhead: meshed) Result
	Step    Step
}

// Error reads, for example,
// "p99 6.20ms exceeds ceiling 5.00ms (1000 samples; mode=both conc=8 qps=1000)".
func (v *Violation) Error() string {
	switch v.Metric {
	case MetricSamples:
		return fmt.Sprintf("no answered request: 0 samples (%s)", v.Step)
	case MetricUnsent:
		if u, ok := v.Got.(Unsent); ok {
			return fmt.Sprintf("unsent: %s, over the ceiling %s: the target did not take the planned load, and the latencies describe only what was sent (%d samples; %s)",
				u, show(v.Limit), v.Samples, v.Step)
		}
	case MetricOverflow:
		if o, ok := v.Got.(Overflow); ok {
			return fmt.Sprintf("overflow: %s; the latencies near the top are a floor, not a measurement (%d samples; %s)", o, v.Samples, v.Step)
		}
	}
	if iv, ok := v.Got.(Interval); ok {
		return fmt.Sprintf("%s %s %s (%d samples; %s)", v.Metric, iv, iv.decision(v.Limit), v.Samples, v.Step)
	}
	var b strings.Builder
	b.WriteString(v.Metric)
	switch {
	case v.Got == nil && v.Reason != "":
		b.WriteString(" " + v.Reason)
	case v.Got == nil:
		b.WriteString(" not measured")
	case v.Baseline != nil:
		fmt.Fprintf(&b, " +%s (meshed %s, baseline %s)", show(v.Got), show(v.Meshed), show(v.Baseline))
	default:
		b.WriteString(" " + show(v.Got))
	}
	switch {
	case v.Got == nil:
		b.WriteString(", limit ")
	case v.Floor:
		b.WriteString(" is below floor ")
	default:
		b.WriteString(" exceeds ceiling ")
	}
	b.WriteString(show(v.Limit))
	fmt.Fprintf(&b, " (%d samples; %s)", v.Samples, v.Step)
	return b.String()
}

// show prints durations with three significant digits, as reports do.
func show(s fmt.Stringer) string {
	if d, ok := s.(time.Duration); ok {
		return latency.Format(d)
	}
	return s.String()
}

// Violations is the error Evaluate returns when limits are broken: never
// empty. errors.As finds a *Violation in it too.
type Violations []*Violation

// Error lists the violations, one per line after the first.
func (vs Violations) Error() string {
	if len(vs) == 1 {
		return "assertions: " + vs[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "assertions: %d limits broken:", len(vs))
	for _, v := range vs {
		b.WriteString("\n\t" + v.Error())
	}
	return b.String()
}

// Unwrap returns the violations for errors.Is and errors.As.
func (vs Violations) Unwrap() []error {
	errs := make([]error, len(vs))
	for i, v := range vs {
		errs[i] = v
	}
	return errs
}

// Step identifies the measured step of a Result: the fixture's "mode" and
// "sidecar" labels, the concurrency and the requested rate (0: closed loop).
type Step struct {
	Mode, Sidecar string
	Concurrency   int
	QPS           float64
}

// StepOf reads the Step of res.
func StepOf(res *meshperf.Result) Step {
	return Step{Mode: res.Labels["mode"], Sidecar: res.Labels["sidecar"], Concurrency: res.Concurrency, QPS: res.RequestedQPS}
}

// String reads "mode=both sidecar=haproxy conc=8 qps=1000"; a closed-loop
// step reads "qps=max".
func (s Step) String() string {
	var parts []string
	if s.Mode != "" {
		parts = append(parts, "mode="+s.Mode)
	}
	if s.Sidecar != "" {
		parts = append(parts, "sidecar="+s.Sidecar)
	}
	parts = append(parts, "conc="+strconv.Itoa(s.Concurrency))
	if s.QPS > 0 {
		parts = append(parts, "qps="+strconv.FormatFloat(s.QPS, 'f', -1, 64))
	} else {
		parts = append(parts, "qps=max")
	}
	return strings.Join(parts, " ")
}

// Percent is a share in percent, 0–100 scale: Percent(20) is a fifth. It is
// the unit of relative overhead limits and of the error rate and QPS ratio
// in violations.
type Percent float64

// String prints p with up to four significant digits, e.g. "0.1%".
func (p Percent) String() string {
	return strconv.FormatFloat(float64(p), 'g', 4, 64) + "%"
}

// Unsent is the Got of an "unsent" Violation: Slots of the Planned slots
// of an open-loop window were never sent (Result.Unsent of Result.Requests
// + Result.Unsent); Late of those sent left after their intended time
// (Result.Late).
type Unsent struct{ Slots, Planned, Late int64 }

// String reads "241 of 300 planned slots (80.33%) never sent, 58 of the
// 59 sent left late".
func (u Unsent) String() string {
	s := fmt.Sprintf("%d of %d planned slots (%s) never sent", u.Slots, u.Planned, Percent(100*float64(u.Slots)/float64(u.Planned)))
	if u.Late > 0 {
		s += fmt.Sprintf(", %d of the %d sent left late", u.Late, u.Planned-u.Slots)
	}
	return s
}

// Overflow is the Got of an "overflow" Violation: Count latencies above
// the response histogram's highest trackable value Highest (0: not known,
// the Result carries no histogram), recorded at it (Result.Overflow).
type Overflow struct {
	Count   int64
	Highest time.Duration
}

// String reads "3 latencies above the histogram's range (1m0s), counted at its top".
func (o Overflow) String() string {
	if o.Highest > 0 {
		return fmt.Sprintf("%d latencies above the histogram's range (%v), counted at its top", o.Count, o.Highest)
	}
	return fmt.Sprintf("%d latencies above the histogram's range, counted at its top", o.Count)
}

// count prints a plain number in a Violation.
type count int64

func (c count) String() string { return strconv.FormatInt(int64(c), 10) }
