package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"fortio.org/fortio/fhttp"
	"fortio.org/fortio/periodic"
	flog "fortio.org/log"
)

// fortioResult is what fortio reports: its latencies run from the actual
// send of each request to its response.
type fortioResult struct {
	p50, p99, max time.Duration
	requests      int64
	actualQPS     float64
}

// runFortio drives url with fortio's periodic runner and fast HTTP/1.1
// client at qps with c connections for d. Every runner option that fortio
// would otherwise default is set (zero options mean 8 QPS, 5 s and 4
// threads); its log, a process-wide logger that prints to stderr, is
// quieted for the run and restored after (failures come back
// as status codes, -1 for socket errors, and fail the run); and a pre-made Aborter
// keeps the runner from installing its own SIGINT handler: ctx stops the
// run instead. Runners are left unset, since NewPeriodicRunner releases
// any set before construction.
func runFortio(ctx context.Context, url string, qps float64, c int, d time.Duration) (fortioResult, error) {
	prev := flog.SetLogLevelQuiet(flog.Critical)
	defer flog.SetLogLevelQuiet(prev)

	o := fhttp.HTTPRunnerOptions{}
	o.URL = url
	o.QPS = qps
	o.NumThreads = c
	o.Duration = d
	o.Uniform = true                     // staggered starts, as meshperf spreads its slots
	o.RunnerOptions.Resolution = 0.00001 // 10 µs buckets, so the p99 is not a 1 ms bucket edge
	o.Percentiles = []float64{50, 99}    // fortio's percentiles are 0–100
	o.Out = io.Discard                   // no text report
	o.Stop = periodic.NewAborter()       // ours, so no SIGINT watcher is installed
	o.HTTPReqTimeOut = 5 * time.Second   // well above the stall
	stop := context.AfterFunc(ctx, func() { o.Stop.Abort(false) })
	defer stop()

	res, err := fhttp.RunHTTPTest(&o)
	if err != nil {
		return fortioResult{}, fmt.Errorf("fortio: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fortioResult{}, err
	}
	h := res.DurationHistogram
	if h == nil || h.Count == 0 {
		return fortioResult{}, fmt.Errorf("fortio: no request was answered")
	}
	var ok200 int64
	for code, n := range res.RetCodes {
		if code == 200 {
			ok200 += n
		}
	}
	if ok200 != h.Count {
		return fortioResult{}, fmt.Errorf("fortio: %d of %d requests failed (%v)", h.Count-ok200, h.Count, res.RetCodes)
	}
	out := fortioResult{max: seconds(h.Max), requests: h.Count, actualQPS: res.ActualQPS}
	for _, p := range h.Percentiles {
		switch p.Percentile {
		case 50:
			out.p50 = seconds(p.Value)
		case 99:
			out.p99 = seconds(p.Value)
		}
	}
	return out, nil
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
