package meshperf

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/meshperf/meshperf/meshperf/latency"
)

// SMPVersion is the Service Mesh Performance specification version whose
// PerformanceTestResult fields a Result's JSON form carries.
const SMPVersion = "v0.0.1"

// Result is what one measured window produced. Latency, Service and SendLag
// are read from the histograms; the histograms travel with the Result so
// that results merge without losing precision.
type Result struct {
	ID     string            // unique per run
	Labels map[string]string // from Label options and fixtures

	URL          string
	Protocol     Protocol
	Start, End   time.Time // the measured window: first intended send to the window's close (or the interruption)
	RequestedQPS float64   // 0 for closed loop
	ActualQPS    float64   // Requests / (End − Start)
	Concurrency  int

	Requests        int64             // measured requests, answered or failed
	StatusCodes     map[int]int64     // answered requests by status code
	TransportErrors map[string]int64  // unanswered requests by kind (see the README): "connect refused", "connect timeout", "connect unreachable", "connect", "local", "timeout", "reset", "protocol", "other"
	ErrorExamples   map[string]string // the first message of each kind in TransportErrors, e.g. "connect refused: dial tcp 127.0.0.1:8080: connect: connection refused"
	Late            int64             // sends that left after their intended time because every worker was busy
	Unsent          int64             // slots of the window that no worker was free to send before it closed (or that fell due before the interruption)
	WarmupRequests  int64             // requests sent and discarded during the warm-up
	Overflow        int64             // response latencies above ResponseHist's range, counted at its top; ResponseHist.Overflow()

	// Interrupted is set when the run was cancelled before it finished
	// (RunContext's ctx; SIGINT or SIGTERM on the command line). Its window
	// then ends at the interruption: End, ActualQPS and Unsent describe
	// that window, and InFlight counts the measured requests sent but not
	// complete then. An interrupted result is partial: it is never a
	// complete measurement of the plan.
	Interrupted bool
	InFlight    int64

	Latency latency.Summary // response time: backlog + service time, answered requests only
	Service latency.Summary // send to response complete
	SendLag latency.Summary // generator timer lateness; empty in closed loop

	ResponseHist, ServiceHist, SendLagHist *latency.Histogram

	// Resources holds what each component used over the measured window,
	// keyed "client-sidecar", "server-sidecar" or "app". Fixtures fill it;
	// a URL target leaves it empty.
	Resources map[string]Resources
	// Environment describes where the run happened (fixture, isolation,
	// whether limits were enforced, kernel, ...). Fixtures fill it.
	Environment map[string]string
}

// Answered returns the number of requests that got a response.
func (r *Result) Answered() int64 {
	var n int64
	for _, c := range r.StatusCodes {
		n += c
	}
	return n
}

// Failures returns the requests that got no response or a status outside
// 2xx and 3xx.
func (r *Result) Failures() int64 {
	n := r.Requests
	for code, c := range r.StatusCodes {
		if code >= 200 && code < 400 {
			n -= c
		}
	}
	return n
}

// ErrorRate returns Failures as a share of Requests, in [0, 1]. It is 1 for
// a run without requests.
func (r *Result) ErrorRate() float64 {
	if r.Requests == 0 {
		return 1
	}
	return float64(r.Failures()) / float64(r.Requests)
}

// ErrNoSamples is returned (wrapped) when a run measured no answered
// request: such a run never reports a latency.
var ErrNoSamples = latency.ErrNoSamples

// ErrTooManyErrors is returned (wrapped) when a run's error rate exceeds the
// plan's MaxErrorRate. The Result is returned alongside it. The error is an
// *ErrorRateError.
var ErrTooManyErrors = errors.New("too many failed requests")

// ErrorRateError is the error of a run whose failed share exceeds its
// plan's MaxErrorRate. errors.Is(err, ErrTooManyErrors) holds for it.
type ErrorRateError struct {
	URL                string
	Failures, Requests int64
	Max                float64 // the run's MaxErrorRate, a share 0–1
	// Detail lists the failures by kind, with the first message of each,
	// and by status: "; connect refused: 20 (first: dial tcp ...); status 503: 2".
	Detail string
}

// Rate returns the failed share, 0–1.
func (e *ErrorRateError) Rate() float64 { return float64(e.Failures) / float64(max(e.Requests, 1)) }

// Suggest returns the smallest whole percentage, as a share, that would
// have let this run pass: a value for MaxErrorRate (at most 1).
func (e *ErrorRateError) Suggest() float64 { return min(math.Ceil(100*e.Rate())/100, 1) }

func (e *ErrorRateError) Error() string {
	return fmt.Sprintf("meshperf: %s: %v: %d of %d failed (%.2f%%), above MaxErrorRate %g (%.2f%%); "+
		"if that share is expected, raise it with the option meshperf.MaxErrorRate, e.g. meshperf.MaxErrorRate(%g)%s",
		e.URL, ErrTooManyErrors, e.Failures, e.Requests, 100*e.Rate(), e.Max, 100*e.Max, e.Suggest(), e.Detail)
}

// Unwrap returns ErrTooManyErrors.
func (e *ErrorRateError) Unwrap() error { return ErrTooManyErrors }

// check returns an error when r must not pass as a measurement: an
// interrupted run, no answered request, or more failures than maxErrorRate
// allows (an *ErrorRateError).
func (r *Result) check(maxErrorRate float64) error {
	if r.Interrupted {
		return fmt.Errorf("meshperf: %s: the run was interrupted after %v: a partial result (%d measured requests, %d in flight, %d unsent)",
			r.URL, r.End.Sub(r.Start).Round(time.Millisecond), r.Requests, r.InFlight, r.Unsent)
	}
	if r.Latency.Count == 0 {
		return fmt.Errorf("meshperf: %s: %w: %d requests, none answered%s", r.URL, ErrNoSamples, r.Requests, r.failureDetail())
	}
	if rate := r.ErrorRate(); rate > maxErrorRate {
		return &ErrorRateError{URL: r.URL, Failures: r.Failures(), Requests: r.Requests, Max: maxErrorRate, Detail: r.failureDetail()}
	}
	return nil
}

// failureDetail lists the failures by kind, with the first message of each
// kind, and by status, e.g. "; connect refused: 1000 (first: dial tcp
// 127.0.0.1:1: connect: connection refused); status 503: 2".
func (r *Result) failureDetail() string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(r.TransportErrors)) {
		fmt.Fprintf(&b, "; %s: %d", k, r.TransportErrors[k])
		if ex := r.ErrorExample(k); ex != "" {
			fmt.Fprintf(&b, " (first: %s)", ex)
		}
	}
	for _, code := range slices.Sorted(maps.Keys(r.StatusCodes)) {
		if code < 200 || code >= 400 {
			fmt.Fprintf(&b, "; status %d: %d", code, r.StatusCodes[code])
		}
	}
	return b.String()
}

// ErrorExample returns the first message recorded for the error kind,
// without the kind's name in front, or "" when there is none.
func (r *Result) ErrorExample(kind string) string {
	ex := r.ErrorExamples[kind]
	if rest, ok := strings.CutPrefix(ex, kind+": "); ok {
		return rest
	}
	return ex
}

// summarize fills the summaries, and Overflow, from the histograms. An
// empty histogram leaves its summary at Count 0.
func (r *Result) summarize() {
	if r.ResponseHist != nil {
		r.Overflow = r.ResponseHist.Overflow()
	}
	for _, p := range []struct {
		h *latency.Histogram
		s *latency.Summary
	}{{r.ResponseHist, &r.Latency}, {r.ServiceHist, &r.Service}, {r.SendLagHist, &r.SendLag}} {
		*p.s = latency.Summary{}
		if p.h != nil {
			*p.s, _ = p.h.Summarize() // empty: the zero Summary with Count 0
		}
	}
	if d := r.End.Sub(r.Start); d > 0 {
		r.ActualQPS = float64(r.Requests) / d.Seconds()
	}
}

// Merge combines results of the same load measured in parallel, such as
// several load generators driving one target, into one Result. Histograms
// merge losslessly into the widest range among the inputs, and every input's
// overflow is carried; counts add up, the window spans all inputs, and the
// requested and actual rates add up. Of the error examples, the first
// input's that has one for a kind is kept. Every input must carry its
// histograms.
func Merge(results ...*Result) (*Result, error) {
	if len(results) == 0 {
		return nil, errors.New("meshperf: merge: no results")
	}
	out := &Result{
		ID:              results[0].ID,
		Labels:          map[string]string{},
		URL:             results[0].URL,
		Protocol:        results[0].Protocol,
		StatusCodes:     map[int]int64{},
		TransportErrors: map[string]int64{},
		ErrorExamples:   map[string]string{},
	}
	for i, r := range results {
		if r == nil || r.ResponseHist == nil || r.ServiceHist == nil {
			return nil, fmt.Errorf("meshperf: merge: result %d has no histograms", i)
		}
		if i == 0 {
			out.ResponseHist = r.ResponseHist.Clone()
			out.ServiceHist = r.ServiceHist.Clone()
			out.Start, out.End = r.Start, r.End
		} else {
			out.ResponseHist.Merge(r.ResponseHist)
			out.ServiceHist.Merge(r.ServiceHist)
			if r.Start.Before(out.Start) {
				out.Start = r.Start
			}
			if r.End.After(out.End) {
				out.End = r.End
			}
		}
		if r.SendLagHist != nil {
			if out.SendLagHist == nil {
				out.SendLagHist = r.SendLagHist.Clone()
			} else {
				out.SendLagHist.Merge(r.SendLagHist)
			}
		}
		maps.Copy(out.Labels, r.Labels)
		if i == 0 {
			// Resources describe the target's components, which parallel
			// generators share; the first result's readings stand.
			out.Resources, out.Environment = r.Resources, r.Environment
		}
		out.RequestedQPS += r.RequestedQPS
		out.Concurrency += r.Concurrency
		out.Requests += r.Requests
		out.Late += r.Late
		out.Unsent += r.Unsent
		out.WarmupRequests += r.WarmupRequests
		out.Interrupted = out.Interrupted || r.Interrupted
		out.InFlight += r.InFlight
		for c, n := range r.StatusCodes {
			out.StatusCodes[c] += n
		}
		for k, n := range r.TransportErrors {
			out.TransportErrors[k] += n
		}
		for k, ex := range r.ErrorExamples {
			if _, ok := out.ErrorExamples[k]; !ok {
				out.ErrorExamples[k] = ex
			}
		}
	}
	out.summarize()
	return out, nil
}
