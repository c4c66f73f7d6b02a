package meshperf

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/meshperf/meshperf/meshperf/latency"
)

// The JSON form of a Result holds the SMP PerformanceTestResult fields under
// their spec names (smp_version, id, labels, start_time, end_time,
// latencies_ms{min, average, p50, p90, p99, max}, actual_QPS) and meshperf's
// extras beside them. Latencies are in milliseconds as in SMP; the
// histograms, encoded in the HdrHistogram V2 compressed format (base64),
// hold nanoseconds and are authoritative: decoding a Result recomputes every
// summary from them. A summary of no samples (latencies_ms of a run without
// an answered request, send_lag_ms in closed loop) is null, never 0 ms: an
// SMP reader then finds latencies_ms unset.

// latenciesMS is a latency.Summary of at least one sample, in milliseconds.
// The values are pointers so that a member missing from a file is told from
// 0 ms.
type latenciesMS struct {
	Count   int64    `json:"count"`
	Min     *float64 `json:"min"`
	Average *float64 `json:"average"`
	P50     *float64 `json:"p50"`
	P75     *float64 `json:"p75"`
	P90     *float64 `json:"p90"`
	P99     *float64 `json:"p99"`
	P999    *float64 `json:"p999"`
	Max     *float64 `json:"max"`
}

func toMS(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// newLatenciesMS returns s in milliseconds, or nil when s has no samples.
func newLatenciesMS(s latency.Summary) *latenciesMS {
	if s.Count == 0 {
		return nil
	}
	ms := func(d time.Duration) *float64 { v := toMS(d); return &v }
	return &latenciesMS{Count: s.Count, Min: ms(s.Min), Average: ms(s.Mean), P50: ms(s.P50), P75: ms(s.P75),
		P90: ms(s.P90), P99: ms(s.P99), P999: ms(s.P999), Max: ms(s.Max)}
}

// maxLatencyMS is the largest latency a result may hold, in milliseconds:
// twice latency.MaxHighest, the largest range of a histogram (whose top
// bucket may reach a little past it). Anything beyond was not measured.
var maxLatencyMS = toMS(2 * latency.MaxHighest)

// summary reads l back. Null, or a count of 0, is no samples, whatever the
// values say (files written before empty summaries became null hold zeros
// there); a positive count needs every value.
func (l *latenciesMS) summary(name string) (latency.Summary, error) {
	switch {
	case l == nil:
		return latency.Summary{}, nil
	case l.Count < 0:
		return latency.Summary{}, fmt.Errorf("meshperf: result %s.count %d is negative", name, l.Count)
	case l.Count == 0:
		return latency.Summary{}, nil
	}
	s := latency.Summary{Count: l.Count}
	fields := []struct {
		name string
		ms   *float64
		d    *time.Duration
	}{{"min", l.Min, &s.Min}, {"average", l.Average, &s.Mean}, {"p50", l.P50, &s.P50}, {"p75", l.P75, &s.P75},
		{"p90", l.P90, &s.P90}, {"p99", l.P99, &s.P99}, {"p999", l.P999, &s.P999}, {"max", l.Max, &s.Max}}
	// A value out of range is named first: it is the more telling fault.
	for _, f := range fields {
		if f.ms != nil && !(*f.ms >= 0 && *f.ms <= maxLatencyMS) {
			return latency.Summary{}, fmt.Errorf("meshperf: result %s.%s = %g is out of range: latencies are 0 to %g ms", name, f.name, *f.ms, maxLatencyMS)
		}
	}
	for _, f := range fields {
		if f.ms == nil {
			return latency.Summary{}, fmt.Errorf("meshperf: result %s.%s is missing or null, but count is %d", name, f.name, l.Count)
		}
		*f.d = time.Duration(*f.ms * float64(time.Millisecond))
	}
	return s, nil
}

// histogramEncoding names the encoding of the histograms in a Result's JSON
// (its "histograms" member's "encoding"), the one Encode writes.
const histogramEncoding = "hdrhistogram-v2-compressed-base64"

type histogramsJSON struct {
	Unit     string `json:"unit"`
	Encoding string `json:"encoding"`
	Response string `json:"response,omitempty"`
	Service  string `json:"service,omitempty"`
	SendLag  string `json:"send_lag,omitempty"`
	// Overflow counts the values of Response above its range, recorded at
	// its top (Result.Overflow); the encoding cannot hold it.
	Overflow        int64 `json:"overflow"`
	ServiceOverflow int64 `json:"service_overflow"`
	SendLagOverflow int64 `json:"send_lag_overflow"`
}

type resultJSON struct {
	SMPVersion string            `json:"smp_version"`
	ID         string            `json:"id"`
	Labels     map[string]string `json:"labels,omitempty"`
	StartTime  time.Time         `json:"start_time"`
	EndTime    time.Time         `json:"end_time"`
	Latencies  *latenciesMS      `json:"latencies_ms"`
	ActualQPS  *float64          `json:"actual_QPS"`
	// LegacyActualQPS is the name files written before the SMP name was
	// followed hold; it is read, never written.
	LegacyActualQPS *float64 `json:"actual_qps,omitempty"`
	// Interrupted sits beside the SMP fields: a reader of those alone must
	// see that the window was cut short.
	Interrupted bool  `json:"interrupted"`
	InFlight    int64 `json:"in_flight"`

	URL              string           `json:"url"`
	Protocol         Protocol         `json:"protocol"`
	RequestedQPS     float64          `json:"requested_qps"`
	Concurrency      int              `json:"concurrency"`
	Requests         int64            `json:"requests"`
	Errors           int64            `json:"errors"`
	ErrorRate        float64          `json:"error_rate"`
	StatusCodes      map[string]int64 `json:"status_codes"`
	TransportErrors  map[string]int64 `json:"transport_errors"`
	Late             int64            `json:"late"`
	Unsent           int64            `json:"unsent"`
	WarmupRequests   int64            `json:"warmup_requests"`
	ServiceLatencies *latenciesMS     `json:"service_latencies_ms"`
	SendLag          *latenciesMS     `json:"send_lag_ms"`
	Histograms       histogramsJSON   `json:"histograms"`

	// ErrorExamples holds the first message of each kind in TransportErrors.
	ErrorExamples map[string]string `json:"error_examples,omitempty"`

	Resources   map[string]resourcesJSON `json:"resources,omitempty"`
	Environment map[string]string        `json:"environment,omitempty"`
}

// resourcesJSON is Resources with units in the field names.
type resourcesJSON struct {
	CPUMeanCores        float64 `json:"cpu_mean_cores"`
	CPUMaxCores         float64 `json:"cpu_max_cores"`
	WorkingSetMeanBytes int64   `json:"working_set_mean_bytes"`
	WorkingSetMaxBytes  int64   `json:"working_set_max_bytes"`
	RSSMaxBytes         int64   `json:"rss_max_bytes"`
	Samples             int     `json:"samples"`
	// Unreliable says why the figures are not the window's alone.
	Unreliable string `json:"unreliable,omitempty"`
	// Pods > 1: the figures above are totals over that many pods.
	Pods                         int     `json:"pods,omitempty"`
	BusiestPodCPUMeanCores       float64 `json:"busiest_pod_cpu_mean_cores,omitempty"`
	LargestPodWorkingSetMaxBytes int64   `json:"largest_pod_working_set_max_bytes,omitempty"`
	CPULimitCores                float64 `json:"cpu_limit_cores,omitempty"`
	MemoryLimitBytes             int64   `json:"memory_limit_bytes,omitempty"`
	LimitsEnforced               bool    `json:"limits_enforced"`
	LimitsCheck                  string  `json:"limits_check,omitempty"`
	Source                       string  `json:"source,omitempty"`
}

// MarshalJSON writes the SMP-compatible form described above.
func (r *Result) MarshalJSON() ([]byte, error) {
	j := resultJSON{
		SMPVersion: SMPVersion, ID: r.ID, Labels: r.Labels, StartTime: r.Start.UTC(), EndTime: r.End.UTC(),
		Latencies: newLatenciesMS(r.Latency), ActualQPS: &r.ActualQPS, Interrupted: r.Interrupted, InFlight: r.InFlight,
		URL: r.URL, Protocol: r.Protocol, RequestedQPS: r.RequestedQPS, Concurrency: r.Concurrency,
		Requests: r.Requests, Errors: r.Failures(), ErrorRate: r.ErrorRate(), StatusCodes: map[string]int64{},
		TransportErrors: r.TransportErrors, Late: r.Late, Unsent: r.Unsent, WarmupRequests: r.WarmupRequests,
		ServiceLatencies: newLatenciesMS(r.Service), SendLag: newLatenciesMS(r.SendLag),
		Histograms: histogramsJSON{Unit: latency.Unit, Encoding: histogramEncoding, Overflow: r.Overflow},
	}
	j.Environment = r.Environment
	j.ErrorExamples = r.ErrorExamples
	if len(r.Resources) > 0 {
		j.Resources = map[string]resourcesJSON{}
		for name, x := range r.Resources {
			j.Resources[name] = resourcesJSON{CPUMeanCores: float64(x.CPUMean), CPUMaxCores: float64(x.CPUMax),
				WorkingSetMeanBytes: int64(x.WorkingSetMean), WorkingSetMaxBytes: int64(x.WorkingSetMax),
				RSSMaxBytes: int64(x.RSSMax), Samples: x.Samples, CPULimitCores: float64(x.CPULimit),
				MemoryLimitBytes: int64(x.MemoryLimit), LimitsEnforced: x.Enforced, Source: x.Source,
				Unreliable: x.Unreliable, Pods: x.Pods, BusiestPodCPUMeanCores: float64(x.BusiestPodCPU),
				LargestPodWorkingSetMaxBytes: int64(x.LargestPodWorkingSet), LimitsCheck: x.LimitsCheck}
		}
	}
	if j.TransportErrors == nil {
		j.TransportErrors = map[string]int64{}
	}
	for code, n := range r.StatusCodes {
		j.StatusCodes[strconv.Itoa(code)] = n
	}
	for _, h := range []struct {
		h        *latency.Histogram
		dst      *string
		overflow *int64
	}{{r.ResponseHist, &j.Histograms.Response, &j.Histograms.Overflow}, {r.ServiceHist, &j.Histograms.Service, &j.Histograms.ServiceOverflow},
		{r.SendLagHist, &j.Histograms.SendLag, &j.Histograms.SendLagOverflow}} {
		if h.h == nil {
			continue
		}
		s, err := h.h.Encode()
		if err != nil {
			return nil, err
		}
		*h.dst, *h.overflow = s, h.h.Overflow()
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads a Result written by MarshalJSON (or by `meshperf load
// -json`). When histograms are present, summaries are recomputed from them.
func (r *Result) UnmarshalJSON(b []byte) error {
	var j resultJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	if j.Histograms.Unit != "" && j.Histograms.Unit != latency.Unit {
		return fmt.Errorf("meshperf: result histograms are in %q; only %q is read", j.Histograms.Unit, latency.Unit)
	}
	if j.Histograms.Encoding != "" && j.Histograms.Encoding != histogramEncoding {
		return fmt.Errorf("meshperf: result histograms use encoding %q; only %q is read", j.Histograms.Encoding, histogramEncoding)
	}
	*r = Result{
		ID: j.ID, Labels: j.Labels, URL: j.URL, Protocol: j.Protocol, Start: j.StartTime, End: j.EndTime,
		RequestedQPS: j.RequestedQPS, Concurrency: j.Concurrency, Requests: j.Requests,
		StatusCodes: map[int]int64{}, TransportErrors: j.TransportErrors, Late: j.Late, Unsent: j.Unsent,
		WarmupRequests: j.WarmupRequests, Overflow: j.Histograms.Overflow,
		Interrupted: j.Interrupted, InFlight: j.InFlight,
	}
	switch {
	case j.ActualQPS != nil:
		r.ActualQPS = *j.ActualQPS
	case j.LegacyActualQPS != nil:
		r.ActualQPS = *j.LegacyActualQPS
	}
	for _, s := range []struct {
		name string
		l    *latenciesMS
		dst  *latency.Summary
	}{{"latencies_ms", j.Latencies, &r.Latency}, {"service_latencies_ms", j.ServiceLatencies, &r.Service}, {"send_lag_ms", j.SendLag, &r.SendLag}} {
		var err error
		if *s.dst, err = s.l.summary(s.name); err != nil {
			return err
		}
	}
	r.Environment = j.Environment
	r.ErrorExamples = j.ErrorExamples
	if len(j.Resources) > 0 {
		r.Resources = map[string]Resources{}
		for name, x := range j.Resources {
			r.Resources[name] = Resources{CPUMean: CPU(x.CPUMeanCores), CPUMax: CPU(x.CPUMaxCores),
				WorkingSetMean: Bytes(x.WorkingSetMeanBytes), WorkingSetMax: Bytes(x.WorkingSetMaxBytes),
				RSSMax: Bytes(x.RSSMaxBytes), Samples: x.Samples, CPULimit: CPU(x.CPULimitCores),
				MemoryLimit: Bytes(x.MemoryLimitBytes), Enforced: x.LimitsEnforced, Source: x.Source,
				Unreliable: x.Unreliable, Pods: x.Pods, BusiestPodCPU: CPU(x.BusiestPodCPUMeanCores),
				LargestPodWorkingSet: Bytes(x.LargestPodWorkingSetMaxBytes), LimitsCheck: x.LimitsCheck}
		}
	}
	for code, n := range j.StatusCodes {
		c, err := strconv.Atoi(code)
		if err != nil {
			return fmt.Errorf("meshperf: result status code %q is not a number", code)
		}
		r.StatusCodes[c] = n
	}
	var err error
	decode := func(name, text string, overflow int64) *latency.Histogram {
		if text == "" || err != nil {
			return nil
		}
		var h *latency.Histogram
		if h, err = latency.Decode(text, overflow); err != nil {
			err = fmt.Errorf("meshperf: result histogram %s: %w", name, err)
		}
		return h
	}
	r.ResponseHist = decode("response", j.Histograms.Response, j.Histograms.Overflow)
	r.ServiceHist = decode("service", j.Histograms.Service, j.Histograms.ServiceOverflow)
	r.SendLagHist = decode("send_lag", j.Histograms.SendLag, j.Histograms.SendLagOverflow)
	if err != nil {
		return err
	}
	if r.ResponseHist != nil {
		r.summarize()
	}
	return nil
}
