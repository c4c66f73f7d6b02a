package capacity

import (
	"cmp"
	"fmt"
	"time"

	"github.com/meshperf/meshperf/meshperf"
)

// Defaults of a search.
//
// DefaultTolerance is Nighthawk's adaptive-load convergence, 1%: the search
// stops when the lowest failing rate is within 1% of the highest passing
// one. A coarser tolerance saves about one step per halving, but 1% is what
// users compare against; the boundary repeats then say whether the target's
// noise allows that precision (see Result.Reproducible).
//
// DefaultStepDuration is shorter than a single run's
// meshperf.DefaultDuration: a search runs 10 to 25 steps, and 5 s at
// 1000 req/s still puts 50 samples above the p99.
const (
	DefaultStartRate       = 100.0
	DefaultMaxRate         = 100_000.0
	DefaultTolerance       = 0.01
	DefaultBoundaryRepeats = 2
	DefaultStepDuration    = 5 * time.Second
)

// Limits on a search's options.
const (
	MinTolerance       = 0.001
	MaxTolerance       = 0.5
	MaxBoundaryRepeats = 10
)

// config is what the options of a search set.
type config struct {
	start, max, tol float64
	repeats         int
	load            []meshperf.Option
	onStep          func(Step)
	// plain searches as Nighthawk's adaptive load does: ×2, then plain
	// bisection, no throughput estimates. Only tests set it, to measure
	// what the estimates save.
	plain bool
}

// Option configures a search. The search's own options are StartRate,
// MaxRate, Tolerance, BoundaryRepeats and OnStep; Load passes load options
// (meshperf.Concurrency, Duration, Warmup, Timeout, WithProtocol, Header,
// Label, Out, ...) to each step.
type Option func(*config) error

func invalid(field string, value any, allowed string) error {
	return &meshperf.InvalidError{Field: field, Value: value, Allowed: allowed}
}

// StartRate sets the first step's rate in requests per second (default
// DefaultStartRate). Pick one the target surely sustains: when it fails
// (on every try), the search reports no capacity.
func StartRate(qps float64) Option {
	return func(c *config) error {
		c.start = qps
		return checkRate("start-rate", qps)
	}
}

// MaxRate sets the highest rate the search tries (default DefaultMaxRate).
// When it passes, the search stops with StopMaxRate.
func MaxRate(qps float64) Option {
	return func(c *config) error {
		c.max = qps
		return checkRate("max-rate", qps)
	}
}

// checkRate checks a rate option's value; field names the option.
func checkRate(field string, qps float64) error {
	if !(qps > 0 && qps <= meshperf.MaxQPS) {
		return invalid(field, qps, fmt.Sprintf("use a rate in (0, %g] requests per second", float64(meshperf.MaxQPS)))
	}
	return nil
}

// Tolerance sets how close the search brackets the boundary, as a share of
// the passing rate (default DefaultTolerance, 1%): it stops once the lowest
// failing rate is at most (1 + tol) × the highest passing rate.
func Tolerance(tol float64) Option {
	return func(c *config) error {
		if !(tol >= MinTolerance && tol <= MaxTolerance) {
			return invalid("tolerance", tol, fmt.Sprintf("use a share in [%g, %g], e.g. 0.01 for 1%%", MinTolerance, MaxTolerance))
		}
		c.tol = tol
		return nil
	}
}

// BoundaryRepeats sets how many more times the boundary is measured once
// the search has found it (default DefaultBoundaryRepeats; 0 accepts the
// first bracket untested). Each repeat retries the highest passing rate
// and the lowest failing one, and walks on (1, 2 and 4 tolerances further)
// when either result does not hold. A failing start rate is retried as
// often before the search reports no capacity.
func BoundaryRepeats(n int) Option {
	return func(c *config) error {
		if n < 0 || n > MaxBoundaryRepeats {
			return invalid("repeats", n, fmt.Sprintf("use 0 to %d", MaxBoundaryRepeats))
		}
		c.repeats = n
		return nil
	}
}

// OnStep calls f after each step, in the search's goroutine, e.g. to print
// progress.
func OnStep(f func(Step)) Option {
	return func(c *config) error {
		c.onStep = f
		return nil
	}
}

// Load applies the load options to each step, e.g.
// Load(meshperf.Concurrency(16), meshperf.Warmup(2*time.Second)). Every
// load option is allowed except meshperf.QPS and meshperf.Requests: the
// search sets each step's rate, and a step lasts a meshperf.Duration
// (default DefaultStepDuration). Load may be given more than once.
func Load(opts ...meshperf.Option) Option {
	return func(c *config) error {
		for _, o := range opts {
			if o != nil {
				c.load = append(c.load, o)
			}
		}
		return nil
	}
}

// checkLoad rejects a load option that sets the rate or a request count,
// and says whether one sets the duration. An Option is opaque outside
// meshperf, so each is applied on top of two plans that differ in rate and
// duration: an option that sets either leaves both plans alike there.
// The two bases (the top rate and a day, half of each) fit together
// whatever else an option sets that meshperf.NewPlan accepts alone.
func checkLoad(load []meshperf.Option) (durationSet bool, err error) {
	for _, o := range load {
		alone, err := meshperf.NewPlan(o)
		if err != nil {
			return false, err
		}
		if alone.Requests > 0 {
			return false, invalid("requests", alone.Requests, "a capacity step lasts a Duration, not a request count")
		}
		a, errA := meshperf.NewPlan(meshperf.QPS(meshperf.MaxQPS), meshperf.Duration(meshperf.MaxDuration), o)
		b, errB := meshperf.NewPlan(meshperf.QPS(meshperf.MaxQPS/2), meshperf.Duration(meshperf.MaxDuration/2), o)
		if errA != nil || errB != nil {
			return false, cmp.Or(errA, errB)
		}
		if a.QPS == b.QPS {
			return false, invalid("qps", a.QPS, "the search sets each step's rate: use StartRate and MaxRate")
		}
		durationSet = durationSet || a.Duration == b.Duration
	}
	return durationSet, nil
}
