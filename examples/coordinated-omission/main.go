package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/latency"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "coordinated-omission:", err)
		stop()
		os.Exit(1)
	}
}

// comparison is what one run measured.
type comparison struct {
	analytic time.Duration
	meshperf *meshperf.Result
	fortio   fortioResult
}

func run(ctx context.Context, args []string, out io.Writer) (*comparison, error) {
	fs := flag.NewFlagSet("coordinated-omission", flag.ContinueOnError)
	stall := fs.Duration("stall", 400*time.Millisecond, "how long each freeze lasts")
	every := fs.Duration("every", 4*time.Second, "period of the freezes")
	dur := fs.Duration("t", 12*time.Second, "measured window of each tool; a multiple of -every gives both the same share of freezes")
	qps := fs.Float64("qps", 1000, "requests per second")
	conc := fs.Int("c", 8, "connections")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case *stall <= 0 || *stall > 5*time.Second:
		return nil, fmt.Errorf("-stall %v: use more than 0 and at most 5s", *stall)
	case *every <= *stall || *every > time.Minute:
		return nil, fmt.Errorf("-every %v: use more than -stall (%v) and at most 1m", *every, *stall)
	case *dur < *every || *dur > 10*time.Minute:
		return nil, fmt.Errorf("-t %v: use at least -every (%v) and at most 10m", *dur, *every)
	case *qps < 1 || *qps > 50000:
		return nil, fmt.Errorf("-qps %g: use 1 to 50000", *qps)
	case *conc < 1 || *conc > 1024:
		return nil, fmt.Errorf("-c %d: use 1 to 1024", *conc)
	}
	srv, err := newStallServer(*stall, *every)
	if err != nil {
		return nil, err
	}
	defer srv.Close()

	fmt.Fprintf(out, "A server on %s freezes %v every %v. Each tool sends %g req/s on %d connections for %v.\n",
		srv.url, *stall, *every, *qps, *conc, *dur)
	c := &comparison{analytic: analyticP99(*stall, *every)}
	c.meshperf, err = meshperf.RunContext(ctx, meshperf.URL(srv.url), meshperf.QPS(*qps), meshperf.Concurrency(*conc),
		meshperf.Duration(*dur), meshperf.Warmup(0), meshperf.Timeout(5*time.Second), meshperf.MaxErrorRate(0))
	if err != nil {
		return nil, fmt.Errorf("meshperf: %w", err)
	}
	c.fortio, err = runFortio(ctx, srv.url, *qps, *conc, *dur)
	if err != nil {
		return nil, err
	}

	f := latency.Format
	m := c.meshperf
	fmt.Fprintf(out, "%-36s %9s %9s %9s %9s %9s\n", "", "p50", "p99", "max", "requests", "req/s")
	fmt.Fprintf(out, "%-36s %9s %9s %9s %9d %9.1f\n", "meshperf: from the intended send", f(m.Latency.P50), f(m.Latency.P99), f(m.Latency.Max), m.Requests, m.ActualQPS)
	fmt.Fprintf(out, "%-36s %9s %9s %9s %9d %9.1f\n", "meshperf: service time (actual send)", f(m.Service.P50), f(m.Service.P99), f(m.Service.Max), m.Requests, m.ActualQPS)
	fmt.Fprintf(out, "%-36s %9s %9s %9s %9d %9.1f\n", "fortio: from the actual send", f(c.fortio.p50), f(c.fortio.p99), f(c.fortio.max), c.fortio.requests, c.fortio.actualQPS)
	fmt.Fprintf(out, "Expected p99 from the freezes alone: %v (%.0f%% of requests are due during a freeze and wait for its end).\n",
		f(c.analytic), 100*float64(*stall)/float64(*every))
	fmt.Fprintf(out, "meshperf counted %d requests that left late because every connection was held by the freeze.\n", m.Late)
	return c, nil
}
