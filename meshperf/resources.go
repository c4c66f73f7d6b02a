package meshperf

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/meshperf/meshperf/internal/quantity"
)

// CPU is an amount of processor time per unit of wall time, in cores:
// 0.25 is a quarter of one core. Build values from the constants, e.g.
// 500 * Millicore.
type CPU float64

// CPU units.
const (
	Millicore CPU = 0.001
	Core      CPU = 1
)

// Millicores returns c in thousandths of a core.
func (c CPU) Millicores() float64 { return float64(c) * 1000 }

// String prints c in millicores as Kubernetes does, e.g. "250m".
func (c CPU) String() string { return strconv.FormatFloat(c.Millicores(), 'f', -1, 64) + "m" }

// Bytes is an amount of memory.
type Bytes int64

// Memory units.
const (
	Byte Bytes = 1
	KiB        = 1024 * Byte
	MiB        = 1024 * KiB
	GiB        = 1024 * MiB
)

// String prints b with a binary prefix, e.g. "12.5MiB".
func (b Bytes) String() string {
	switch {
	case b >= GiB:
		return strconv.FormatFloat(float64(b)/float64(GiB), 'f', 3, 64) + "GiB"
	case b >= MiB:
		return strconv.FormatFloat(float64(b)/float64(MiB), 'f', 1, 64) + "MiB"
	case b >= KiB:
		return strconv.FormatFloat(float64(b)/float64(KiB), 'f', 1, 64) + "KiB"
	}
	return strconv.FormatInt(int64(b), 10) + "B"
}

// ResourceSample is one reading of a container's or process's counters.
// CPUTime is cumulative since the process or cgroup started.
type ResourceSample struct {
	At         time.Time
	CPUTime    time.Duration
	WorkingSet Bytes // memory usage minus inactive file cache, as the kubelet reports it
	RSS        Bytes // resident anonymous memory
}

// Resources is what one component (client-sidecar, server-sidecar, app)
// used over a measured window. CPU is Δcpu-time / Δwall between samples:
// CPUMean over the whole window, CPUMax over the busiest interval between
// two samples. Memory is the mean and max of the samples.
type Resources struct {
	CPUMean, CPUMax               CPU
	WorkingSetMean, WorkingSetMax Bytes
	RSSMax                        Bytes
	Samples                       int // samples inside the window
	// Limits the component ran under; zero means none.
	CPULimit    CPU
	MemoryLimit Bytes
	// Enforced says whether the limits were enforced (false without
	// cgroups, e.g. when not running as root).
	Enforced bool
	Source   string // where the numbers came from: "cgroup v1", "cgroup v2", "proc", "docker", "kubelet"
}

// ErrTooFewSamples is returned when a window holds fewer than two samples,
// so no CPU rate can be computed.
var ErrTooFewSamples = errors.New("fewer than two resource samples in the measured window")

// SummarizeResources reduces samples, sorted by time, to the Resources used
// in [from, to]. Samples outside the window (the warm-up) are ignored.
func SummarizeResources(samples []ResourceSample, from, to time.Time) (Resources, error) {
	var in []ResourceSample
	for _, s := range samples {
		if !s.At.Before(from) && !s.At.After(to) {
			in = append(in, s)
		}
	}
	if len(in) < 2 {
		return Resources{Samples: len(in)}, fmt.Errorf("meshperf: %w (%d of %d samples fall in %v)", ErrTooFewSamples, len(in), len(samples), to.Sub(from))
	}
	r := Resources{Samples: len(in)}
	var wsSum Bytes
	for i, s := range in {
		if i > 0 {
			prev := in[i-1]
			if dt := s.At.Sub(prev.At); dt > 0 {
				r.CPUMax = max(r.CPUMax, CPU((s.CPUTime-prev.CPUTime).Seconds()/dt.Seconds()))
			}
		}
		wsSum += s.WorkingSet
		r.WorkingSetMax = max(r.WorkingSetMax, s.WorkingSet)
		r.RSSMax = max(r.RSSMax, s.RSS)
	}
	first, last := in[0], in[len(in)-1]
	if dt := last.At.Sub(first.At); dt > 0 {
		r.CPUMean = CPU((last.CPUTime - first.CPUTime).Seconds() / dt.Seconds())
	}
	r.WorkingSetMean = wsSum / Bytes(len(in))
	return r, nil
}

// ParseCPU parses a CPU quantity as Kubernetes writes it: "500m" is half a
// core, "1" or "1.5" are cores. It refuses NaN, Inf, negative values and
// anything but a plain decimal number, with an error that names the value.
func ParseCPU(s string) (CPU, error) {
	c, err := quantity.Cores(s)
	return CPU(c), err
}

// ParseBytes parses a memory quantity as Kubernetes writes it: plain bytes,
// or a number with Ki, Mi, Gi, Ti (powers of 1024) or k, M, G, T (powers of
// 1000), coming to a whole number of bytes ("1.5Ki" is 1536). It refuses NaN,
// Inf, negative values, fractions of a byte and values above math.MaxInt64,
// with an error that names the value.
func ParseBytes(s string) (Bytes, error) {
	b, err := quantity.Bytes(s)
	return Bytes(b), err
}
