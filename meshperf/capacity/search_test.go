package capacity_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meshperf/meshperf/assertions"
	"github.com/meshperf/meshperf/internal/testenv"
	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/capacity"
	"github.com/meshperf/meshperf/meshperf/latency"
)

// queueServer is a server whose capacity is known by construction: it has
// a fixed number of workers, each holding a request for exactly service.
// A request starts when it arrives or when the first worker frees,
// whichever is later (first come, first served), and is answered at start
// + service. The schedule is kept on absolute times, so the capacity is
// exactly workers / service requests per second: a late timer (Go's
// overshoot about 1 ms here) delays that one response, never the next
// request's start.
type queueServer struct {
	service time.Duration
	mu      sync.Mutex
	free    []time.Time // when each worker is next free
}

func newQueueServer(t testing.TB, workers int, service time.Duration) (*queueServer, string) {
	t.Helper()
	q := &queueServer{service: service, free: make([]time.Time, workers)}
	srv := httptest.NewServer(q)
	t.Cleanup(srv.Close)
	return q, srv.URL + "/"
}

// capacity is workers / service, in requests per second.
func (q *queueServer) capacity() float64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return float64(len(q.free)) / q.service.Seconds()
}

// setWorkers changes the number of workers from now on.
func (q *queueServer) setWorkers(n int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.free) < n {
		q.free = append(q.free, time.Time{})
	}
	q.free = q.free[:n]
}

func (q *queueServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	q.mu.Lock()
	i := 0
	for j := range q.free {
		if q.free[j].Before(q.free[i]) {
			i = j
		}
	}
	finish := now
	if q.free[i].After(now) {
		finish = q.free[i]
	}
	finish = finish.Add(q.service)
	q.free[i] = finish
	q.mu.Unlock()
	t := time.NewTimer(time.Until(finish))
	defer t.Stop()
	select {
	case <-t.C:
		w.WriteHeader(http.StatusOK)
	case <-r.Context().Done():
	}
}

// quickSteps are load options for short steps, enough workers that the
// generator is never what limits the rate.
func quickSteps(d time.Duration) []capacity.Option {
	return []capacity.Option{capacity.Load(meshperf.Duration(d), meshperf.Warmup(d/4), meshperf.Concurrency(48),
		meshperf.Timeout(2*time.Second))}
}

func logSteps(t *testing.T) capacity.Option {
	return capacity.OnStep(func(st capacity.Step) {
		r := st.Result
		t.Logf("%-8s %7g req/s: actual %7.1f p99 %8v unsent %4d pass %v", st.Phase, st.QPS, r.ActualQPS, r.Latency.P99, r.Unsent, st.Pass)
	})
}

// TestCapacityFindsConstructedCapacity: 6 workers at 10 ms serve exactly
// 600 req/s; the search must find that within −5% and +2.5%, converge
// to 1%, and retry the boundary. The budget, p99 < 40 ms, leaves 30 ms for
// the queue. At a rate r above the capacity the queue delays the request
// sent at t by t × (r/600 − 1), and the window's p99 is sent at about
// 1.24 s of the step's 1.25 s (warm-up and window): a step passes up to
// 2.4% over the capacity, so the search cannot report more than that. It
// can report less: a scheduling hiccup on a busy machine fails a step
// below the capacity. TestCapacityConvergesWithinTolerance shows the
// search itself within 1% when each step's verdict is exact.
func TestCapacityFindsConstructedCapacity(t *testing.T) {
	testenv.Long(t, "runs a capacity search of about 12 s")
	q, url := newQueueServer(t, 6, 10*time.Millisecond)
	want := q.capacity()
	budget := assertions.Budget{P99: 40 * time.Millisecond}
	opts := append(quickSteps(time.Second), capacity.StartRate(100), capacity.MaxRate(5000), logSteps(t))
	res, err := capacity.SearchContext(t.Context(), meshperf.URL(url), budget, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res.Verdict())
	if res.QPS > want*1.025 || res.QPS < want*0.95 {
		t.Errorf("capacity %g req/s, want %.1f −5%% to +2.5%%", res.QPS, want)
	}
	if !res.Converged || res.Stop != capacity.StopConverged || res.Fail > res.Pass*1.0101 {
		t.Errorf("not converged to 1%%: stop %s, pass %g, fail %g", res.Stop, res.Pass, res.Fail)
	}
	if len(res.Tries) != 3 {
		t.Errorf("tries %v, want the search's own and 2 repeats", res.Tries)
	}
	if len(res.Steps) > res.MaxSteps || res.End.Sub(res.Start) > res.MaxTime {
		t.Errorf("%d steps in %v broke the bounds %d steps, %v", len(res.Steps), res.End.Sub(res.Start), res.MaxSteps, res.MaxTime)
	}
	for _, st := range res.Steps {
		if st.Pass != (st.Err == nil) || st.Result == nil || st.ResultID != st.Result.ID {
			t.Errorf("step %+v: pass, error and result disagree", st)
		}
		if !st.Pass && st.QPS < res.QPS && st.Phase != capacity.PhaseRepeat {
			t.Errorf("step at %g req/s failed below the capacity %g: %v", st.QPS, res.QPS, st.Err)
		}
	}
	if !strings.Contains(res.Verdict(), "capacity") {
		t.Errorf("verdict %q", res.Verdict())
	}
}

// TestCapacityStopsAtMaxRate: nothing fails, so the search ramps to the
// max rate, confirms it, and stops there well within its bounds.
func TestCapacityStopsAtMaxRate(t *testing.T) {
	_, url := newQueueServer(t, 64, time.Millisecond) // 64000 req/s
	opts := append(quickSteps(200*time.Millisecond), capacity.StartRate(50), capacity.MaxRate(300), capacity.BoundaryRepeats(1))
	start := time.Now()
	res, err := capacity.SearchContext(t.Context(), meshperf.URL(url), assertions.Budget{P99: time.Second}, opts...)
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if res.Stop != capacity.StopMaxRate || res.QPS != 300 || res.Converged {
		t.Errorf("stop %s, capacity %g, converged %v; want max-rate at 300, not converged", res.Stop, res.QPS, res.Converged)
	}
	var rates []float64
	for _, st := range res.Steps {
		rates = append(rates, st.QPS)
	}
	if want := []float64{50, 100, 200, 300, 300}; !slices.Equal(rates, want) {
		t.Errorf("rates %v, want %v: ×2 capped at the max rate, then one retry", rates, want)
	}
	if elapsed > res.MaxTime || len(res.Steps) > res.MaxSteps {
		t.Errorf("%d steps in %v, bounds %d steps and %v", len(res.Steps), elapsed, res.MaxSteps, res.MaxTime)
	}
	if v := res.Verdict(); !strings.Contains(v, "at least 300 req/s") {
		t.Errorf("verdict %q", v)
	}
}

// TestCapacityTimeBound: a deadline that leaves room for one step stops
// the search after it, with the time-bound reason, not an error.
func TestCapacityTimeBound(t *testing.T) {
	_, url := newQueueServer(t, 64, time.Millisecond)
	opts := append(quickSteps(200*time.Millisecond), capacity.StartRate(50), capacity.MaxRate(1000))
	// One step is budgeted at 50ms warm-up + 200ms + 2s timeout + 2s slack,
	// 4.25s: a 5s deadline leaves room for the steps of the first 0.75s,
	// fewer than the 8 steps that reach the max rate and confirm it.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	res, err := capacity.SearchContext(ctx, meshperf.URL(url), assertions.Budget{P99: time.Second}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if res.Stop != capacity.StopTimeBound || len(res.Steps) == 0 || res.Converged {
		t.Errorf("stop %s after %d steps, converged %v; want time-bound", res.Stop, len(res.Steps), res.Converged)
	}
	if v := res.Verdict(); !strings.Contains(v, "not converged (time-bound)") {
		t.Errorf("verdict %q", v)
	}
}

// TestCapacityInterrupted: cancelling ctx stops the search with ctx's
// error and the steps so far.
func TestCapacityInterrupted(t *testing.T) {
	_, url := newQueueServer(t, 64, time.Millisecond)
	ctx, cancel := context.WithCancel(t.Context())
	opts := append(quickSteps(200*time.Millisecond), capacity.StartRate(50), capacity.MaxRate(1000),
		capacity.OnStep(func(capacity.Step) { cancel() }))
	res, err := capacity.SearchContext(ctx, meshperf.URL(url), assertions.Budget{P99: time.Second}, opts...)
	if !errors.Is(err, context.Canceled) || res == nil || res.Stop != capacity.StopInterrupted || len(res.Steps) != 1 {
		t.Fatalf("err %v, result %+v; want context.Canceled after one step", err, res)
	}
}

// TestCapacityNone: a start rate that fails on every try is no capacity,
// a typed outcome; a failure without samples or with errors never passes.
func TestCapacityNone(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		budget  assertions.Budget
		want    string
	}{
		{"every request fails", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) },
			assertions.Budget{P99: time.Second}, "err 100%"},
		{"too slow for the budget", func(w http.ResponseWriter, r *http.Request) { time.Sleep(15 * time.Millisecond) },
			assertions.Budget{P99: 5 * time.Millisecond}, "p99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			t.Cleanup(srv.Close)
			opts := append(quickSteps(200*time.Millisecond), capacity.StartRate(50), capacity.BoundaryRepeats(1))
			res, err := capacity.SearchContext(t.Context(), meshperf.URL(srv.URL+"/"), tt.budget, opts...)
			var none *capacity.NoCapacityError
			if !errors.Is(err, capacity.ErrNoCapacity) || !errors.As(err, &none) {
				t.Fatalf("err = %v, want a NoCapacityError", err)
			}
			if none.Tries != 2 || none.StartRate != 50 || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v: want 2 tries at 50 req/s naming %q", err, tt.want)
			}
			if res.Stop != capacity.StopNoCapacity || res.QPS != 0 || len(res.Steps) != 2 {
				t.Errorf("stop %s, capacity %g, %d steps", res.Stop, res.QPS, len(res.Steps))
			}
			var out strings.Builder
			capacity.ReportTo(reporterFunc(func(v float64, unit string) {
				out.WriteString(unit + " ")
			}), res)
			if strings.Contains(out.String(), "max-qps") {
				t.Errorf("no capacity reported a max-qps metric: %s", out.String())
			}
		})
	}
}

// TestCapacityNoSamplesFails: a target nothing answers (a closed port)
// fails every step, never passing as p99 = 0.
func TestCapacityNoSamplesFails(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/"
	srv.Close()
	// A criterion that checks nothing but what Capacity requires of it.
	opts := append(quickSteps(100*time.Millisecond), capacity.StartRate(20), capacity.BoundaryRepeats(0))
	res, err := capacity.SearchContext(t.Context(), meshperf.URL(url), samplesOnly{}, opts...)
	if !errors.Is(err, capacity.ErrNoCapacity) || !errors.Is(err, meshperf.ErrNoSamples) {
		t.Fatalf("err = %v, want no capacity because no request was answered", err)
	}
	if res.Steps[0].Pass {
		t.Error("a step without samples passed")
	}
}

// samplesOnly fails only a step without answered requests.
type samplesOnly struct{}

func (samplesOnly) Evaluate(r *meshperf.Result) error {
	if r.Latency.Count == 0 {
		return errors.New("no samples")
	}
	return nil
}

type reporterFunc func(float64, string)

func (f reporterFunc) ReportMetric(v float64, unit string) { f(v, unit) }

// TestCapacityNotReproducible: the server loses a worker (−17% capacity)
// as soon as the boundary's retries begin, so they cannot reproduce it:
// the result must say so, and must not offer a rate as having passed in
// every try.
func TestCapacityNotReproducible(t *testing.T) {
	testenv.Long(t, "runs a capacity search of about 12 s")
	q, url := newQueueServer(t, 6, 10*time.Millisecond)
	opts := append(quickSteps(600*time.Millisecond), capacity.StartRate(400), capacity.MaxRate(5000), logSteps(t),
		capacity.OnStep(func(st capacity.Step) {
			if st.Phase == capacity.PhaseRepeat && st.QPS != 400 { // not a retry of the start rate
				q.setWorkers(5)
			}
		}))
	res, err := capacity.SearchContext(t.Context(), meshperf.URL(url), assertions.Budget{P99: 40 * time.Millisecond}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res.Verdict())
	if !res.Converged || res.Reproducible || !res.Censored || res.Spread <= res.Tolerance {
		t.Errorf("converged %v, reproducible %v, censored %v, spread %g, tries %v: want a converged search whose retry found no pass",
			res.Converged, res.Reproducible, res.Censored, res.Spread, res.Tries)
	}
	if res.QPS != 0 {
		t.Errorf("capacity %g, tries %v: a try passed nowhere, so no rate passed in every try", res.QPS, res.Tries)
	}
	if v := res.Verdict(); !strings.Contains(v, "NOT reproducible") || !strings.Contains(v, "no rate passed in every try") {
		t.Errorf("verdict %q does not say the capacity is not reproducible", v)
	}
}

// TestCapacityOptionsRejected: every bad option or budget is an
// InvalidError naming it, before any load.
func TestCapacityOptionsRejected(t *testing.T) {
	const url = "http://127.0.0.1:9/" // never loaded
	ok := assertions.Budget{P99: 5 * time.Millisecond}
	tests := []struct {
		name   string
		crit   capacity.Criterion
		opts   []capacity.Option
		field  string
		detail string
	}{
		{"zero start", ok, []capacity.Option{capacity.StartRate(0)}, "start-rate", "(0, 1e+07]"},
		{"NaN start", ok, []capacity.Option{capacity.StartRate(math.NaN())}, "start-rate", "(0, 1e+07]"},
		{"tiny start", ok, []capacity.Option{capacity.StartRate(1e-10)}, "start-rate", "does not fit the 5s window"},
		{"start below one per step", ok, []capacity.Option{capacity.StartRate(0.5), capacity.Load(meshperf.Duration(time.Second))}, "start-rate", "one request every 2s"},
		{"negative max", ok, []capacity.Option{capacity.MaxRate(-1)}, "max-rate", "(0, 1e+07]"},
		{"start above max", ok, []capacity.Option{capacity.StartRate(500), capacity.MaxRate(400)}, "start-rate", "must not exceed the max rate 400"},
		{"zero tolerance", ok, []capacity.Option{capacity.Tolerance(0)}, "tolerance", "[0.001, 0.5]"},
		{"tolerance in percent", ok, []capacity.Option{capacity.Tolerance(1)}, "tolerance", "0.01 for 1%"},
		{"negative repeats", ok, []capacity.Option{capacity.BoundaryRepeats(-1)}, "repeats", "0 to 10"},
		{"too many repeats", ok, []capacity.Option{capacity.BoundaryRepeats(11)}, "repeats", "0 to 10"},
		{"a rate", ok, []capacity.Option{capacity.Load(meshperf.QPS(1000))}, "qps", "use StartRate and MaxRate"},
		{"closed loop", ok, []capacity.Option{capacity.Load(meshperf.QPS(0))}, "qps", "use StartRate and MaxRate"},
		{"the top rate", ok, []capacity.Option{capacity.Load(meshperf.QPS(meshperf.MaxQPS))}, "qps", "use StartRate and MaxRate"},
		{"half the top rate", ok, []capacity.Option{capacity.Load(meshperf.Concurrency(2)), capacity.Load(meshperf.QPS(meshperf.MaxQPS / 2))}, "qps", "use StartRate and MaxRate"},
		{"a request count", ok, []capacity.Option{capacity.Load(meshperf.Requests(100))}, "requests", "not a request count"},
		{"bad load option", ok, []capacity.Option{capacity.Load(meshperf.Concurrency(0))}, "concurrency", "1 to 10000"},
		{"no budget", nil, nil, "budget", "pass a criterion"},
		{"negative p99", assertions.Budget{P99: -time.Millisecond}, nil, "budget", "Budget.P99 = -1ms"},
		{"error rate in percent", assertions.Budget{MaxErrorRate: 5}, nil, "budget", "Budget.MaxErrorRate = 5"},
		{"passes without samples", passAll{}, nil, "budget", "no answered request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := capacity.SearchContext(t.Context(), meshperf.URL(url), tt.crit, tt.opts...)
			var ie *meshperf.InvalidError
			if !errors.As(err, &ie) || ie.Field != tt.field || !strings.Contains(err.Error(), tt.detail) {
				t.Fatalf("err = %v; want an InvalidError for %s saying %q", err, tt.field, tt.detail)
			}
			if res != nil {
				t.Errorf("a rejected search returned %+v", res)
			}
		})
	}
	if _, err := capacity.SearchContext(t.Context(), nil, ok); err == nil || !strings.Contains(err.Error(), "target") {
		t.Errorf("nil target: %v", err)
	}
}

type passAll struct{}

func (passAll) Evaluate(*meshperf.Result) error { return nil }

// TestCapacityJSON: a search's document holds every step's Result and the
// capacity, which decodes back and links to its steps.
func TestCapacityJSON(t *testing.T) {
	_, url := newQueueServer(t, 64, time.Millisecond)
	opts := append(quickSteps(100*time.Millisecond), capacity.StartRate(50), capacity.MaxRate(100), capacity.BoundaryRepeats(1),
		capacity.Load(meshperf.Label("mode", "baseline")))
	res, err := capacity.SearchContext(t.Context(), meshperf.URL(url), assertions.Budget{P99: time.Second}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res.Document())
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]any
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	c := top["capacity"].([]any)[0].(map[string]any)
	for _, k := range []string{"smp_version", "max_qps", "converged", "reproducible", "spread", "tries_qps", "stop", "verdict", "steps", "tolerance"} {
		if _, ok := c[k]; !ok {
			t.Errorf("capacity JSON lacks %q: %s", k, b)
		}
	}
	var doc capacity.Document
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Capacity) != 1 || len(doc.Steps) != len(res.Steps) {
		t.Fatalf("decoded %d searches and %d steps, want 1 and %d", len(doc.Capacity), len(doc.Steps), len(res.Steps))
	}
	got := doc.Capacity[0]
	if missing := got.Link(doc.Steps); missing != 0 {
		t.Errorf("%d steps did not link to their results", missing)
	}
	if got.QPS != res.QPS || got.Stop != res.Stop || got.Labels["mode"] != "baseline" || got.Verdict() != res.Verdict() ||
		got.Steps[1].Result.RequestedQPS != 100 || got.MaxTime != res.MaxTime {
		t.Errorf("round trip: got %+v, want %+v", got, res)
	}
}

// rateTarget answers every step at once with a verdict that flips at a
// known capacity: p99 1 ms at or below it, 50 ms above it. Its steps take
// no time, so a search against it tests the search's logic, not a clock.
type rateTarget struct {
	mu       sync.Mutex
	capacity float64
	n        int
	// Above unsentFrom req/s (when set), each step leaves unsent of its
	// 1000 + unsent planned slots unsent, but answers as fast.
	unsentFrom float64
	unsent     int64
}

func (t *rateTarget) setCapacity(c float64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.capacity = c
}

func (t *rateTarget) Load(_ context.Context, p meshperf.Plan) (*meshperf.Result, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n++
	p99 := time.Millisecond
	if p.QPS > t.capacity {
		p99 = 50 * time.Millisecond
	}
	var unsent int64
	if t.unsentFrom > 0 && p.QPS > t.unsentFrom {
		unsent = t.unsent
	}
	now := time.Now()
	return &meshperf.Result{ID: strconv.Itoa(t.n), Start: now.Add(-p.Duration), End: now, RequestedQPS: p.QPS, ActualQPS: p.QPS,
		Concurrency: p.Concurrency, Requests: 1000, StatusCodes: map[int]int64{200: 1000}, Unsent: unsent,
		Latency: latency.Summary{Count: 1000, P50: p99 / 2, P90: p99, P99: p99, P999: p99, Max: p99}}, nil
}

// TestCapacityBudgetUnsent: a step that leaves 0.3% of its slots unsent is
// within the search's own 1% tolerance, but over the budget's unsent
// ceiling (0.1% by default): the budget fails it, naming unsent, and the
// capacity is found below the rate where slots go unsent. A budget with
// unsent<1% lets those steps pass.
func TestCapacityBudgetUnsent(t *testing.T) {
	tests := []struct {
		name      string
		budget    string
		low, high float64 // the capacity found
	}{
		{name: "default ceiling", budget: "p99<10ms", low: 400 / 1.01, high: 400},
		{name: "unsent<1%", budget: "p99<10ms,unsent<1%", low: 1000 / 1.01, high: 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			th, err := assertions.ParseBudget(tt.budget)
			if err != nil {
				t.Fatal(err)
			}
			target := &rateTarget{capacity: 1000, unsentFrom: 400, unsent: 3}
			res, err := capacity.SearchContext(t.Context(), target, th.Budget, capacity.StartRate(100), capacity.Load(meshperf.Duration(time.Second)))
			if err != nil {
				t.Fatal(err)
			}
			if res.QPS < tt.low || res.QPS > tt.high {
				t.Errorf("capacity %g, want %g to %g: %s", res.QPS, tt.low, tt.high, res.Verdict())
			}
			for _, st := range res.Steps {
				if !st.Pass && st.QPS > 400 && st.QPS <= 1000 && !strings.Contains(st.Err.Error(), "unsent: 3 of 1003 planned slots") {
					t.Errorf("step at %g failed without naming the unsent slots: %v", st.QPS, st.Err)
				}
			}
		})
	}
}

// TestCapacityConvergesWithinTolerance: when a step's verdict is exact
// (it passes at or below the capacity and fails above it), the search
// brackets the capacity within its tolerance, 1% by default, from any
// start: the highest passing rate is at most the capacity, the lowest
// failing rate above it, and they are at most 1% apart.
func TestCapacityConvergesWithinTolerance(t *testing.T) {
	tests := []struct {
		name            string
		capacity, start float64
		tolerance       float64 // 0: the default
	}{
		{name: "600 from 100", capacity: 600, start: 100},
		{name: "600 from 100 to 0.5%", capacity: 600, start: 100, tolerance: 0.005},
		{name: "just above a doubling", capacity: 1601, start: 100},
		{name: "just below a doubling", capacity: 1599, start: 100},
		{name: "near the start", capacity: 100.5, start: 100},
		{name: "odd capacity", capacity: 12345.6, start: 250},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := &rateTarget{capacity: tt.capacity}
			opts := []capacity.Option{capacity.StartRate(tt.start), capacity.MaxRate(100_000), capacity.Load(meshperf.Duration(time.Second))}
			tol := capacity.DefaultTolerance
			if tt.tolerance != 0 {
				tol = tt.tolerance
				opts = append(opts, capacity.Tolerance(tol))
			}
			res, err := capacity.SearchContext(t.Context(), target, assertions.Budget{P99: 10 * time.Millisecond}, opts...)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Converged || !res.Reproducible || res.Pass > tt.capacity || res.Fail <= tt.capacity || res.Fail > res.Pass*(1+tol)*(1+1e-9) {
				t.Errorf("converged %v, reproducible %v, passed at %g, failed at %g: want %g bracketed within %g%%",
					res.Converged, res.Reproducible, res.Pass, res.Fail, tt.capacity, 100*tol)
			}
			if res.QPS > tt.capacity || res.QPS < tt.capacity/(1+tol) {
				t.Errorf("capacity %g, want within %g%% below %g", res.QPS, 100*tol, tt.capacity)
			}
		})
	}
}

// TestCapacityReportsMaxQPS: the max-qps a search reports is a rate that
// passed in every try of the boundary, whatever the retries found, and no
// step failed at or below it; when no rate passed in every try, no max-qps
// is reported (so -min-qps fails). WriteUnits declares the metrics.
func TestCapacityReportsMaxQPS(t *testing.T) {
	tests := []struct {
		name    string
		drop    float64 // the capacity once the boundary's retries begin; 0: unchanged
		maxQPS  bool    // whether max-qps is reported
		verdict string
	}{
		{name: "retries agree", maxQPS: true, verdict: "3 tries agree"},
		{name: "retries find a lower boundary", drop: 970, maxQPS: true, verdict: "passed in every try"},
		{name: "a retry passes nowhere", drop: 500, verdict: "no rate passed in every try"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := &rateTarget{capacity: 1000}
			repeats := 0
			opts := []capacity.Option{capacity.StartRate(100), capacity.MaxRate(100_000), capacity.Load(meshperf.Duration(time.Second)),
				capacity.OnStep(func(st capacity.Step) {
					// The first retry of the boundary runs at the old
					// capacity; the second try at the new one.
					if st.Phase == capacity.PhaseRepeat {
						if repeats++; repeats == 2 && tt.drop > 0 {
							target.setCapacity(tt.drop)
						}
					}
				})}
			res, err := capacity.SearchContext(t.Context(), target, assertions.Budget{P99: 10 * time.Millisecond}, opts...)
			if err != nil {
				t.Fatal(err)
			}
			t.Log(res.Verdict())
			got := map[string]float64{}
			capacity.ReportTo(reporterFunc(func(v float64, unit string) { got[unit] = v }), res)
			q, reported := got["max-qps"]
			if reported != tt.maxQPS || got["ns/op"] != 0 {
				t.Fatalf("reported %v (tries %v, censored %v): want max-qps reported %v", got, res.Tries, res.Censored, tt.maxQPS)
			}
			if !strings.Contains(res.Verdict(), tt.verdict) {
				t.Errorf("verdict %q lacks %q", res.Verdict(), tt.verdict)
			}
			if !reported {
				if res.QPS != 0 {
					t.Errorf("capacity %g with no rate that passed in every try", res.QPS)
				}
				return
			}
			if q != res.QPS || math.Abs(got["max-qps-spread-%"]-100*res.Spread) > 1e-9 {
				t.Errorf("reported %v, want max-qps %g and spread %g%%", got, res.QPS, 100*res.Spread)
			}
			passed := false
			for _, st := range res.Steps {
				if !st.Pass && st.QPS <= q {
					t.Errorf("max-qps %g, but a %s step failed at %g", q, st.Phase, st.QPS)
				}
				passed = passed || st.Pass && st.QPS == q
			}
			if !passed {
				t.Errorf("max-qps %g is not a rate a step passed at", q)
			}
		})
	}
	var units strings.Builder
	if err := capacity.WriteUnits(&units); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Unit max-qps better=higher\n", "Unit max-qps-spread-% better=lower\n"} {
		if !strings.Contains(units.String(), want) {
			t.Errorf("WriteUnits lacks %q", want)
		}
	}
}

// BenchmarkCapacitySearch measures how many steps and how much time a
// search takes to converge on a server of known capacity (6 workers at
// 10 ms: 600 req/s), for meshperf's search and for Nighthawk's plain ×2
// then bisection at the same 1% tolerance. search-steps and search-s count
// up to convergence; steps and total-s include meshperf's boundary
// repeats. Run it with
//
//	go test -run '^$' -bench CapacitySearch -benchtime 1x -count 5 ./meshperf/capacity
func BenchmarkCapacitySearch(b *testing.B) {
	for _, strategy := range []struct {
		name string
		opts []capacity.Option
	}{
		{"meshperf", nil},
		{"nighthawk", []capacity.Option{capacity.NighthawkSearch()}},
	} {
		b.Run("strategy="+strategy.name, func(b *testing.B) {
			for b.Loop() {
				q, url := newQueueServer(b, 6, 10*time.Millisecond)
				want := q.capacity()
				opts := append(quickSteps(time.Second), capacity.StartRate(100), capacity.MaxRate(5000))
				res, err := capacity.SearchContext(b.Context(), meshperf.URL(url), assertions.Budget{P99: 40 * time.Millisecond},
					append(opts, strategy.opts...)...)
				if err != nil {
					b.Fatal(err)
				}
				searchSteps, converged := 0, res.Start
				for _, st := range res.Steps {
					if st.Phase != capacity.PhaseRepeat {
						searchSteps++
						converged = st.Result.End
					}
				}
				b.ReportMetric(0, "ns/op")
				b.ReportMetric(float64(searchSteps), "search-steps")
				b.ReportMetric(converged.Sub(res.Start).Seconds(), "search-s")
				b.ReportMetric(float64(len(res.Steps)), "steps")
				b.ReportMetric(res.End.Sub(res.Start).Seconds(), "total-s")
				b.ReportMetric(100*(res.QPS-want)/want, "capacity-err-%")
				if res.Repeats > 0 {
					b.ReportMetric(map[bool]float64{true: 1}[res.Reproducible], "reproducible")
				}
			}
		})
	}
}

// TestStepDuration: a step lasts DefaultStepDuration unless a load option
// sets the duration, even to meshperf.DefaultDuration, and every other
// load option reaches each step's Plan.
func TestStepDuration(t *testing.T) {
	tests := []struct {
		name string
		load []meshperf.Option
		want time.Duration
	}{
		{"default", nil, capacity.DefaultStepDuration},
		{"a run's default, given", []meshperf.Option{meshperf.Duration(meshperf.DefaultDuration)}, meshperf.DefaultDuration},
		{"set", []meshperf.Option{meshperf.Warmup(0), meshperf.Duration(time.Second)}, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := &planTarget{rateTarget: rateTarget{capacity: 400}}
			_, err := capacity.SearchContext(t.Context(), target, assertions.Budget{P99: 10 * time.Millisecond},
				capacity.StartRate(100), capacity.MaxRate(800), capacity.Load(append(tt.load, meshperf.Concurrency(3))...))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range target.plans {
				if p.Duration != tt.want || p.Concurrency != 3 {
					t.Fatalf("a step ran %v with %d workers, want %v with 3", p.Duration, p.Concurrency, tt.want)
				}
			}
		})
	}
}

// planTarget is a rateTarget that keeps each step's Plan.
type planTarget struct {
	rateTarget
	plans []meshperf.Plan
}

func (t *planTarget) Load(ctx context.Context, p meshperf.Plan) (*meshperf.Result, error) {
	t.plans = append(t.plans, p)
	return t.rateTarget.Load(ctx, p)
}
