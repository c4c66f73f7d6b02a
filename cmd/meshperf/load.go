package main

import (
	"context"
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
)

// loadCmd is `meshperf load` parsed and checked: what to run, and where
// its outputs go.
type loadCmd struct {
	url        string
	opts       []meshperf.Option
	plan       meshperf.Plan
	jsonPath   string
	out        *outfile.Target // the checked -json file; nil: none
	partial    bool
	maxErr     float64
	maxErrSet  bool
	budget     assertions.Budget
	budgetText string
}

// runLoad parses, runs and prints: the run's error and the budget's verdict
// decide the exit code, and the result is written either way.
func runLoad(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	c, err := parseLoad(args, stdin, stderr)
	if err != nil {
		return err
	}
	res, runErr := meshperf.RunContext(ctx, meshperf.URL(c.url), c.opts...)
	runErr = explainErrorRate(runErr, c.maxErr, c.maxErrSet, c.budget)
	if res != nil {
		if err := c.print(res, runErr, stdout, stderr); err != nil {
			return errors.Join(runErr, err)
		}
	}
	if runErr != nil || c.budgetText == "" {
		return runErr
	}
	if err := c.budget.Evaluate(res); err != nil {
		return fmt.Errorf("budget %q broken:\n%w", c.budgetText, err)
	}
	return nil
}

// loadFlags are load's own flags; the request's are requestFlags.
type loadFlags struct {
	qps, maxErr                 *float64
	conc                        *int
	dur, warmup, timeout        *time.Duration
	count                       *int64
	method, jsonOut, budgetText *string
	planPath                    *string
	partial                     *bool
	labels                      repeated
	req                         *requestFlags
}

func addLoadFlags(fs *flag.FlagSet) *loadFlags {
	f := &loadFlags{}
	f.qps = fs.Float64("qps", meshperf.DefaultQPS, "requests per second, open loop; 0 = closed loop at max speed")
	f.conc = fs.Int("c", meshperf.DefaultConcurrency, "concurrent workers (connections)")
	f.dur = fs.Duration("t", meshperf.DefaultDuration, "length of the measured window (excludes -n)")
	f.count = fs.Int64("n", 0, "exact number of measured requests, instead of -t")
	f.warmup = fs.Duration("warmup", meshperf.DefaultWarmup, "discarded warm-up before the measured window; 0 = none")
	f.timeout = fs.Duration("timeout", meshperf.DefaultTimeout, "per-request timeout")
	f.method = fs.String("X", "", "HTTP method (default GET, or POST with -payload-size)")
	f.req = addRequestFlags(fs)
	fs.Var(&f.labels, "label", "result label key=value (repeatable)")
	f.maxErr = fs.Float64("max-error-rate", meshperf.DefaultAbortErrorRate, "fail the run when more than this share of requests fail")
	f.jsonOut = fs.String("json", "", "write the result as JSON to this file ('-' = stdout)")
	f.partial = fs.Bool("partial", false, "when the run is interrupted (SIGINT, SIGTERM), still write its partial result, marked \"interrupted\": true, to -json; without it -json is left as it was")
	f.budgetText = fs.String("budget", "", "fail (exit 1) when the result breaks this budget, e.g. 'p99<5ms,err<0.1%'")
	f.planPath = fs.String("plan", "", "read the whole plan from this JSON file ('-' = stdin) instead of the flags above it; see the README")
	return f
}

// parseLoad parses and checks everything before the run: a bad flag, URL,
// plan (-plan, read from stdin when '-') or output path is a usage error.
func parseLoad(args []string, stdin io.Reader, stderr io.Writer) (*loadCmd, error) {
	fs := newFlagSet("load", stderr, "[flags] URL")
	f := addLoadFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() != 1 {
		return nil, usagef("url: want exactly one URL argument after the flags, got %d (%q)", fs.NArg(), fs.Args())
	}
	set := setFlags(fs)
	var fromPlan []meshperf.Option
	if set["plan"] {
		var err error
		if fromPlan, err = readPlanFlag(*f.planPath, stdin, set); err != nil {
			return nil, err
		}
	}
	opts, err := f.options(set)
	if err != nil {
		return nil, err
	}
	if fromPlan != nil {
		opts = fromPlan
	}
	c := &loadCmd{url: fs.Arg(0), opts: opts, jsonPath: *f.jsonOut, partial: *f.partial,
		maxErrSet: set["max-error-rate"] || set["plan"], budgetText: *f.budgetText}
	if c.budgetText != "" {
		if c.budget, err = parseBudget(c.budgetText, "one load run"); err != nil {
			return nil, err
		}
	}
	if _, err := meshperf.ParseURL(c.url); err != nil {
		return nil, asUsage(err)
	}
	if c.plan, err = meshperf.NewPlan(opts...); err != nil {
		return nil, asUsage(err)
	}
	c.maxErr = c.plan.MaxErrorRate
	if p := os.Getenv(meshperf.OutEnv); p != "" {
		if err := meshperf.CheckOut(p); err != nil {
			return nil, asUsage(err)
		}
	}
	if c.jsonPath != "-" {
		if c.out, err = checkJSONOutput("-json", c.jsonPath); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// options are the load options the flags ask for; set names the flags
// given.
func (f *loadFlags) options(set map[string]bool) ([]meshperf.Option, error) {
	if set["t"] && set["n"] {
		return nil, usagef("-t %v and -n %d exclude each other: give a duration or a count", *f.dur, *f.count)
	}
	opts := []meshperf.Option{
		meshperf.QPS(*f.qps), meshperf.Concurrency(*f.conc), meshperf.Warmup(*f.warmup),
		meshperf.Timeout(*f.timeout), meshperf.MaxErrorRate(*f.maxErr),
	}
	if set["n"] {
		opts = append(opts, meshperf.Requests(*f.count))
	} else {
		opts = append(opts, meshperf.Duration(*f.dur))
	}
	if *f.method != "" {
		opts = append(opts, meshperf.Method(*f.method))
	}
	req, err := f.req.options()
	if err != nil {
		return nil, err
	}
	opts = append(opts, req...)
	for _, l := range f.labels {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			return nil, usagef("-label %q: want key=value", l)
		}
		opts = append(opts, meshperf.Label(k, v))
	}
	return opts, nil
}

// print writes the summary and the JSON. An interrupted run's partial
// result must not replace a complete one, nor reach a consumer of stdout
// that expects the whole run: without -partial it goes to stderr, or
// nowhere.
func (c *loadCmd) print(res *meshperf.Result, runErr error, stdout, stderr io.Writer) error {
	w, jsonPath, target := stdout, c.jsonPath, c.out
	if res.Interrupted && !c.partial && jsonPath != "" {
		if jsonPath == "-" {
			w = stderr
		} else {
			fmt.Fprintf(stderr, "meshperf load: interrupted: -json %s left as it was (add -partial to write the partial result)\n", jsonPath)
		}
		jsonPath, target = "", nil
	}
	return writeOutputs(res, runErr, c.plan, jsonPath, target, w)
}
