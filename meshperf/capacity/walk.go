package capacity

import (
	"context"
	"math"
	"slices"
)

// run executes the search: the ramp, then the narrowing of the bracket,
// then the boundary's repeats.
func (s *search) run(ctx context.Context) error {
	pass, fail, done, err := s.ramp(ctx)
	if done || err != nil {
		return err
	}
	if fail == 0 { // the max rate passed
		s.res.Stop = StopMaxRate
		return s.repeat(ctx, pass, 0)
	}
	s.res.Fail = fail
	if pass, done, err = s.narrow(ctx, pass, fail); done || err != nil {
		return err
	}
	s.res.Converged, s.res.Stop = true, StopConverged
	return s.repeat(ctx, pass, s.res.Fail)
}

// ramp steps ×2 from the start rate until a step fails or the max rate
// passes, and returns the highest passing rate and the failing one (0
// when the max rate passed). done is true when the search ends there: a
// bound, no capacity (with its error) or an error.
func (s *search) ramp(ctx context.Context) (pass, fail float64, done bool, err error) {
	cfg, res := s.cfg, s.res
	rate := cfg.start
	for {
		st, err := s.step(ctx, rate, PhaseRamp)
		if err != nil || st == nil {
			return 0, 0, true, err
		}
		if !st.Pass && pass == 0 {
			// The start rate failed: retry it before calling it no capacity.
			for i := 0; i < cfg.repeats && !st.Pass; i++ {
				if st, err = s.step(ctx, rate, PhaseRepeat); err != nil || st == nil {
					return 0, 0, true, err
				}
			}
			if !st.Pass {
				res.Stop = StopNoCapacity
				return 0, 0, true, &NoCapacityError{StartRate: rate, Tries: cfg.repeats + 1, Err: st.Err}
			}
		}
		if !st.Pass {
			return pass, rate, false, nil
		}
		pass, res.Pass, res.QPS = rate, rate, rate
		if rate >= cfg.max {
			return pass, 0, false, nil
		}
		rate = min(2*rate, cfg.max)
	}
}

// narrow narrows the bracket [pass, fail) to the tolerance and returns its
// passing end. A saturated failing step's throughput estimates the
// capacity; from a probe there, it gallops (1, 2, 4, ... tolerances) in
// the direction the probe's outcome points until the outcome flips, then
// bisects what is left. done is true when a bound or an error ended the
// search first.
func (s *search) narrow(ctx context.Context, pass, fail float64) (float64, bool, error) {
	cfg, res := s.cfg, s.res
	estimate := s.estimate(&res.Steps[len(res.Steps)-1])
	estimates := 0
	gallop := 0 // k > 0: probe k tolerances above pass; k < 0: -k below fail
	for !within(pass, fail, cfg.tol) {
		p, phase := s.probe(pass, fail, gallop, estimate, estimates)
		st, err := s.step(ctx, p, phase)
		if err != nil || st == nil {
			return pass, true, err
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
	return pass, false, nil
}

// probe picks the next rate inside the bracket (pass, fail): a gallop's,
// an estimate's while estimates remain, or the bracket's geometric middle.
func (s *search) probe(pass, fail float64, gallop int, estimate float64, estimates int) (float64, Phase) {
	tol := s.cfg.tol
	var p float64
	phase := PhaseBisect
	switch {
	case gallop > 0:
		p, phase = roundDown(pass*math.Pow(1+tol, float64(gallop))), PhaseEdge
	case gallop < 0:
		p, phase = roundUp(fail/math.Pow(1+tol, float64(-gallop))), PhaseEdge
	case estimate > 0 && estimates < maxEstimates:
		p, phase = roundRate(estimate), PhaseEstimate
	}
	if !(p > pass && p < fail) {
		p, phase = roundRate(math.Sqrt(pass*fail)), PhaseBisect
		if !(p > pass && p < fail) {
			p = math.Sqrt(pass * fail)
		}
	}
	return p, phase
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
func (s *search) estimate(st *Step) float64 {
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

// within reports whether fail is at most tol above pass.
func within(pass, fail, tol float64) bool {
	return pass > 0 && fail <= pass*(1+tol)*(1+1e-9)
}
