package stats

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// DefaultConfidence is the confidence level of intervals when a caller
// passes 0: 95%.
const DefaultConfidence = 0.95

// ExactLimit is the number of runs a side up to which the interval uses
// the exact distribution of U; beyond it, the normal approximation.
const ExactLimit = 50

// Shift is how far y is shifted from x: the Hodges–Lehmann estimate and
// its confidence interval, in the unit of the samples.
type Shift struct {
	// Estimate is the median of the pairwise differences y[j] − x[i].
	Estimate float64
	// Lo and Hi bound the interval, inclusive. They are −Inf and +Inf when
	// the samples are too small for an interval at the requested level.
	Lo, Hi float64
	// Confidence is the interval's achieved level, 0–1: at least the
	// requested one, since U takes discrete values (1 when unbounded).
	Confidence float64
	// Requested is the level asked for, 0–1.
	Requested float64
	// X and Y are the number of runs on each side.
	X, Y int
	// Exact is true when the interval comes from U's exact distribution,
	// false for its normal approximation.
	Exact bool
	// Ties is true when some values repeat within or across the samples;
	// the interval is then conservative.
	Ties bool
}

// Bounded reports whether the interval is finite.
func (s Shift) Bounded() bool { return !math.IsInf(s.Lo, 0) && !math.IsInf(s.Hi, 0) }

// HodgesLehmann estimates the shift of y from x (y − x) and its
// two-sided confidence interval at level (0–1; 0 means
// DefaultConfidence). Each sample needs at least one finite value; a NaN
// or an infinity is an error.
func HodgesLehmann(x, y []float64, level float64) (Shift, error) {
	if level == 0 {
		level = DefaultConfidence
	}
	if !(level > 0 && level < 1) {
		return Shift{}, fmt.Errorf("stats: confidence level %v: use a share between 0 and 1, such as 0.95", level)
	}
	if len(x) == 0 || len(y) == 0 {
		return Shift{}, fmt.Errorf("stats: %d and %d values: each sample needs at least one", len(x), len(y))
	}
	for _, s := range [][]float64{x, y} {
		for _, v := range s {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return Shift{}, errors.New("stats: a sample holds NaN or an infinity")
			}
		}
	}
	m, n := len(x), len(y)
	d := make([]float64, 0, m*n)
	for _, yj := range y {
		for _, xi := range x {
			d = append(d, yj-xi)
		}
	}
	slices.Sort(d)
	s := Shift{Estimate: median(d), Requested: level, X: m, Y: n, Exact: m <= ExactLimit && n <= ExactLimit,
		Ties: hasTies(x, y)}
	k, tail := criticalValue(m, n, 1-level, s.Exact)
	if k == 0 {
		s.Lo, s.Hi, s.Confidence = math.Inf(-1), math.Inf(1), 1
		return s, nil
	}
	s.Lo, s.Hi, s.Confidence = d[k-1], d[len(d)-k], 1-2*tail
	return s, nil
}

// Median returns the median of v, which it does not change; 0 for none.
func Median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return median(s)
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

func hasTies(x, y []float64) bool {
	all := slices.Concat(x, y)
	slices.Sort(all)
	for i := 1; i < len(all); i++ {
		if all[i] == all[i-1] {
			return true
		}
	}
	return false
}

// criticalValue returns the largest k with P(U ≤ k−1) ≤ alpha/2 under no
// shift, and that tail probability; k = 0 when even P(U ≤ 0) exceeds
// alpha/2. The interval [D(k), D(mn+1−k)] of the sorted differences then
// covers the shift with probability 1 − 2·tail ≥ 1 − alpha.
func criticalValue(m, n int, alpha float64, exact bool) (k int, tail float64) {
	if exact {
		cdf := uCDF(m, n)
		for k < len(cdf) && cdf[k] <= alpha/2+1e-12 { // 1e-12: 1 − 0.9 is not 0.1 in floating point
			k++
		}
		if k == 0 {
			return 0, 0
		}
		return k, cdf[k-1]
	}
	mu := float64(m*n) / 2
	sigma := math.Sqrt(float64(m*n*(m+n+1)) / 12)
	z := math.Sqrt2 * math.Erfinv(1-alpha)
	k = int(math.Floor(mu - z*sigma + 0.5))
	if k < 1 {
		return 0, 0
	}
	return k, normalCDF((float64(k) - 0.5 - mu) / sigma)
}

func normalCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

// uCDF returns P(U ≤ u) for u = 0 … ⌊mn/2⌋ under no shift and no ties,
// where U counts the pairs with y > x. It counts the arrangements with
// each U by the recurrence c(u; m, n) = c(u−n; m−1, n) + c(u; m, n−1).
func uCDF(m, n int) []float64 {
	top := m * n / 2
	// c[j] holds the counts for i x-values and j y-values, truncated at top.
	c := make([][]float64, n+1)
	for j := range c {
		c[j] = make([]float64, top+1)
		c[j][0] = 1 // i = 0: U = 0 in one way
	}
	for i := 1; i <= m; i++ {
		next := make([][]float64, n+1)
		next[0] = make([]float64, top+1)
		next[0][0] = 1 // j = 0: U = 0 in one way
		for j := 1; j <= n; j++ {
			row := make([]float64, top+1)
			// The largest of the i+j values is a y (adds i to U: it beats
			// every x) or an x (adds nothing).
			for u := range row {
				row[u] = c[j][u] // the largest is an x: i−1 x left, j y
				if u >= i {
					row[u] += next[j-1][u-i] // the largest is a y
				}
			}
			next[j] = row
		}
		c = next
	}
	counts := c[n]
	total := 1.0 // C(m+n, m)
	for i := 1; i <= m; i++ {
		total = total * float64(n+i) / float64(i)
	}
	cdf := make([]float64, top+1)
	var sum float64
	for u, v := range counts {
		sum += v
		cdf[u] = sum / total
	}
	return cdf
}
