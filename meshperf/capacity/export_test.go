package capacity

import (
	"math"
	"testing"
)

// NighthawkSearch makes a capacity search plain: ×2 from the start rate,
// then bisection to the tolerance, with no throughput estimates and no
// boundary repeats, as Nighthawk's adaptive load controller searches. Tests
// use it to measure what meshperf's search saves.
func NighthawkSearch() Option {
	return func(c *config) error {
		c.plain, c.repeats = true, 0
		return nil
	}
}

func TestRoundRate(t *testing.T) {
	tests := []struct{ in, round, down, up float64 }{
		{in: 1131.3708498984759, round: 1131, down: 1131, up: 1132},
		{in: 1004.95, round: 1005, down: 1004, up: 1005},
		{in: 99.995, round: 100, down: 99.99, up: 100},
		{in: 0.123456, round: 0.1235, down: 0.1234, up: 0.1235},
		{in: 100000, round: 100000, down: 100000, up: 100000},
	}
	for _, tt := range tests {
		if got := roundRate(tt.in); math.Abs(got-tt.round) > 1e-9*tt.round {
			t.Errorf("roundRate(%v) = %v, want %v", tt.in, got, tt.round)
		}
		if got := roundDown(tt.in); math.Abs(got-tt.down) > 1e-9*tt.down {
			t.Errorf("roundDown(%v) = %v, want %v", tt.in, got, tt.down)
		}
		if got := roundUp(tt.in); math.Abs(got-tt.up) > 1e-9*tt.up {
			t.Errorf("roundUp(%v) = %v, want %v", tt.in, got, tt.up)
		}
	}
}

// TestMaxSteps: the bound covers the ramp, twice plain bisection from a ×2
// bracket, and every retry, so that a search within it is never cut short
// by it.
func TestMaxSteps(t *testing.T) {
	tests := []struct {
		cfg  config
		want int
	}{
		// ramp 100..102400 capped at 1e5: 11; bisect log2(ln2/ln1.01) = 6.12 → 7,
		// two estimates with a gallop of 7 each: 16; retries 2, walks 2×5.
		{config{start: 100, max: 100_000, tol: 0.01, repeats: 2}, 11 + 7 + 16 + 2 + 10},
		{config{start: 100, max: 100, tol: 0.5, repeats: 0}, 1 + 1 + 2*2},
	}
	for _, tt := range tests {
		if got := maxSteps(tt.cfg); got != tt.want {
			t.Errorf("maxSteps(%+v) = %d, want %d", tt.cfg, got, tt.want)
		}
	}
}
