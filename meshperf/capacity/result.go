package capacity

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/meshperf/meshperf/meshperf"
)

// StopReason says why a capacity search ended.
type StopReason string

// The reasons a capacity search ends.
const (
	StopConverged   StopReason = "converged"   // the boundary is bracketed within the tolerance
	StopMaxRate     StopReason = "max-rate"    // the max rate passed: the capacity is at least that
	StopNoCapacity  StopReason = "no-capacity" // even the start rate failed, on every try
	StopStepBound   StopReason = "step-bound"  // the step count bound was reached first
	StopTimeBound   StopReason = "time-bound"  // the time bound (or ctx's deadline) left no room for another step
	StopInterrupted StopReason = "interrupted" // ctx was cancelled
	StopError       StopReason = "error"       // the target failed to run a step
)

// Phase says why a capacity step ran.
type Phase string

// The phases of a capacity search.
const (
	PhaseRamp     Phase = "ramp"     // ×2 from the start rate until a step fails
	PhaseEstimate Phase = "estimate" // at the throughput a saturated failing step achieved
	PhaseEdge     Phase = "edge"     // 1, 2, 4, ... tolerances from an estimate, the way its outcome points
	PhaseBisect   Phase = "bisect"   // the geometric middle of the bracket
	PhaseRepeat   Phase = "repeat"   // a retry of the boundary, or of a failing start rate
)

// ErrNoCapacity is matched (errors.Is) by the NoCapacityError that
// SearchContext returns when even the start rate fails.
var ErrNoCapacity = errors.New("no capacity")

// ErrRateNotDelivered is a step failure: more than the tolerance of the
// window's requests were never sent, because every worker was waiting on
// the target. A rate that is not delivered is not sustained.
var ErrRateNotDelivered = errors.New("requested rate not delivered")

// NoCapacityError is the outcome of a search whose start rate failed the
// criterion on every try.
type NoCapacityError struct {
	StartRate float64
	Tries     int
	Err       error // why the last try failed
}

func (e *NoCapacityError) Error() string {
	return fmt.Sprintf("meshperf: no capacity: the start rate %s req/s failed in %d of %d tries: %v",
		fmtRate(e.StartRate), e.Tries, e.Tries, e.Err)
}

// Is makes errors.Is(err, ErrNoCapacity) true.
func (e *NoCapacityError) Is(target error) bool { return target == ErrNoCapacity }

// Unwrap returns the last try's failure.
func (e *NoCapacityError) Unwrap() error { return e.Err }

// Step is one measured step of a search.
type Step struct {
	QPS    float64 // requested rate
	Phase  Phase
	Pass   bool
	Err    error            // why the step failed: the criterion's verdict, meshperf.ErrNoSamples, meshperf.ErrTooManyErrors, ErrRateNotDelivered
	Result *meshperf.Result // nil in a Result decoded from JSON; see ResultID
	// ResultID is Result.ID. In a Document, it names the step's Result
	// among the document's steps.
	ResultID string
}

// Result is the outcome of a capacity search.
type Result struct {
	// QPS is the capacity: the highest rate that passed. With boundary
	// repeats it is the lowest of the tries' boundaries (Tries), so that it
	// passed every time. 0 when nothing passed, and when a try found no
	// passing rate (Censored): then no rate passed in every try.
	QPS float64
	// Converged is true when the search bracketed the boundary: a rate
	// that passed and one at most Tolerance above it that failed.
	Converged bool
	// Reproducible is true when boundary repeats ran and every try found
	// its boundary within Tolerance of the others (Spread ≤ Tolerance).
	Reproducible bool
	// Tries holds each try's boundary, the search's own first: the highest
	// rate that passed in that try. Spread is (max − min) / min over them.
	Tries  []float64
	Spread float64
	// Censored is true when a try found no passing rate within its walk
	// (7 tolerances below the bracket): its entry in Tries is the lowest
	// rate it failed at, QPS is 0 (no rate passed in every try), and
	// Spread is a lower bound.
	Censored bool
	// Pass and Fail bracket the boundary the search found: its highest
	// passing and lowest failing rate (0 when there is none).
	Pass, Fail float64
	Stop       StopReason
	Steps      []Step

	Criterion  string            // the criterion's String, when it has one
	Labels     map[string]string // the first step's labels (mode, sidecar, ...)
	StartRate  float64
	MaxRate    float64
	Tolerance  float64
	Repeats    int           // boundary repeats asked for
	MaxSteps   int           // step count bound
	MaxTime    time.Duration // time bound
	Start, End time.Time
}

// roundRate rounds a rate to four significant digits, so that steps read
// 1131 req/s rather than 1131.3708498984759.
func roundRate(r float64) float64 { return roundWith(r, math.Round) }

// roundDown is roundRate toward zero, so that a probe above a pass stays
// within one tolerance of it.
func roundDown(r float64) float64 { return roundWith(r, math.Floor) }

// roundUp is roundRate away from zero, so that a probe below a failure
// stays within one tolerance of it.
func roundUp(r float64) float64 { return roundWith(r, math.Ceil) }

// roundWith rounds r to four significant digits with f, and returns the
// float64 nearest that decimal (1004, not 1004.0000000000001).
func roundWith(r float64, f func(float64) float64) float64 {
	if !(r > 0) || math.IsInf(r, 0) {
		return r
	}
	exp := math.Floor(math.Log10(r)) - 3
	scaled := r / math.Pow(10, exp)
	v := f(math.Round(scaled*1e6) / 1e6) // 1004.9999999 is 1005, not 1004
	out, err := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 0, 64)+"e"+strconv.Itoa(int(exp)), 64)
	if err != nil {
		return r
	}
	return out
}

// fmtRate prints a rate with up to four significant digits and no
// exponent: 100, 1131, 0.5.
func fmtRate(r float64) string {
	if r >= 1000 {
		return strconv.FormatFloat(math.Round(r), 'f', -1, 64)
	}
	return strconv.FormatFloat(roundRate(r), 'f', -1, 64)
}

// Verdict says in one line what the search found, e.g.
// "capacity 980 req/s: passed at 980, failed at 990 (within 1%); 3 tries agree (spread 0%)".
func (c *Result) Verdict() string {
	tol := strconv.FormatFloat(100*c.Tolerance, 'g', 3, 64) + "%"
	tries := func() string {
		switch {
		case c.Repeats == 0:
			return "boundary not retried (repeats 0)"
		case len(c.Tries) < c.Repeats+1:
			return fmt.Sprintf("only %d of %d tries ran before the search stopped (%s): NOT confirmed", len(c.Tries), c.Repeats+1, c.Stop)
		case c.Reproducible:
			return fmt.Sprintf("%d tries agree (spread %.1f%%)", len(c.Tries), 100*c.Spread)
		case c.Censored:
			return fmt.Sprintf("NOT reproducible: a try failed at every rate down to %s req/s (spread over %.1f%%); no rate passed in every try",
				fmtRate(slices.Min(c.Tries)), 100*c.Spread)
		}
		return fmt.Sprintf("NOT reproducible: %d tries found %s to %s req/s (spread %.1f%% > tolerance %s); %s req/s passed in every try",
			len(c.Tries), fmtRate(slices.Min(c.Tries)), fmtRate(slices.Max(c.Tries)), 100*c.Spread, tol, fmtRate(c.QPS))
	}
	switch {
	case c.Stop == StopNoCapacity:
		return fmt.Sprintf("no capacity: the start rate %s req/s failed on every try", fmtRate(c.StartRate))
	case c.Censored && c.Converged:
		return fmt.Sprintf("capacity not confirmed: passed at %s, failed at %s (within %s); %s",
			fmtRate(c.Pass), fmtRate(c.Fail), tol, tries())
	case c.Censored:
		return fmt.Sprintf("capacity not confirmed: passed at %s req/s (%s); %s", fmtRate(c.Pass), c.Stop, tries())
	case c.Converged && c.Reproducible:
		return fmt.Sprintf("capacity %s req/s: passed at %s, failed at %s (within %s); %s",
			fmtRate(c.QPS), fmtRate(c.Pass), fmtRate(c.Fail), tol, tries())
	case c.Converged:
		return fmt.Sprintf("capacity ~%s req/s: passed at %s, failed at %s (within %s); %s",
			fmtRate(c.QPS), fmtRate(c.Pass), fmtRate(c.Fail), tol, tries())
	case c.Stop == StopMaxRate:
		return fmt.Sprintf("capacity at least %s req/s: the max rate passed; %s", fmtRate(c.QPS), tries())
	case c.Pass > 0 && c.Fail > 0:
		return fmt.Sprintf("not converged (%s): passed at %s, failed at %s req/s; the capacity is in between",
			c.Stop, fmtRate(c.Pass), fmtRate(c.Fail))
	case c.Pass > 0:
		return fmt.Sprintf("not converged (%s): passed at %s req/s, no failure yet", c.Stop, fmtRate(c.Pass))
	}
	return fmt.Sprintf("not converged (%s): no step passed", c.Stop)
}
