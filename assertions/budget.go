package assertions

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshperf/meshperf/meshperf"
)

// DefaultMaxErrorRate is the error-rate ceiling used when a Budget's or an
// Overhead's MaxErrorRate is 0: 1% of requests. It judges a measured run;
// meshperf.DefaultAbortErrorRate (10%) is the share above which a run is
// no measurement and never reaches a budget.
const DefaultMaxErrorRate = 0.01

// NoErrors, as a MaxErrorRate, allows no failed request at all. (Zero
// cannot say so: it selects DefaultMaxErrorRate.) Any single failure makes
// the error rate at least 1/Requests, which exceeds it.
const NoErrors = math.SmallestNonzeroFloat64

// DefaultMaxUnsent is the unsent ceiling used when a Budget's MaxUnsent is
// 0: 0.1% of the planned slots of an open-loop window. An unsent slot is a
// request the generator could not send before the window closed because
// every worker was waiting on the target; it is never measured, and it
// would have been among the slowest. At 0.1%, the p99 of all planned
// requests is at most the p99.1 of those sent, even if every unsent one
// would have been the slowest.
const DefaultMaxUnsent = 0.001

// NoUnsent, as a MaxUnsent, allows no unsent slot at all. AnyUnsent sets
// no unsent ceiling: the latencies then describe only the requests that
// were sent, however few.
const (
	NoUnsent  = math.SmallestNonzeroFloat64
	AnyUnsent = 1.0
)

// Metrics of the Violations that every Budget checks, whatever its limits.
const (
	MetricUnsent   = "unsent"
	MetricOverflow = "overflow"
)

// Budget holds limits on one Result. A zero field sets no limit, except
// MaxErrorRate and MaxUnsent, whose zero means DefaultMaxErrorRate and
// DefaultMaxUnsent. Every ceiling is inclusive: a value equal to it passes.
//
// Whatever its limits, a Budget fails a Result that answered no request,
// one whose unsent share is over the ceiling, and one with latencies above
// the histograms' range (Result.Overflow): their latencies are missing or
// clamped, not measured.
//
// Latency ceilings apply to Result.Latency (response time, from the
// intended send). CPU ceilings apply to Resources.CPUMean, memory ceilings
// to Resources.WorkingSetMax. Sidecar ceilings apply to the sidecars the
// Result has readings for; a sidecar that the step's "mode" label says is
// present ("both", "client-only", "server-only") but that has no readings
// is a violation, so the same Budget serves baseline and meshed steps. A
// sidecar whose figures are Unreliable (readings from outside the measured
// window) violates every CPU or memory ceiling set on it, naming why.
//
// When a sidecar ran in several pods (Resources.Pods > 1, the kube
// fixture's Clients(n)), the per-sidecar ceilings (SidecarCPU,
// ClientSidecarCPU, ... ) apply to the busiest pod's figures, and the
// totals (TotalSidecarCPU, TotalSidecarMemory) to the sum over every pod.
type Budget struct {
	P50, P90, P99, P999, Max time.Duration

	// MaxErrorRate is the ceiling on Result.ErrorRate, a share 0–1 of
	// Requests. 0 means DefaultMaxErrorRate; NoErrors allows none.
	MaxErrorRate float64
	// MaxUnsent is the ceiling on Result.Unsent as a share 0–1 of the
	// window's planned slots (Requests + Unsent). 0 means
	// DefaultMaxUnsent; NoUnsent allows none; AnyUnsent (1) sets no
	// ceiling. Closed-loop steps plan no slots and leave none unsent.
	MaxUnsent float64
	// MinQPSRatio is the floor on ActualQPS / RequestedQPS, 0–1, e.g. 0.99.
	// Closed-loop steps (RequestedQPS 0) have no ratio and skip it.
	MinQPSRatio float64

	// SidecarCPU and SidecarMemory apply to each sidecar (to each pod's,
	// when it ran in several).
	SidecarCPU    meshperf.CPU
	SidecarMemory meshperf.Bytes
	// Per-sidecar ceilings, applied in addition to the ones above.
	ClientSidecarCPU, ServerSidecarCPU       meshperf.CPU
	ClientSidecarMemory, ServerSidecarMemory meshperf.Bytes
	// TotalSidecarCPU and TotalSidecarMemory apply to the sum over both
	// sidecars.
	TotalSidecarCPU    meshperf.CPU
	TotalSidecarMemory meshperf.Bytes
	// AppCPU applies to the app (per instance, as the sidecar ceilings);
	// when set, the app must have readings.
	AppCPU meshperf.CPU
}

// Check evaluates res against b and reports each violation through
// testify's assert.Fail; the test continues. It returns whether res passed.
func (b Budget) Check(tb assert.TestingT, res *meshperf.Result) bool {
	if h, ok := tb.(interface{ Helper() }); ok {
		h.Helper()
	}
	return report(tb, b.Evaluate(res))
}

// Require is Check, then FailNow when res did not pass.
func (b Budget) Require(tb require.TestingT, res *meshperf.Result) {
	if h, ok := tb.(interface{ Helper() }); ok {
		h.Helper()
	}
	if !report(tb, b.Evaluate(res)) {
		tb.FailNow()
	}
}

// report sends err to tb: one assert.Fail per violation.
func report(tb assert.TestingT, err error) bool {
	if h, ok := tb.(interface{ Helper() }); ok {
		h.Helper()
	}
	if err == nil {
		return true
	}
	var vs Violations
	if !errors.As(err, &vs) {
		return assert.Fail(tb, err.Error())
	}
	for _, v := range vs {
		assert.Fail(tb, "meshperf budget: "+v.Error())
	}
	return false
}

// Evaluate returns nil when res keeps within b, a Violations error when it
// does not, and another error when b or res is invalid.
func (b Budget) Evaluate(res *meshperf.Result) error {
	if err := b.validate(); err != nil {
		return err
	}
	if res == nil {
		return errors.New("assertions: Budget.Evaluate: nil Result")
	}
	e := evaluation{res: res, step: StepOf(res)}
	e.health(b.MaxErrorRate)
	e.delivery(b.MaxUnsent)
	for _, l := range []struct {
		metric string
		limit  time.Duration
	}{{"p50", b.P50}, {"p90", b.P90}, {"p99", b.P99}, {"p999", b.P999}, {"max", b.Max}} {
		if got, ok := value(l.metric, res); ok && l.limit > 0 && time.Duration(got) > l.limit {
			e.add(&Violation{Metric: l.metric, Limit: l.limit, Got: time.Duration(got)})
		}
	}
	if r, ok := value("qps_ratio", res); ok && b.MinQPSRatio > 0 && r < b.MinQPSRatio {
		e.add(&Violation{Metric: "qps_ratio", Limit: Percent(100 * b.MinQPSRatio), Got: Percent(100 * r), Floor: true})
	}
	b.sidecars(&e)
	if b.AppCPU > 0 {
		if r, ok := res.Resources[meshperf.App]; !ok {
			e.add(&Violation{Metric: "app_cpu", Limit: b.AppCPU})
		} else if r.Unreliable != "" {
			e.add(&Violation{Metric: "app_cpu", Limit: b.AppCPU, Reason: "unreliable: " + r.Unreliable})
		} else if cpu, _ := r.PerInstance(); cpu > b.AppCPU {
			e.add(&Violation{Metric: "app_cpu", Limit: b.AppCPU, Got: cpu})
		}
	}
	return e.err()
}

// value reads the word metric of meshperf.Metrics from res.
func value(metric string, res *meshperf.Result) (float64, bool) {
	m, ok := meshperf.LookupMetric(metric)
	if !ok {
		return 0, false
	}
	return m.Value(res)
}

// sidecars checks the sidecar ceilings.
func (b Budget) sidecars(e *evaluation) {
	if b.SidecarCPU == 0 && b.SidecarMemory == 0 && b.ClientSidecarCPU == 0 && b.ServerSidecarCPU == 0 &&
		b.ClientSidecarMemory == 0 && b.ServerSidecarMemory == 0 && b.TotalSidecarCPU == 0 && b.TotalSidecarMemory == 0 {
		return
	}
	var (
		totalCPU meshperf.CPU
		totalMem meshperf.Bytes
		measured bool
	)
	for _, s := range []struct {
		key, prefix string
		cpu         meshperf.CPU
		mem         meshperf.Bytes
	}{
		{meshperf.ClientSidecar, "client_sidecar", b.ClientSidecarCPU, b.ClientSidecarMemory},
		{meshperf.ServerSidecar, "server_sidecar", b.ServerSidecarCPU, b.ServerSidecarMemory},
	} {
		r, ok := e.res.Resources[s.key]
		if !ok {
			if !expectSidecar(e.step.Mode, s.key) {
				continue
			}
			if c := firstSet(s.cpu, b.SidecarCPU, b.TotalSidecarCPU); c > 0 {
				e.add(&Violation{Metric: s.prefix + "_cpu", Limit: c})
			} else {
				e.add(&Violation{Metric: s.prefix + "_mem", Limit: firstSet(s.mem, b.SidecarMemory, b.TotalSidecarMemory)})
			}
			continue
		}
		if r.Unreliable != "" {
			// The figures span time outside the window (warm-up, idle):
			// they cannot pass a ceiling, whatever they read.
			if c := firstSet(s.cpu, b.SidecarCPU, b.TotalSidecarCPU); c > 0 {
				e.add(&Violation{Metric: s.prefix + "_cpu", Limit: c, Reason: "unreliable: " + r.Unreliable})
			}
			if m := firstSet(s.mem, b.SidecarMemory, b.TotalSidecarMemory); m > 0 {
				e.add(&Violation{Metric: s.prefix + "_mem", Limit: m, Reason: "unreliable: " + r.Unreliable})
			}
			continue
		}
		measured = true
		totalCPU += r.CPUMean
		totalMem += r.WorkingSetMax
		cpu, mem := r.PerInstance() // the busiest pod's, when r totals several
		for _, l := range []struct {
			metric string
			limit  meshperf.CPU
		}{{"sidecar_cpu", b.SidecarCPU}, {s.prefix + "_cpu", s.cpu}} {
			if l.limit > 0 && cpu > l.limit {
				e.add(&Violation{Metric: l.metric, Limit: l.limit, Got: cpu})
			}
		}
		for _, l := range []struct {
			metric string
			limit  meshperf.Bytes
		}{{"sidecar_mem", b.SidecarMemory}, {s.prefix + "_mem", s.mem}} {
			if l.limit > 0 && mem > l.limit {
				e.add(&Violation{Metric: l.metric, Limit: l.limit, Got: mem})
			}
		}
	}
	if !measured {
		return
	}
	if b.TotalSidecarCPU > 0 && totalCPU > b.TotalSidecarCPU {
		e.add(&Violation{Metric: "total_sidecar_cpu", Limit: b.TotalSidecarCPU, Got: totalCPU})
	}
	if b.TotalSidecarMemory > 0 && totalMem > b.TotalSidecarMemory {
		e.add(&Violation{Metric: "total_sidecar_mem", Limit: b.TotalSidecarMemory, Got: totalMem})
	}
}

// firstSet returns the first nonzero limit, for a "not measured"
// violation's Limit.
func firstSet[T meshperf.CPU | meshperf.Bytes](limits ...T) T {
	for _, l := range limits {
		if l > 0 {
			return l
		}
	}
	return 0
}

// expectSidecar says whether a step in mode runs the sidecar key.
func expectSidecar(mode, key string) bool {
	switch mode {
	case "both":
		return true
	case "client-only":
		return key == meshperf.ClientSidecar
	case "server-only":
		return key == meshperf.ServerSidecar
	}
	return false
}

func (b Budget) validate() error {
	for _, d := range []struct {
		field string
		v     time.Duration
	}{{"P50", b.P50}, {"P90", b.P90}, {"P99", b.P99}, {"P999", b.P999}, {"Max", b.Max}} {
		if d.v < 0 {
			return fmt.Errorf("assertions: Budget.%s = %v: a latency ceiling must be ≥ 0 (0: not set)", d.field, d.v)
		}
	}
	if err := checkShare("Budget.MaxErrorRate", b.MaxErrorRate); err != nil {
		return err
	}
	if err := checkShare("Budget.MaxUnsent", b.MaxUnsent); err != nil {
		return err
	}
	if err := checkShare("Budget.MinQPSRatio", b.MinQPSRatio); err != nil {
		return err
	}
	for _, c := range []struct {
		field string
		v     meshperf.CPU
	}{{"SidecarCPU", b.SidecarCPU}, {"ClientSidecarCPU", b.ClientSidecarCPU}, {"ServerSidecarCPU", b.ServerSidecarCPU},
		{"TotalSidecarCPU", b.TotalSidecarCPU}, {"AppCPU", b.AppCPU}} {
		if c.v < 0 || math.IsNaN(float64(c.v)) || math.IsInf(float64(c.v), 0) {
			return fmt.Errorf("assertions: Budget.%s = %v: a CPU ceiling must be a finite number of cores ≥ 0 (0: not set)", c.field, c.v)
		}
	}
	for _, m := range []struct {
		field string
		v     meshperf.Bytes
	}{{"SidecarMemory", b.SidecarMemory}, {"ClientSidecarMemory", b.ClientSidecarMemory},
		{"ServerSidecarMemory", b.ServerSidecarMemory}, {"TotalSidecarMemory", b.TotalSidecarMemory}} {
		if m.v < 0 {
			return fmt.Errorf("assertions: Budget.%s = %d bytes: a memory ceiling must be ≥ 0 (0: not set)", m.field, int64(m.v))
		}
	}
	return nil
}

// checkShare validates a share on the 0–1 scale.
func checkShare(field string, v float64) error {
	if !(v >= 0 && v <= 1) {
		return fmt.Errorf("assertions: %s = %v: must be a share from 0 to 1 (0.01 is 1%%)", field, v)
	}
	return nil
}

// evaluation collects the violations of one Result.
type evaluation struct {
	res  *meshperf.Result
	step Step
	vs   Violations
}

func (e *evaluation) add(v *Violation) {
	v.Samples, v.Step = e.res.Latency.Count, e.step
	e.vs = append(e.vs, v)
}

// health reports what always fails: no answered request, and an error rate
// over the ceiling (0: DefaultMaxErrorRate).
func (e *evaluation) health(maxErrorRate float64) {
	if e.res.Latency.Count == 0 {
		e.add(&Violation{Metric: MetricSamples, Limit: count(1), Got: count(0), Floor: true})
	}
	if maxErrorRate == 0 {
		maxErrorRate = DefaultMaxErrorRate
	}
	if rate := e.res.ErrorRate(); rate > maxErrorRate {
		limit := Percent(100 * maxErrorRate)
		if maxErrorRate == NoErrors {
			limit = 0
		}
		e.add(&Violation{Metric: "err", Limit: limit, Got: Percent(100 * rate)})
	}
}

// delivery reports what makes the latencies incomplete: an unsent share of
// the planned slots over the ceiling (0: DefaultMaxUnsent), and latencies
// above the histograms' range.
func (e *evaluation) delivery(maxUnsent float64) {
	r := e.res
	if maxUnsent == 0 {
		maxUnsent = DefaultMaxUnsent
	}
	if planned := r.Requests + r.Unsent; r.Unsent > 0 && maxUnsent < AnyUnsent {
		if share := float64(r.Unsent) / float64(planned); share > maxUnsent {
			limit := Percent(100 * maxUnsent)
			if maxUnsent == NoUnsent {
				limit = 0
			}
			e.add(&Violation{Metric: MetricUnsent, Limit: limit, Got: Unsent{Slots: r.Unsent, Planned: planned, Late: r.Late}})
		}
	}
	if r.Overflow > 0 {
		var top time.Duration
		if r.ResponseHist != nil {
			top = r.ResponseHist.Highest()
		}
		e.add(&Violation{Metric: MetricOverflow, Limit: count(0), Got: Overflow{Count: r.Overflow, Highest: top}})
	}
}

func (e *evaluation) err() error {
	if len(e.vs) == 0 {
		return nil
	}
	return e.vs
}
