package capacity

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/latency"
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

// Criterion decides whether one step of a search passes: Evaluate returns
// nil when res is acceptable and an error saying why not otherwise.
// assertions.Budget is one. A criterion must pass an ideal step (every
// request answered at once, no errors, no resources used) and fail a step
// with no answered request; a search checks both before any load.
type Criterion interface {
	Evaluate(res *meshperf.Result) error
}

// Search is the test helper form of SearchContext. It stops the test with
// tb.Fatal when the search fails or finds no capacity, logs the verdict,
// and when tb is a *testing.B reports the capacity (see Report). Run
// benchmarks with -benchtime 1x.
func Search(tb testing.TB, target meshperf.Target, crit Criterion, opts ...Option) *Result {
	tb.Helper()
	opts = append(opts, Load(meshperf.Label("benchmark", tb.Name())))
	res, err := SearchContext(tb.Context(), target, crit, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Log(res.Verdict())
	if b, ok := tb.(*testing.B); ok {
		Report(b, res)
	}
	return res
}

// SearchContext finds the highest rate at which target's steps pass crit.
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
// tolerance and the repeats (Result.MaxSteps), by that count times a
// step's warm-up, window, timeout and a 2 s slack (MaxTime), and by ctx's
// deadline. It starts no step that cannot finish within them.
//
// The result is returned with every step, even with an error. The error is
// a *meshperf.InvalidError for a bad option or criterion, a
// *NoCapacityError when even the start rate failed on every try, ctx's
// error when interrupted, and the target's error when a step could not
// run.
func SearchContext(ctx context.Context, target meshperf.Target, crit Criterion, opts ...Option) (*Result, error) {
	s, err := newSearch(target, crit, opts)
	if err != nil {
		return nil, err
	}
	err = s.run(ctx)
	s.res.End = time.Now()
	return s.res, err
}

// Check checks a search's criterion and options as SearchContext does,
// without running it: a command line can reject bad input before it
// brings a fixture up.
func Check(crit Criterion, opts ...Option) error {
	_, err := newSearch(checkOnly{}, crit, opts)
	return err
}

// checkOnly is the Target of Check, which never loads it.
type checkOnly struct{}

func (checkOnly) Load(context.Context, meshperf.Plan) (*meshperf.Result, error) {
	return nil, errors.New("meshperf: capacity.Check runs no load")
}

// search is the state of one capacity search.
type search struct {
	cfg      config
	target   meshperf.Target
	crit     Criterion
	perStep  time.Duration // expected upper bound on one step
	duration time.Duration // each step's window
	warmup   time.Duration // each step's warm-up
	res      *Result
}

func newSearch(target meshperf.Target, crit Criterion, opts []Option) (*search, error) {
	cfg := config{start: DefaultStartRate, max: DefaultMaxRate, tol: DefaultTolerance, repeats: DefaultBoundaryRepeats}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.start > cfg.max {
		return nil, invalid("start-rate", cfg.start, fmt.Sprintf("the start rate must not exceed the max rate %g", cfg.max))
	}
	// The search owns the rate and times each step: a load option that
	// sets either is a mistake, not something to override silently.
	durationSet, err := checkLoad(cfg.load)
	if err != nil {
		return nil, err
	}
	if !durationSet {
		cfg.load = append(slices.Clone(cfg.load), meshperf.Duration(DefaultStepDuration))
	}
	plan, err := meshperf.NewPlan(append(slices.Clone(cfg.load), meshperf.QPS(cfg.start))...)
	if ie := (*meshperf.InvalidError)(nil); errors.As(err, &ie) && ie.Field == "qps" {
		return nil, invalid("start-rate", cfg.start, ie.Allowed) // too low a rate for the step
	}
	if err != nil {
		return nil, err
	}
	if err := checkCriterion(crit, cfg.start); err != nil {
		return nil, err
	}
	if target == nil {
		return nil, invalid("target", nil, "pass a Target such as meshperf.URL(\"http://127.0.0.1:8080/\")")
	}
	s := &search{cfg: cfg, target: target, crit: crit, duration: plan.Duration, warmup: plan.Warmup,
		perStep: plan.Warmup + plan.Duration + plan.Timeout + stepSlack}
	s.res = &Result{StartRate: cfg.start, MaxRate: cfg.max, Tolerance: cfg.tol, Repeats: cfg.repeats,
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
	ideal := &meshperf.Result{RequestedQPS: rate, ActualQPS: rate, Concurrency: 1, Requests: 1,
		StatusCodes: map[int]int64{200: 1}, Latency: latency.Summary{Count: 1}, Service: latency.Summary{Count: 1},
		Resources: map[string]meshperf.Resources{meshperf.ClientSidecar: {}, meshperf.ServerSidecar: {}, meshperf.App: {}}}
	if err := crit.Evaluate(ideal); err != nil {
		return invalid("budget", crit, fmt.Sprintf("a budget must pass an ideal step (no errors, zero latency, no resources used), but it says: %v", err))
	}
	empty := &meshperf.Result{RequestedQPS: rate, Concurrency: 1, StatusCodes: map[int]int64{}}
	if crit.Evaluate(empty) == nil {
		return invalid("budget", crit, "a budget must fail a step with no answered request, which this one passes")
	}
	return nil
}

// maxSteps is the step count bound: the ramp; the bisection steps from a
// bracket of ×2 down to the tolerance, and for each estimate, its probe
// and a gallop as long; the start rate's retries; and each boundary
// repeat's walk.
func maxSteps(c config) int {
	ramp := int(math.Ceil(math.Log2(c.max/c.start)-1e-9)) + 1
	bisect := int(math.Ceil(math.Log2(math.Ln2 / math.Log1p(c.tol))))
	return ramp + bisect + maxEstimates*(1+bisect) + c.repeats + c.repeats*(2+walkSteps)
}

// step runs one step at rate, unless a bound forbids it. It returns nil
// and no error when a bound stopped the search (res.Stop says which), and
// an error when the target failed or ctx was cancelled.
func (s *search) step(ctx context.Context, rate float64, phase Phase) (*Step, error) {
	res := s.res
	if err := ctx.Err(); err != nil {
		res.Stop = StopInterrupted
		return nil, err
	}
	if stop := s.bound(ctx); stop != "" {
		res.Stop = stop
		return nil, nil
	}
	opts := append(slices.Clone(s.cfg.load), meshperf.QPS(rate))
	r, runErr := meshperf.RunContext(ctx, s.target, opts...)
	if err := ctx.Err(); err != nil {
		res.Stop = StopInterrupted
		return nil, fmt.Errorf("meshperf: capacity search interrupted at %s req/s: %w", fmtRate(rate), err)
	}
	if runErr != nil && !errors.Is(runErr, meshperf.ErrNoSamples) && !errors.Is(runErr, meshperf.ErrTooManyErrors) || r == nil {
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
	res.Steps = append(res.Steps, Step{QPS: rate, Phase: phase, Pass: failure == nil, Err: failure, Result: r, ResultID: r.ID})
	if res.Labels == nil {
		res.Labels = r.Labels
	}
	st := &res.Steps[len(res.Steps)-1]
	if s.cfg.onStep != nil {
		s.cfg.onStep(*st)
	}
	return st, nil
}

// bound returns the bound that forbids another step, or "".
func (s *search) bound(ctx context.Context) StopReason {
	res := s.res
	if len(res.Steps) >= res.MaxSteps {
		return StopStepBound
	}
	if time.Since(res.Start)+s.perStep > res.MaxTime {
		return StopTimeBound
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < s.perStep {
		return StopTimeBound
	}
	return ""
}
