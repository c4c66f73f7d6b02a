package latency

import (
	"fmt"
	"time"
)

// Format prints d with three significant digits in the largest unit that
// keeps it at least 1: 850ns, 212µs, 1.24ms, 3.50s.
func Format(d time.Duration) string {
	var v float64
	var unit string
	switch {
	case d < 0:
		return "-" + Format(-d)
	case d < time.Microsecond:
		return fmt.Sprintf("%dns", int64(d))
	case d < time.Millisecond-time.Microsecond/2: // 999.5µs and up round to 1.00ms, not 1000µs
		v, unit = float64(d)/1e3, "µs"
	case d < time.Second-time.Millisecond/2:
		v, unit = float64(d)/1e6, "ms"
	default:
		v, unit = d.Seconds(), "s"
	}
	switch {
	case v >= 99.95:
		return fmt.Sprintf("%.0f%s", v, unit)
	case v >= 9.995:
		return fmt.Sprintf("%.1f%s", v, unit)
	default:
		return fmt.Sprintf("%.2f%s", v, unit)
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
