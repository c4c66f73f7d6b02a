package latency

import (
	"fmt"
	"time"
)

// Format prints d with three significant digits in the largest unit that
// keeps it at least 1: 850ns, 212µs, 1.24ms, 3.50s. A negative d prints with
// a minus sign. Format is total: every Duration, the extremes included,
// prints without error or recursion.
func Format(d time.Duration) string {
	sign := ""
	ns := float64(d) // exact sign and magnitude even for math.MinInt64, whose negation overflows
	if d < 0 {
		sign, ns = "-", -ns
	}
	var v float64
	var unit string
	switch {
	case ns < 1e3:
		return fmt.Sprintf("%s%.0fns", sign, ns)
	case ns < 1e6-500: // 999.5µs and up round to 1.00ms, not 1000µs
		v, unit = ns/1e3, "µs"
	case ns < 1e9-5e5:
		v, unit = ns/1e6, "ms"
	default:
		v, unit = ns/1e9, "s"
	}
	switch {
	case v >= 99.95:
		return fmt.Sprintf("%s%.0f%s", sign, v, unit)
	case v >= 9.995:
		return fmt.Sprintf("%s%.1f%s", sign, v, unit)
	default:
		return fmt.Sprintf("%s%.2f%s", sign, v, unit)
	}
}

// NoSamples is what Summary.Format prints for a value of an empty
// distribution.
const NoSamples = "—"

// Format prints v, one of s's values (s.P99, s.Max, ...), as Format does.
// When s holds no samples it prints NoSamples instead, so that an empty
// distribution never reads as zero latency.
func (s Summary) Format(v time.Duration) string {
	if s.Count == 0 {
		return NoSamples
	}
	return Format(v)
}
