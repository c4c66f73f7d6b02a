package latency

import (
	"time"
)

// Summary is the fixed set of statistics meshperf reports for a
// distribution. All values are durations; Count is the number of samples.
type Summary struct {
	Count int64
	Min   time.Duration
	Mean  time.Duration
	P50   time.Duration
	P75   time.Duration
	P90   time.Duration
	P99   time.Duration
	P999  time.Duration
	Max   time.Duration
}

// Summarize reads the summary of h. It returns ErrNoSamples when h is empty,
// so that an empty run can never read as zero latency.
func (h *Histogram) Summarize() (Summary, error) {
	if h.Count() == 0 {
		return Summary{}, ErrNoSamples
	}
	qs := h.h.ValueAtPercentiles([]float64{50, 75, 90, 99, 99.9})
	return Summary{
		Count: h.Count(),
		Min:   time.Duration(h.h.Min()),
		Mean:  time.Duration(h.h.Mean()),
		P50:   time.Duration(qs[50]),
		P75:   time.Duration(qs[75]),
		P90:   time.Duration(qs[90]),
		P99:   time.Duration(qs[99]),
		P999:  time.Duration(qs[99.9]),
		Max:   time.Duration(h.h.Max()),
	}, nil
}
