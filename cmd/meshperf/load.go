package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/meshperf/meshperf/assertions"
	"github.com/meshperf/meshperf/internal/outfile"
	"github.com/meshperf/meshperf/meshperf"
	"github.com/meshperf/meshperf/meshperf/latency"
)

// errHelp is returned after -h printed the usage.
var errHelp = errors.New("help shown")

// flagOf maps a meshperf.InvalidError field to the flag that sets it.
var flagOf = map[string]string{
	"qps": "-qps", "concurrency": "-c", "duration": "-t", "requests": "-n", "warmup": "-warmup",
	"timeout": "-timeout", "header": "-H", "payload-size": "-payload-size", "protocol": "-h2/-grpc",
	"method": "-X", "max-error-rate": "-max-error-rate", "label": "-label", "url": "url", "budget": "-budget",
	"out": "$" + meshperf.OutEnv,
}

// repeated collects a repeatable string flag.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ", ") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

func newFlagSet(name string, stderr io.Writer, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("meshperf "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: meshperf %s %s\n\nflags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and turns flag errors into usage errors, reported
// once as a single line; only -h prints the full usage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	usage, out := fs.Usage, fs.Output()
	fs.Usage = func() {}
	fs.SetOutput(io.Discard) // the error is reported once, by the caller
	err := fs.Parse(args)
	fs.Usage = usage
	fs.SetOutput(out)
	if errors.Is(err, flag.ErrHelp) {
		fs.Usage()
		return errHelp
	}
	if err != nil {
		return usagef("%v (see -h)", err)
	}
	return nil
}

func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("load", stderr, "[flags] URL")
	qps := fs.Float64("qps", meshperf.DefaultQPS, "requests per second, open loop; 0 = closed loop at max speed")
	conc := fs.Int("c", meshperf.DefaultConcurrency, "concurrent workers (connections)")
	dur := fs.Duration("t", meshperf.DefaultDuration, "length of the measured window (excludes -n)")
	count := fs.Int64("n", 0, "exact number of measured requests, instead of -t")
	warmup := fs.Duration("warmup", meshperf.DefaultWarmup, "discarded warm-up before the measured window; 0 = none")
	timeout := fs.Duration("timeout", meshperf.DefaultTimeout, "per-request timeout")
	method := fs.String("X", "", "HTTP method (default GET, or POST with -payload-size)")
	var headers, labels repeated
	fs.Var(&headers, "H", "request header 'Name: value' (repeatable)")
	fs.Var(&labels, "label", "result label key=value (repeatable)")
	payload := fs.Int("payload-size", 0, "request body size in bytes")
	h2 := fs.Bool("h2", false, "HTTP/2 over cleartext (h2c, prior knowledge)")
	grpcFlag := fs.Bool("grpc", false, "gRPC health checks (grpc.health.v1.Health/Check)")
	maxErr := fs.Float64("max-error-rate", meshperf.DefaultAbortErrorRate, "fail the run when more than this share of requests fail")
	jsonOut := fs.String("json", "", "write the result as JSON to this file ('-' = stdout)")
	partial := fs.Bool("partial", false, "when the run is interrupted (SIGINT, SIGTERM), still write its partial result, marked \"interrupted\": true, to -json; without it -json is left as it was")
	budgetFlag := fs.String("budget", "", "fail (exit 1) when the result breaks this budget, e.g. 'p99<5ms,err<0.1%'")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("url: want exactly one URL argument after the flags, got %d (%q)", fs.NArg(), fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["t"] && set["n"] {
		return usagef("-t %v and -n %d exclude each other: give a duration or a count", *dur, *count)
	}
	if *h2 && *grpcFlag {
		return usagef("-h2 and -grpc exclude each other")
	}

	opts := []meshperf.Option{
		meshperf.QPS(*qps), meshperf.Concurrency(*conc), meshperf.Warmup(*warmup),
		meshperf.Timeout(*timeout), meshperf.PayloadSize(*payload), meshperf.MaxErrorRate(*maxErr),
	}
	if set["n"] {
		opts = append(opts, meshperf.Requests(*count))
	} else {
		opts = append(opts, meshperf.Duration(*dur))
	}
	if *method != "" {
		opts = append(opts, meshperf.Method(*method))
	}
	for _, h := range headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			return usagef("-H %q: want 'Name: value'", h)
		}
		opts = append(opts, meshperf.Header(strings.TrimSpace(name), strings.TrimSpace(value)))
	}
	for _, l := range labels {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			return usagef("-label %q: want key=value", l)
		}
		opts = append(opts, meshperf.Label(k, v))
	}
	switch {
	case *h2:
		opts = append(opts, meshperf.WithProtocol(meshperf.H2C))
	case *grpcFlag:
		opts = append(opts, meshperf.WithProtocol(meshperf.GRPC))
	}
	var budget assertions.Budget
	if *budgetFlag != "" {
		th, err := assertions.ParseBudget(*budgetFlag)
		if err != nil {
			return usagef("-budget %v", err)
		}
		o := th.Overhead
		if o.P50 != nil || o.P90 != nil || o.P99 != nil || o.P999 != nil || o.Max != nil || o.CPU != nil {
			return usagef("-budget %q: overhead_* clauses compare against a baseline, which one load run does not have", *budgetFlag)
		}
		budget = th.Budget
	}
	rawURL := fs.Arg(0)
	if _, err := meshperf.ParseURL(rawURL); err != nil {
		return asUsage(err)
	}
	plan, err := meshperf.NewPlan(opts...)
	if err != nil {
		return asUsage(err)
	}

	if p := os.Getenv(meshperf.OutEnv); p != "" {
		if err := meshperf.CheckOut(p); err != nil {
			return asUsage(err)
		}
	}
	var out *outfile.Target // nil: no file
	if *jsonOut != "-" {
		if out, err = checkJSONOutput("-json", *jsonOut); err != nil {
			return err
		}
	}

	res, runErr := meshperf.RunContext(ctx, meshperf.URL(rawURL), opts...)
	runErr = explainErrorRate(runErr, *maxErr, set["max-error-rate"], budget)
	if res != nil {
		w, jsonPath, target := stdout, *jsonOut, out
		if res.Interrupted && !*partial && jsonPath != "" {
			// A partial result must not replace a complete one, nor reach a
			// consumer of stdout that expects the whole run.
			if jsonPath == "-" {
				w = stderr
			} else {
				fmt.Fprintf(stderr, "meshperf load: interrupted: -json %s left as it was (add -partial to write the partial result)\n", jsonPath)
			}
			jsonPath, target = "", nil
		}
		if err := writeOutputs(res, plan, jsonPath, target, w); err != nil {
			return errors.Join(runErr, err)
		}
	}
	if runErr != nil || *budgetFlag == "" {
		return runErr
	}
	if err := budget.Evaluate(res); err != nil {
		return fmt.Errorf("budget %q broken:\n%w", *budgetFlag, err)
	}
	return nil
}

// asUsage rewrites an InvalidError in terms of the command line's flags.
func asUsage(err error) error {
	var ie *meshperf.InvalidError
	if errors.As(err, &ie) {
		name := flagOf[ie.Field]
		if name == "" {
			name = ie.Field
		}
		return usagef("%s %v: %s", name, ie.Value, ie.Allowed)
	}
	return err
}

// writeOutputs prints the summary (unless JSON goes to stdout) and writes the
// JSON to stdout or to out, the checked -json path (nil: none).
func writeOutputs(res *meshperf.Result, plan meshperf.Plan, jsonPath string, out *outfile.Target, stdout io.Writer) error {
	if jsonPath != "-" {
		writeSummary(stdout, res, plan)
	}
	if jsonPath == "-" {
		b, err := jsonIndent(res)
		if err != nil {
			return err
		}
		_, err = stdout.Write(b)
		return err
	}
	if out == nil {
		return nil
	}
	return writeOutput("-json", out, jsonWriter(res))
}

// jsonIndent is v as indented JSON and a newline.
func jsonIndent(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	return append(b, '\n'), err
}

func writeSummary(w io.Writer, r *meshperf.Result, plan meshperf.Plan) {
	mode := fmt.Sprintf("open loop at %g req/s", r.RequestedQPS)
	if r.RequestedQPS == 0 {
		mode = "closed loop"
	}
	window := plan.Duration.String()
	if plan.Requests > 0 {
		window = fmt.Sprintf("%d requests", plan.Requests)
	}
	fmt.Fprintf(w, "%s  %s, %d connections, %s after %v warm-up, %s\n", r.URL, mode, r.Concurrency, window, plan.Warmup, r.Protocol)
	if r.Interrupted {
		fmt.Fprintf(w, "INTERRUPTED after %v of the window: partial result, %d in flight, %d unsent\n",
			r.End.Sub(r.Start).Round(time.Millisecond), r.InFlight, r.Unsent)
	}
	fmt.Fprintf(w, "requests  %d in %v = %.2f req/s", r.Requests, r.End.Sub(r.Start).Round(time.Millisecond), r.ActualQPS)
	if r.RequestedQPS > 0 {
		fmt.Fprintf(w, " (requested %g)", r.RequestedQPS)
	}
	fmt.Fprintf(w, ", %d warm-up discarded\n", r.WarmupRequests)
	fmt.Fprintf(w, "status    %s\n", statusLine(r))
	for _, line := range errorLines(r) {
		fmt.Fprintln(w, line)
	}
	for _, h := range []struct {
		name string
		h    *latency.Histogram
	}{{"response", r.ResponseHist}, {"service", r.ServiceHist}, {"send lag", r.SendLagHist}} {
		if h.h != nil && h.h.Overflow() > 0 {
			fmt.Fprintf(w, "overflow  %d %s latencies above %v, counted at it: the percentiles they reach are lower bounds\n",
				h.h.Overflow(), h.name, h.h.Highest())
		}
	}
	fmt.Fprintf(w, "%-10s %9s %9s %9s %9s %9s %9s %9s %9s\n", "", "min", "mean", "p50", "p75", "p90", "p99", "p99.9", "max")
	for _, row := range []struct {
		name string
		s    latency.Summary
	}{{"response", r.Latency}, {"service", r.Service}, {"send lag", r.SendLag}} {
		if row.s.Count == 0 {
			if row.name != "send lag" || r.RequestedQPS > 0 { // closed loop has no send lag to report
				fmt.Fprintf(w, "%-10s no samples\n", row.name)
			}
			continue
		}
		fmt.Fprintf(w, "%-10s %9s %9s %9s %9s %9s %9s %9s %9s\n", row.name, latency.Format(row.s.Min), latency.Format(row.s.Mean),
			latency.Format(row.s.P50), latency.Format(row.s.P75), latency.Format(row.s.P90), latency.Format(row.s.P99), latency.Format(row.s.P999), latency.Format(row.s.Max))
	}
}
