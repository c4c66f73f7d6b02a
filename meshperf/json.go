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
// latencies_ms{min, average, p50, p90, p99, max}, actual_qps) and meshperf's
// extras beside them. Latencies are in milliseconds as in SMP; the
// histograms, encoded in the HdrHistogram V2 compressed format (base64),
// hold nanoseconds and are authoritative: decoding a Result recomputes every
// summary from them.

type latenciesMS struct {
	Count   int64   `json:"count"`
	Min     float64 `json:"min"`
	Average float64 `json:"average"`
	P50     float64 `json:"p50"`
	P75     float64 `json:"p75"`
	P90     float64 `json:"p90"`
	P99     float64 `json:"p99"`
	P999    float64 `json:"p999"`
	Max     float64 `json:"max"`
}

func toMS(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
func fromMS(ms float64) time.Duration {
	return time.Duration(ms * float64(time.Millisecond))
}

func newLatenciesMS(s latency.Summary) latenciesMS {
	return latenciesMS{Count: s.Count, Min: toMS(s.Min), Average: toMS(s.Mean), P50: toMS(s.P50), P75: toMS(s.P75),
		P90: toMS(s.P90), P99: toMS(s.P99), P999: toMS(s.P999), Max: toMS(s.Max)}
}

func (l latenciesMS) summary() latency.Summary {
	return latency.Summary{Count: l.Count, Min: fromMS(l.Min), Mean: fromMS(l.Average), P50: fromMS(l.P50),
		P75: fromMS(l.P75), P90: fromMS(l.P90), P99: fromMS(l.P99), P999: fromMS(l.P999), Max: fromMS(l.Max)}
}

// HistogramEncoding names the encoding of the histograms in a Result's JSON.
const HistogramEncoding = "hdrhistogram-v2-compressed-base64"

type histogramsJSON struct {
	Unit     string `json:"unit"`
	Encoding string `json:"encoding"`
	Response string `json:"response,omitempty"`
	Service  string `json:"service,omitempty"`
	SendLag  string `json:"send_lag,omitempty"`
	Overflow int64  `json:"overflow"`
}

type resultJSON struct {
	SMPVersion string            `json:"smp_version"`
	ID         string            `json:"id"`
	Labels     map[string]string `json:"labels,omitempty"`
	StartTime  time.Time         `json:"start_time"`
	EndTime    time.Time         `json:"end_time"`
	Latencies  latenciesMS       `json:"latencies_ms"`
	ActualQPS  float64           `json:"actual_qps"`

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
	ServiceLatencies latenciesMS      `json:"service_latencies_ms"`
	SendLag          latenciesMS      `json:"send_lag_ms"`
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
	CPULimitCores       float64 `json:"cpu_limit_cores,omitempty"`
	MemoryLimitBytes    int64   `json:"memory_limit_bytes,omitempty"`
	LimitsEnforced      bool    `json:"limits_enforced"`
	Source              string  `json:"source,omitempty"`
}

// MarshalJSON writes the SMP-compatible form described above.
func (r *Result) MarshalJSON() ([]byte, error) {
	j := resultJSON{
		SMPVersion: SMPVersion, ID: r.ID, Labels: r.Labels, StartTime: r.Start.UTC(), EndTime: r.End.UTC(),
		Latencies: newLatenciesMS(r.Latency), ActualQPS: r.ActualQPS,
		URL: r.URL, Protocol: r.Protocol, RequestedQPS: r.RequestedQPS, Concurrency: r.Concurrency,
		Requests: r.Requests, Errors: r.Failures(), StatusCodes: map[string]int64{},
		TransportErrors: r.TransportErrors, Late: r.Late, Unsent: r.Unsent, WarmupRequests: r.WarmupRequests,
		ServiceLatencies: newLatenciesMS(r.Service), SendLag: newLatenciesMS(r.SendLag),
		Histograms: histogramsJSON{Unit: latency.Unit, Encoding: HistogramEncoding, Overflow: r.Overflow},
	}
	if r.Requests > 0 {
		j.ErrorRate = r.ErrorRate()
	}
	j.Environment = r.Environment
	j.ErrorExamples = r.ErrorExamples
	if len(r.Resources) > 0 {
		j.Resources = map[string]resourcesJSON{}
		for name, x := range r.Resources {
			j.Resources[name] = resourcesJSON{CPUMeanCores: float64(x.CPUMean), CPUMaxCores: float64(x.CPUMax),
				WorkingSetMeanBytes: int64(x.WorkingSetMean), WorkingSetMaxBytes: int64(x.WorkingSetMax),
				RSSMaxBytes: int64(x.RSSMax), Samples: x.Samples, CPULimitCores: float64(x.CPULimit),
				MemoryLimitBytes: int64(x.MemoryLimit), LimitsEnforced: x.Enforced, Source: x.Source}
		}
	}
	if j.TransportErrors == nil {
		j.TransportErrors = map[string]int64{}
	}
	for code, n := range r.StatusCodes {
		j.StatusCodes[strconv.Itoa(code)] = n
	}
	for _, h := range []struct {
		h   *latency.Histogram
		dst *string
	}{{r.ResponseHist, &j.Histograms.Response}, {r.ServiceHist, &j.Histograms.Service}, {r.SendLagHist, &j.Histograms.SendLag}} {
		if h.h == nil {
			continue
		}
		s, err := h.h.Encode()
		if err != nil {
			return nil, err
		}
		*h.dst = s
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
	if j.Histograms.Encoding != "" && j.Histograms.Encoding != HistogramEncoding {
		return fmt.Errorf("meshperf: result histograms use encoding %q; only %q is read", j.Histograms.Encoding, HistogramEncoding)
	}
	*r = Result{
		ID: j.ID, Labels: j.Labels, URL: j.URL, Protocol: j.Protocol, Start: j.StartTime, End: j.EndTime,
		RequestedQPS: j.RequestedQPS, ActualQPS: j.ActualQPS, Concurrency: j.Concurrency, Requests: j.Requests,
		StatusCodes: map[int]int64{}, TransportErrors: j.TransportErrors, Late: j.Late, Unsent: j.Unsent,
		WarmupRequests: j.WarmupRequests, Overflow: j.Histograms.Overflow,
		Latency: j.Latencies.summary(), Service: j.ServiceLatencies.summary(), SendLag: j.SendLag.summary(),
	}
	r.Environment = j.Environment
	r.ErrorExamples = j.ErrorExamples
	if len(j.Resources) > 0 {
		r.Resources = map[string]Resources{}
		for name, x := range j.Resources {
			r.Resources[name] = Resources{CPUMean: CPU(x.CPUMeanCores), CPUMax: CPU(x.CPUMaxCores),
				WorkingSetMean: Bytes(x.WorkingSetMeanBytes), WorkingSetMax: Bytes(x.WorkingSetMaxBytes),
				RSSMax: Bytes(x.RSSMaxBytes), Samples: x.Samples, CPULimit: CPU(x.CPULimitCores),
				MemoryLimit: Bytes(x.MemoryLimitBytes), Enforced: x.LimitsEnforced, Source: x.Source}
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
	decode := func(name, text string) *latency.Histogram {
		if text == "" || err != nil {
			return nil
		}
		var h *latency.Histogram
		if h, err = latency.Decode(text); err != nil {
			err = fmt.Errorf("meshperf: result histogram %s: %w", name, err)
		}
		return h
	}
	r.ResponseHist = decode("response", j.Histograms.Response)
	r.ServiceHist = decode("service", j.Histograms.Service)
	r.SendLagHist = decode("send_lag", j.Histograms.SendLag)
	if err != nil {
		return err
	}
	if r.ResponseHist != nil {
		r.summarize()
	}
	return nil
}
