package meshperf

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/meshperf/meshperf/meshperf/latency"
)

// Defaults of a capacity search.
//
// DefaultTolerance is Nighthawk's adaptive-load convergence, 1%: the search
// stops when the lowest failing rate is within 1% of the highest passing
// one. A coarser tolerance saves about one step per halving, but 1% is what
// users compare against; the boundary repeats then say whether the target's
// noise allows that precision (see CapacityResult.Reproducible).
//
// DefaultStepDuration is shorter than a single run's DefaultDuration: a
// search runs 10 to 25 steps, and 5 s at 1000 req/s still puts 50 samples
// above the p99.
const (
	DefaultStartRate       = 100.0
	DefaultMaxRate         = 100_000.0
	DefaultTolerance       = 0.01
	DefaultBoundaryRepeats = 2
	DefaultStepDuration    = 5 * time.Second
)

// Limits on a capacity search's options.
const (
	MinTolerance       = 0.001
	MaxTolerance       = 0.5
	MaxBoundaryRepeats = 10
)

// stepSlack is the time allowed for each step beyond its warm-up, window and
// request timeout (connection set-up, a fixture's path probe and sampling)
// when the search's time bound is derived.
const stepSlack = 2 * time.Second

// maxEstimates is how many throughput estimates one search probes.
const maxEstimates = 2

// walkSteps is how many probes a boundary repeat spends looking for its
// own boundary beyond the bracket, at 1, 2 and 4 tolerances further out.
const walkSteps = 3

// Criterion decides whether one step of a capacity search passes:
// Evaluate returns nil when res is acceptable and an error saying why not
// otherwise. assertions.Budget is one. A criterion must pass an ideal step
// (every request answered at once, no errors, no resources used) and fail a
// step with no answered request; Capacity checks both before any load.
type Criterion interface {
	Evaluate(res *Result) error
}

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
// CapacityContext returns when even the start rate fails.
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

// CapacityStep is one measured step of a search.
type CapacityStep struct {
	QPS    float64 // requested rate
	Phase  Phase
	Pass   bool
	Err    error   // why the step failed: the criterion's verdict, ErrNoSamples, ErrTooManyErrors, ErrRateNotDelivered
	Result *Result // nil in a CapacityResult decoded from JSON; see ResultID
	// ResultID is Result.ID. In a Document, it names the step's Result
	// among the document's steps.
	ResultID string
}

// CapacityResult is the outcome of a capacity search.
type CapacityResult struct {
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
	Steps      []CapacityStep

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

// capacityConfig is what the options of a search set.
type capacityConfig struct {
	start, max, tol float64
	repeats         int
	load            []Option
	onStep          func(CapacityStep)
	// plain searches as Nighthawk's adaptive load does: ×2, then plain
	// bisection, no throughput estimates. Only tests set it, to measure
	// what the estimates save.
	plain bool
}

// CapacityOption configures a capacity search. The search's own options
// are StartRate, MaxRate, Tolerance, BoundaryRepeats and OnStep; every load
// Option (Concurrency, Duration, Warmup, Timeout, WithProtocol, Header,
// Label, Out, ...) is a CapacityOption too and applies to each step, except
// QPS and Requests: the search sets each step's rate, and a step lasts a
// Duration (default DefaultStepDuration).
type CapacityOption interface {
	applyCapacity(*capacityConfig) error
}

func (o Option) applyCapacity(c *capacityConfig) error {
	if o != nil {
		c.load = append(c.load, o)
	}
	return nil
}

type capacityOption func(*capacityConfig) error

func (o capacityOption) applyCapacity(c *capacityConfig) error { return o(c) }

// StartRate sets the first step's rate in requests per second (default
// DefaultStartRate). Pick one the target surely sustains: when it fails
// (on every try), the search reports no capacity.
func StartRate(qps float64) CapacityOption {
	return capacityOption(func(c *capacityConfig) error {
		if !(qps > 0 && qps <= MaxQPS) {
			return invalid("start-rate", qps, fmt.Sprintf("use a rate in (0, %g] requests per second", float64(MaxQPS)))
		}
		c.start = qps
		return nil
	})
}

// MaxRate sets the highest rate the search tries (default DefaultMaxRate).
// When it passes, the search stops with StopMaxRate.
func MaxRate(qps float64) CapacityOption {
	return capacityOption(func(c *capacityConfig) error {
		if !(qps > 0 && qps <= MaxQPS) {
			return invalid("max-rate", qps, fmt.Sprintf("use a rate in (0, %g] requests per second", float64(MaxQPS)))
		}
		c.max = qps
		return nil
	})
}

// Tolerance sets how close the search brackets the boundary, as a share of
// the passing rate (default DefaultTolerance, 1%): it stops once the lowest
// failing rate is at most (1 + tol) × the highest passing rate.
func Tolerance(tol float64) CapacityOption {
	return capacityOption(func(c *capacityConfig) error {
		if !(tol >= MinTolerance && tol <= MaxTolerance) {
			return invalid("tolerance", tol, fmt.Sprintf("use a share in [%g, %g], e.g. 0.01 for 1%%", MinTolerance, MaxTolerance))
		}
		c.tol = tol
		return nil
	})
}

// BoundaryRepeats sets how many more times the boundary is measured once
// the search has found it (default DefaultBoundaryRepeats; 0 accepts the
// first bracket untested). Each repeat retries the highest passing rate
// and the lowest failing one, and walks on (1, 2 and 4 tolerances further)
// when either result does not hold. A failing start rate is retried as
// often before the search reports no capacity.
func BoundaryRepeats(n int) CapacityOption {
	return capacityOption(func(c *capacityConfig) error {
		if n < 0 || n > MaxBoundaryRepeats {
			return invalid("repeats", n, fmt.Sprintf("use 0 to %d", MaxBoundaryRepeats))
		}
		c.repeats = n
		return nil
	})
}

// OnStep calls f after each step, in the search's goroutine, e.g. to print
// progress.
func OnStep(f func(CapacityStep)) CapacityOption {
	return capacityOption(func(c *capacityConfig) error {
		c.onStep = f
		return nil
	})
}

// Capacity is the test helper form of CapacityContext. It stops the test
// with tb.Fatal when the search fails or finds no capacity, logs the
// verdict, and when tb is a *testing.B reports the capacity (see
// ReportCapacity). Run benchmarks with -benchtime 1x.
func Capacity(tb testing.TB, target Target, crit Criterion, opts ...CapacityOption) *CapacityResult {
	tb.Helper()
	opts = append(opts, Label("benchmark", tb.Name()))
	res, err := CapacityContext(tb.Context(), target, crit, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Log(res.Verdict())
	if b, ok := tb.(*testing.B); ok {
		ReportCapacity(b, res)
	}
	return res
}

// CapacityContext finds the highest rate at which target's steps pass crit.
//
// It ramps ×2 from the start rate until a step fails, then narrows the
// bracket [highest pass, lowest fail] until it is within the tolerance.
// Nighthawk's adaptive load does the same with plain bisection. Here, a
// saturated failing step (one that left requests unsent) also says what
// throughput the target achieved, an estimate of the capacity: the search
// probes there, gallops 1, 2, 4, ... tolerances the way that probe's
// outcome points until the outcome flips, and bisects the rest. It uses
// at most two estimates, so a bad one costs a bounded number of steps. It
// then retries the boundary (see BoundaryRepeats) and reports how far the
// tries agree.
//
// A step fails when the criterion fails it, when no request was answered,
// when the error rate exceeds the load's MaxErrorRate, or when more than
// the tolerance of its requests were never sent.
//
// The search is bounded: by a step count derived from the rates, the
// tolerance and the repeats (CapacityResult.MaxSteps), by that count times
// a step's warm-up, window, timeout and a 2 s slack (MaxTime), and by
// ctx's deadline. It starts no step that cannot finish within them.
//
// The result is returned with every step, even with an error. The error is
// an InvalidError for a bad option or criterion, a *NoCapacityError when
// even the start rate failed on every try, ctx's error when interrupted,
// and the target's error when a step could not run.
func CapacityContext(ctx context.Context, target Target, crit Criterion, opts ...CapacityOption) (*CapacityResult, error) {
	s, err := newSearch(target, crit, opts)
	if err != nil {
		return nil, err
	}
	err = s.run(ctx)
	s.res.End = time.Now()
	return s.res, err
}

// CheckCapacity checks a search's criterion and options as
// CapacityContext does, without running it: a command line can reject bad
// input before it brings a fixture up.
func CheckCapacity(crit Criterion, opts ...CapacityOption) error {
	_, err := newSearch(checkOnly{}, crit, opts)
	return err
}

// checkOnly is the Target of CheckCapacity, which never loads it.
type checkOnly struct{}

func (checkOnly) Load(context.Context, Plan) (*Result, error) {
	return nil, errors.New("meshperf: CheckCapacity runs no load")
}

// search is the state of one capacity search.
type search struct {
	cfg      capacityConfig
	target   Target
	crit     Criterion
	perStep  time.Duration // expected upper bound on one step
	duration time.Duration // each step's window
	warmup   time.Duration // each step's warm-up
	res      *CapacityResult
}

func newSearch(target Target, crit Criterion, opts []CapacityOption) (*search, error) {
	cfg := capacityConfig{start: DefaultStartRate, max: DefaultMaxRate, tol: DefaultTolerance, repeats: DefaultBoundaryRepeats}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o.applyCapacity(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.start > cfg.max {
		return nil, invalid("start-rate", cfg.start, fmt.Sprintf("the start rate must not exceed the max rate %g", cfg.max))
	}
	// The search owns the rate and times each step: a load option that
	// sets either is a mistake, not something to override silently.
	for _, o := range cfg.load {
		probe := config{plan: Plan{QPS: -1}}
		if err := o(&probe); err != nil {
			return nil, err
		}
		if probe.plan.QPS != -1 {
			return nil, invalid("qps", probe.plan.QPS, "the search sets each step's rate: use StartRate and MaxRate")
		}
		if probe.requestsSet {
			return nil, invalid("requests", probe.plan.Requests, "a capacity step lasts a Duration, not a request count")
		}
	}
	c, err := newConfig(cfg.load...)
	if err != nil {
		return nil, err
	}
	if !c.durationSet {
		cfg.load = append(slices.Clone(cfg.load), Duration(DefaultStepDuration))
		c.plan.Duration = DefaultStepDuration
	}
	if err := checkCriterion(crit, cfg.start); err != nil {
		return nil, err
	}
	if target == nil {
		return nil, invalid("target", nil, "pass a Target such as meshperf.URL(\"http://127.0.0.1:8080/\")")
	}
	s := &search{cfg: cfg, target: target, crit: crit, duration: c.plan.Duration, warmup: c.plan.Warmup,
		perStep: c.plan.Warmup + c.plan.Duration + c.plan.Timeout + stepSlack}
	s.res = &CapacityResult{StartRate: cfg.start, MaxRate: cfg.max, Tolerance: cfg.tol, Repeats: cfg.repeats,
		MaxSteps: maxSteps(cfg), Start: time.Now()}
	s.res.MaxTime = time.Duration(s.res.MaxSteps) * s.perStep
	if str, ok := crit.(fmt.Stringer); ok {
		s.res.Criterion = str.String()
	}
	return s, nil
}

// checkCriterion rejects a nil criterion, one that fails an ideal step
// (an invalid budget does), and one that passes a step without samples.
func checkCriterion(crit Criterion, rate float64) error {
	if crit == nil {
		return invalid("budget", nil, "pass a criterion such as assertions.Budget{P99: 5 * time.Millisecond}")
	}
	ideal := &Result{RequestedQPS: rate, ActualQPS: rate, Concurrency: 1, Requests: 1,
		StatusCodes: map[int]int64{200: 1}, Latency: latency.Summary{Count: 1}, Service: latency.Summary{Count: 1},
		Resources: map[string]Resources{"client-sidecar": {}, "server-sidecar": {}, "app": {}}}
	if err := crit.Evaluate(ideal); err != nil {
		return invalid("budget", crit, fmt.Sprintf("a budget must pass an ideal step (no errors, zero latency, no resources used), but it says: %v", err))
	}
	empty := &Result{RequestedQPS: rate, Concurrency: 1, StatusCodes: map[int]int64{}}
	if crit.Evaluate(empty) == nil {
		return invalid("budget", crit, "a budget must fail a step with no answered request, which this one passes")
	}
	return nil
}

// maxSteps is the step count bound: the ramp; the bisection steps from a
// bracket of ×2 down to the tolerance, and for each estimate, its probe
// and a gallop as long; the start rate's retries; and each boundary
// repeat's walk.
func maxSteps(c capacityConfig) int {
	ramp := int(math.Ceil(math.Log2(c.max/c.start)-1e-9)) + 1
	bisect := int(math.Ceil(math.Log2(math.Ln2 / math.Log1p(c.tol))))
	return ramp + bisect + maxEstimates*(1+bisect) + c.repeats + c.repeats*(2+walkSteps)
}

// run executes the search.
func (s *search) run(ctx context.Context) error {
	cfg, res := s.cfg, s.res
	var pass, fail float64 // the bracket; 0 when not found yet

	// Ramp ×2 from the start rate until a step fails.
	rate := cfg.start
	for {
		st, err := s.step(ctx, rate, PhaseRamp)
		if err != nil {
			return err
		}
		if st == nil {
			return nil // a bound
		}
		if !st.Pass && pass == 0 {
			// The start rate failed: retry it before calling it no capacity.
			for i := 0; i < cfg.repeats && !st.Pass; i++ {
				if st, err = s.step(ctx, rate, PhaseRepeat); err != nil || st == nil {
					return err
				}
			}
			if !st.Pass {
				res.Stop = StopNoCapacity
				return &NoCapacityError{StartRate: rate, Tries: cfg.repeats + 1, Err: st.Err}
			}
		}
		if !st.Pass {
			fail = rate
			break
		}
		pass, res.Pass, res.QPS = rate, rate, rate
		if rate >= cfg.max {
			res.Stop = StopMaxRate
			return s.repeat(ctx, pass, 0)
		}
		rate = min(2*rate, cfg.max)
	}
	res.Fail = fail

	// Narrow the bracket. A saturated failing step's throughput estimates
	// the capacity; from a probe there, gallop (1, 2, 4, ... tolerances)
	// in the direction its outcome points until the outcome flips, then
	// bisect what is left.
	estimate := s.estimate(&res.Steps[len(res.Steps)-1])
	estimates := 0
	gallop := 0 // k > 0: probe k tolerances above pass; k < 0: -k below fail
	for !within(pass, fail, cfg.tol) {
		var p float64
		phase := PhaseBisect
		switch {
		case gallop > 0:
			p, phase = roundDown(pass*math.Pow(1+cfg.tol, float64(gallop))), PhaseEdge
		case gallop < 0:
			p, phase = roundUp(fail/math.Pow(1+cfg.tol, float64(-gallop))), PhaseEdge
		case estimate > 0 && estimates < maxEstimates:
			p, phase = roundRate(estimate), PhaseEstimate
		}
		if !(p > pass && p < fail) {
			p, phase = roundRate(math.Sqrt(pass*fail)), PhaseBisect
			if !(p > pass && p < fail) {
				p = math.Sqrt(pass * fail)
			}
		}
		st, err := s.step(ctx, p, phase)
		if err != nil || st == nil {
			return err
		}
		if phase == PhaseEstimate {
			estimates++
		}
		estimate = 0
		if st.Pass {
			pass, res.Pass, res.QPS = p, p, p
		} else {
			fail, res.Fail = p, p
		}
		switch {
		case cfg.plain:
		case phase == PhaseEstimate && st.Pass:
			gallop = 1
		case phase == PhaseEstimate:
			gallop = -1
		case phase == PhaseEdge && st.Pass == (gallop > 0):
			gallop *= 2 // still on the same side: stride out
		case phase == PhaseEdge:
			gallop = 0 // flipped: bisect the rest
		case !st.Pass:
			estimate = s.estimate(st) // a saturated bisection step estimates afresh
		}
	}
	res.Converged, res.Stop = true, StopConverged
	return s.repeat(ctx, pass, fail)
}

// repeat retries the boundary [pass, fail) (fail 0: the max rate passed)
// cfg.repeats times and sets the capacity to the lowest try's boundary.
func (s *search) repeat(ctx context.Context, pass, fail float64) error {
	res := s.res
	res.Tries = []float64{pass}
	defer func() {
		lo, hi := slices.Min(res.Tries), slices.Max(res.Tries)
		res.QPS, res.Spread = lo, (hi-lo)/lo
		if res.Censored {
			res.QPS = 0 // lo failed in its try: no rate passed in every try
		}
		res.Reproducible = len(res.Tries) == s.cfg.repeats+1 && s.cfg.repeats > 0 && res.Spread <= s.cfg.tol*(1+1e-9)
	}()
	for range s.cfg.repeats {
		b, censored, err := s.tryBoundary(ctx, pass, fail)
		if err != nil || b == 0 {
			return err
		}
		res.Tries = append(res.Tries, b)
		res.Censored = res.Censored || censored
	}
	return nil
}

// tryBoundary measures the boundary once more, starting from the bracket
// and walking outward when a result does not hold. It returns the highest
// rate that passed in this try, or, when none did within the walk, the
// lowest rate tried and censored true. 0 means the search was stopped.
func (s *search) tryBoundary(ctx context.Context, pass, fail float64) (b float64, censored bool, err error) {
	tol := s.cfg.tol
	st, err := s.step(ctx, pass, PhaseRepeat)
	if err != nil || st == nil {
		return 0, false, err
	}
	if st.Pass {
		best, r := pass, fail
		for i := 0; i < walkSteps && r > 0; i++ {
			st, err := s.step(ctx, r, PhaseRepeat)
			if err != nil || st == nil {
				return 0, false, err
			}
			if !st.Pass {
				return best, false, nil
			}
			best = r
			if r >= s.cfg.max {
				break
			}
			r = min(roundDown(r*math.Pow(1+tol, float64(int(1)<<(i+1)))), s.cfg.max)
		}
		return best, false, nil
	}
	r := pass
	for i := range walkSteps {
		r = roundDown(r / math.Pow(1+tol, float64(int(1)<<i)))
		st, err := s.step(ctx, r, PhaseRepeat)
		if err != nil || st == nil {
			return 0, false, err
		}
		if st.Pass {
			return r, false, nil
		}
	}
	return r, true, nil
}

// estimate returns the throughput a saturated failing step achieved, or 0
// when the step was not saturated (its failure then says nothing about
// where the capacity is). Saturated, every worker is busy and sends as
// fast as the target answers, so the sends over the whole step (warm-up
// and window) less the requests still in flight at its end, over its
// length, are the target's throughput. Counting the window alone would
// miss what the target spent answering the warm-up's backlog.
func (s *search) estimate(st *CapacityStep) float64 {
	r := st.Result
	if s.cfg.plain || st.Pass || r == nil || r.Unsent == 0 || r.Requests == 0 {
		return 0
	}
	sent := r.WarmupRequests + r.Requests - int64(r.Concurrency)
	if sent <= 0 {
		return 0
	}
	return float64(sent) / (s.warmup + s.duration).Seconds()
}

// step runs one step at rate, unless a bound forbids it. It returns nil
// and no error when a bound stopped the search (res.Stop says which), and
// an error when the target failed or ctx was cancelled.
func (s *search) step(ctx context.Context, rate float64, phase Phase) (*CapacityStep, error) {
	res := s.res
	if err := ctx.Err(); err != nil {
		res.Stop = StopInterrupted
		return nil, err
	}
	if len(res.Steps) >= res.MaxSteps {
		res.Stop = StopStepBound
		return nil, nil
	}
	if time.Since(res.Start)+s.perStep > res.MaxTime {
		res.Stop = StopTimeBound
		return nil, nil
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < s.perStep {
		res.Stop = StopTimeBound
		return nil, nil
	}
	opts := append(slices.Clone(s.cfg.load), QPS(rate))
	r, runErr := RunContext(ctx, s.target, opts...)
	if err := ctx.Err(); err != nil {
		res.Stop = StopInterrupted
		return nil, fmt.Errorf("meshperf: capacity search interrupted at %s req/s: %w", fmtRate(rate), err)
	}
	if runErr != nil && !errors.Is(runErr, ErrNoSamples) && !errors.Is(runErr, ErrTooManyErrors) || r == nil {
		res.Stop = StopError
		if runErr == nil {
			runErr = errors.New("the target returned no result")
		}
		return nil, fmt.Errorf("meshperf: capacity step at %s req/s: %w", fmtRate(rate), runErr)
	}
	var unsent error
	if total := r.Requests + r.Unsent; r.Unsent > 0 && float64(r.Unsent) > s.cfg.tol*float64(total) {
		unsent = fmt.Errorf("meshperf: %s: %w: %d of %d requests of the window were never sent (%.1f%%): every worker was waiting on the target",
			r.URL, ErrRateNotDelivered, r.Unsent, total, 100*float64(r.Unsent)/float64(total))
	}
	failure := errors.Join(s.crit.Evaluate(r), runErr, unsent)
	res.Steps = append(res.Steps, CapacityStep{QPS: rate, Phase: phase, Pass: failure == nil, Err: failure, Result: r, ResultID: r.ID})
	if res.Labels == nil {
		res.Labels = r.Labels
	}
	st := &res.Steps[len(res.Steps)-1]
	if s.cfg.onStep != nil {
		s.cfg.onStep(*st)
	}
	return st, nil
}

// within reports whether fail is at most tol above pass.
func within(pass, fail, tol float64) bool {
	return pass > 0 && fail <= pass*(1+tol)*(1+1e-9)
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
func (c *CapacityResult) Verdict() string {
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

// capacityMetrics are the units ReportCapacityTo emits, and which way is
// better; WriteUnits declares them.
var capacityMetrics = []struct{ unit, better string }{
	{"max-qps", "higher"},
	{"max-qps-spread-%", "lower"},
}

// ReportCapacity reports the capacity on b as the metric max-qps (and, with
// boundary repeats, max-qps-spread-%, the tries' spread in percent), and
// hides ns/op. It reports nothing else when no rate passed in every try.
func ReportCapacity(b *testing.B, c *CapacityResult) { ReportCapacityTo(b, c) }

// ReportCapacityTo is ReportCapacity for any MetricReporter.
func ReportCapacityTo(r MetricReporter, c *CapacityResult) {
	r.ReportMetric(0, "ns/op")
	if c == nil || c.QPS == 0 {
		return
	}
	r.ReportMetric(c.QPS, "max-qps")
	if len(c.Tries) > 1 {
		r.ReportMetric(100*c.Spread, "max-qps-spread-%")
	}
}
