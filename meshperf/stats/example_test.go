package stats_test

import (
	"fmt"

	"github.com/meshperf/meshperf/meshperf/stats"
)

// Five p50 readings (µs) a side, the new side about 100µs slower, judged
// against a 50µs ceiling.
func ExampleHodgesLehmann() {
	old := []float64{212, 198, 240, 205, 221}
	new := []float64{305, 330, 298, 311, 342}
	s, err := stats.HodgesLehmann(old, new, 0.95)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("shift %+.0f, %.1f%% interval [%+.0f, %+.0f]\n", s.Estimate, 100*s.Confidence, s.Lo, s.Hi)
	fmt.Println("against +50:", s.Against(50))
	fmt.Println("against +120:", s.Against(120), "- about", s.MoreRuns(120), "runs a side would likely decide")
	fmt.Println("against +150:", s.Against(150))
	// Output:
	// shift +100, 96.8% interval [+71, +132]
	// against +50: breach
	// against +120: inconclusive - about 27 runs a side would likely decide
	// against +150: within
}
