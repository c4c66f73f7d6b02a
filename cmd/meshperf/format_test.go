package main

import (
	"strings"
	"testing"
	"time"

	"github.com/meshperf/meshperf/fixtures"
	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/capacity"
	"github.com/meshperf/meshperf/meshperf/latency"
)

// textResult returns a Result of values recorded into one-minute
// histograms, its summaries and overflow filled as a run fills them.
func textResult(tb testing.TB, values ...time.Duration) *meshperf.Result {
	tb.Helper()
	h, err := latency.New(0)
	if err != nil {
		tb.Fatal(err)
	}
	for _, v := range values {
		h.Record(v)
	}
	r := &meshperf.Result{URL: "http://127.0.0.1:1/", Requests: 10, RequestedQPS: 100, Concurrency: 1,
		StatusCodes: map[int]int64{}, TransportErrors: map[string]int64{}, ResponseHist: h, Overflow: h.Overflow()}
	if len(values) == 0 {
		r.TransportErrors["connect"] = 10
	} else {
		r.StatusCodes[200] = int64(len(values))
		r.Latency, _ = h.Summarize()
		r.Service = r.Latency
	}
	return r
}

// Text output never shows a latency for a run without samples, and shows
// overflow wherever it shows latencies.
func TestTextOutputOfEmptyAndOverflowedRuns(t *testing.T) {
	empty := textResult(t)
	over := textResult(t, time.Millisecond, 2*time.Hour, 3*time.Hour)
	plan, err := meshperf.NewPlan(meshperf.Requests(10))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		print    func(*strings.Builder, *meshperf.Result)
		r        *meshperf.Result
		want     []string
		dontWant []string
	}{
		{name: "load summary, empty", print: func(b *strings.Builder, r *meshperf.Result) { writeSummary(b, r, plan) }, r: empty,
			want: []string{"response   no samples", "service    no samples"}, dontWant: []string{"0ns"}},
		{name: "sweep step, empty", print: func(b *strings.Builder, r *meshperf.Result) { printStep(b, fixtures.Both, 1, r) }, r: empty,
			want: []string{latency.NoSamples}, dontWant: []string{"0ns"}},
		{name: "capacity step, empty", print: func(b *strings.Builder, r *meshperf.Result) {
			printCapacityStep(b, 4, "both", 1, capacity.Step{QPS: 100, Result: r, Pass: true})
		}, r: empty, want: []string{latency.NoSamples}, dontWant: []string{"0ns"}},
		{name: "load summary, overflow", print: func(b *strings.Builder, r *meshperf.Result) { writeSummary(b, r, plan) }, r: over,
			want: []string{"overflow  2 response latencies above 1m"}},
		{name: "sweep step, overflow", print: func(b *strings.Builder, r *meshperf.Result) { printStep(b, fixtures.Both, 1, r) }, r: over,
			want: []string{"overflow 2"}},
		{name: "capacity step, overflow", print: func(b *strings.Builder, r *meshperf.Result) {
			printCapacityStep(b, 4, "both", 1, capacity.Step{QPS: 100, Result: r, Pass: true})
		}, r: over, want: []string{"overflow 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			tt.print(&b, tt.r)
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, b.String())
				}
			}
			for _, w := range tt.dontWant {
				if strings.Contains(b.String(), w) {
					t.Errorf("output has %q:\n%s", w, b.String())
				}
			}
		})
	}
}
