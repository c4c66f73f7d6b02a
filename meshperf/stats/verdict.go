package stats

import (
	"math"
)

// Verdict is what a confidence interval says about a ceiling.
type Verdict int

const (
	// Within: the interval lies wholly at or below the ceiling.
	Within Verdict = iota
	// Breach: the interval lies wholly above the ceiling.
	Breach
	// Inconclusive: the interval straddles the ceiling, or is unbounded.
	Inconclusive
)

func (v Verdict) String() string {
	switch v {
	case Within:
		return "within"
	case Breach:
		return "breach"
	case Inconclusive:
		return "inconclusive"
	}
	return "Verdict(?)"
}

// Against judges s against a ceiling on the shift, inclusive: a shift
// equal to it is within.
func (s Shift) Against(ceiling float64) Verdict {
	switch {
	case s.Lo > ceiling:
		return Breach
	case s.Hi <= ceiling:
		return Within
	}
	return Inconclusive
}

// MaxSuggestedRuns caps MoreRuns: beyond it, the shift is too close to the
// ceiling for repeats to settle it at any practical cost.
const MaxSuggestedRuns = 1000

// MoreRuns says about how many runs a side would likely make an
// Inconclusive verdict decide: the number at which, if the true shift is
// the current estimate, a new set of runs decides with probability about
// 80% (the usual power of a sample-size estimate). It assumes the interval
// narrows as √(1/m + 1/n), as it does for a location shift, and so is a
// guide, not a promise: the estimate itself moves as runs are added (on
// simulated skewed noise, 60% of the suggestions decided:
// TestMoreRunsDecides).
// It returns 0 for a verdict that is already decided, and
// MaxSuggestedRuns+1 when the estimate sits on the ceiling or more than
// MaxSuggestedRuns would be needed. For an unbounded interval it returns
// the fewest runs a side that give a bounded one at s.Requested.
func (s Shift) MoreRuns(ceiling float64) int {
	if s.Against(ceiling) != Inconclusive {
		return 0
	}
	if !s.Bounded() {
		for n := max(s.X, s.Y, 2); n <= MaxSuggestedRuns; n++ {
			if k, _ := criticalValue(n, n, 1-s.Requested, n <= ExactLimit); k > 0 {
				return n
			}
		}
		return MaxSuggestedRuns + 1
	}
	gap := math.Abs(s.Estimate - ceiling)
	half := s.Estimate - s.Lo // the side of the interval that reaches the ceiling
	if s.Estimate < ceiling {
		half = s.Hi - s.Estimate
	}
	if gap == 0 || half <= 0 {
		return MaxSuggestedRuns + 1
	}
	// For 80% power the half-width at n runs a side must shrink to
	// gap·z/(z+z₈₀), z the interval's normal quantile:
	// half·√((2/n)/(1/m+1/n)) < gap·z/(z+z₈₀)  ⇔  n > 2 / (r²·(1/m+1/n)).
	const z80 = 0.8416
	z := math.Sqrt2 * math.Erfinv(s.Requested)
	r := gap / half * z / (z + z80)
	n := 2 / (r * r * (1/float64(s.X) + 1/float64(s.Y)))
	runs := int(math.Floor(n)) + 1
	runs = max(runs, s.X+1, s.Y+1)
	if runs > MaxSuggestedRuns {
		return MaxSuggestedRuns + 1
	}
	return runs
}
