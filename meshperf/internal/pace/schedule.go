package pace

import (
	"fmt"
	"math"
	"time"
)

// Schedule is an open-loop, constant-rate schedule: slot i is intended at
// Offset(i) = i / QPS seconds after the start of the run.
type Schedule struct {
	qps float64
}

// MaxQPS is the highest rate a Schedule accepts: one request per nanosecond.
const MaxQPS = 1e9

// NewSchedule returns a schedule for qps requests per second. qps must be
// finite, > 0 and at most MaxQPS.
func NewSchedule(qps float64) (Schedule, error) {
	if !(qps > 0 && qps <= MaxQPS) {
		return Schedule{}, fmt.Errorf("rate %v is outside (0, %g] requests per second", qps, float64(MaxQPS))
	}
	return Schedule{qps: qps}, nil
}

// Offset returns when slot i is intended, measured from the run's start.
// Offsets are exact to the nanosecond for any i that fits the run, and
// non-decreasing in i. An offset beyond time.Duration's range (a slot
// hundreds of years away, at a tiny rate) saturates at the largest
// Duration rather than wrapping to a negative one.
func (s Schedule) Offset(i int64) time.Duration {
	ns := math.Round(float64(i) * 1e9 / s.qps)
	if !(ns < math.MaxInt64) { // float64(MaxInt64) is 2^63, one past the range
		return math.MaxInt64
	}
	return time.Duration(ns)
}

// Slots returns the number of slots whose intended time falls in [0, d):
// the requests a run of length d sends.
func (s Schedule) Slots(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	n := int64(math.MaxInt64 - 1)
	if est := math.Ceil(d.Seconds() * s.qps); est < math.MaxInt64 {
		n = int64(est)
	}
	// Correct the float estimate so that Offset(n-1) < d <= Offset(n). Both
	// loops run at most a few times: Offset is non-decreasing and saturates
	// at the largest Duration, which no d exceeds.
	for n > 0 && s.Offset(n-1) >= d {
		n--
	}
	for s.Offset(n) < d {
		n++
	}
	return n
}
