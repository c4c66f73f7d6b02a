package meshperf

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
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

// String prints c in millicores as Kubernetes does, e.g. "250m", to at
// most three decimals, so that 350 * Millicore does not print its
// floating-point error.
func (c CPU) String() string {
	return strconv.FormatFloat(math.Round(c.Millicores()*1000)/1000, 'f', -1, 64) + "m"
}

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
//
// When several pods run the component (the kube fixture's Clients(n)),
// the figures are totals over the pods: CPUMean, CPUMax, WorkingSetMean,
// WorkingSetMax and RSSMax are the sums of each pod's (so CPUMax and the
// maxima are upper bounds, the pods' peaks need not coincide), Samples is
// the fewest any pod had, Pods says how many were added, and
// BusiestPodCPU and LargestPodWorkingSet give the single pod's figures
// that a per-sidecar budget checks.
type Resources struct {
	CPUMean, CPUMax               CPU
	WorkingSetMean, WorkingSetMax Bytes
	RSSMax                        Bytes
	Samples                       int // samples inside the window
	// Unreliable, when not empty, says why the figures do not describe
	// the measured window alone: e.g. fewer than two readings fell inside
	// it, so they span warm-up or idle time around it. A budget on such a
	// figure fails and quotes it.
	Unreliable string
	// Pods is the number of pods whose instances the figures add up; 0
	// means one (the figures are that instance's).
	Pods int
	// BusiestPodCPU is the highest CPUMean of one pod, and
	// LargestPodWorkingSet the highest WorkingSetMax of one pod; both are
	// set only when Pods > 1.
	BusiestPodCPU        CPU
	LargestPodWorkingSet Bytes
	// Limits the component ran under, per instance; zero means none.
	CPULimit    CPU
	MemoryLimit Bytes
	// Enforced says whether the limits were verified in force: read back
	// from what the daemon, the API server or the kernel applied, and from
	// the cgroup the component runs in. It is false when they were not set,
	// differ, or could not be read; LimitsCheck says which.
	Enforced bool
	// LimitsCheck says what the check of the limits read back, or why
	// Enforced is false.
	LimitsCheck string
	Source      string // where the numbers came from: "cgroup v1", "cgroup v2", "proc", "docker", "kubelet"
}

// PerInstance returns the figures a per-sidecar ceiling applies to: the
// busiest pod's CPU and the largest pod's working set when the figures add
// up several pods, else CPUMean and WorkingSetMax.
func (r Resources) PerInstance() (CPU, Bytes) {
	if r.Pods > 1 {
		return r.BusiestPodCPU, r.LargestPodWorkingSet
	}
	return r.CPUMean, r.WorkingSetMax
}

// String reads, for example, "cpu 312m (max 410m), working set 15.0MiB
// (max 15.2MiB), 12 samples"; with several pods ", total of 4 pods
// (busiest 95m, largest 4.0MiB)"; and an unreliable figure ends
// " UNRELIABLE: <why>".
func (r Resources) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cpu %s (max %s), working set %s (max %s), %d samples",
		r.CPUMean.Round(), r.CPUMax.Round(), r.WorkingSetMean, r.WorkingSetMax, r.Samples)
	if r.Pods > 1 {
		fmt.Fprintf(&b, ", total of %d pods (busiest %s, largest %s)", r.Pods, r.BusiestPodCPU.Round(), r.LargestPodWorkingSet)
	}
	if r.CPULimit > 0 || r.MemoryLimit > 0 {
		fmt.Fprintf(&b, ", limits %s/%s", r.CPULimit, r.MemoryLimit)
		if !r.Enforced {
			b.WriteString(" NOT VERIFIED")
			if r.LimitsCheck != "" {
				b.WriteString(" (" + r.LimitsCheck + ")")
			}
		}
	}
	if r.Unreliable != "" {
		b.WriteString(" UNRELIABLE: " + r.Unreliable)
	}
	return b.String()
}

// Round returns c rounded to a whole millicore, for printing.
func (c CPU) Round() CPU { return CPU(math.Round(c.Millicores())) * Millicore }

// SumPods adds up the Resources of one component's instances in several
// pods, as the type's doc describes. One element is returned as it is.
// The limits are the first element's (each instance's); Enforced holds
// only if it holds for every pod, and Unreliable joins the pods' reasons.
func SumPods(rs ...Resources) Resources {
	if len(rs) == 1 {
		return rs[0]
	}
	var t Resources
	if len(rs) == 0 {
		return t
	}
	t.CPULimit, t.MemoryLimit, t.Source, t.Enforced = rs[0].CPULimit, rs[0].MemoryLimit, rs[0].Source, true
	t.Pods, t.Samples = len(rs), rs[0].Samples
	var why, checks []string
	for i, r := range rs {
		t.CPUMean += r.CPUMean
		t.CPUMax += r.CPUMax
		t.WorkingSetMean += r.WorkingSetMean
		t.WorkingSetMax += r.WorkingSetMax
		t.RSSMax += r.RSSMax
		t.Samples = min(t.Samples, r.Samples)
		t.BusiestPodCPU = max(t.BusiestPodCPU, r.CPUMean)
		t.LargestPodWorkingSet = max(t.LargestPodWorkingSet, r.WorkingSetMax)
		t.Enforced = t.Enforced && r.Enforced
		if r.Unreliable != "" {
			why = append(why, fmt.Sprintf("pod %d of %d: %s", i+1, len(rs), r.Unreliable))
		}
		if r.LimitsCheck != "" && !slices.Contains(checks, r.LimitsCheck) {
			checks = append(checks, r.LimitsCheck)
		}
	}
	t.Unreliable = strings.Join(why, "; ")
	t.LimitsCheck = strings.Join(checks, "; ")
	return t
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
